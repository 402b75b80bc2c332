"""A payment notice (付款通知书): the figures of one approved or paid payout, ready to render.

Pure data: the service fills it from a claim or a subsidy, the renderer turns
it into a PDF. The amount is integer fen; its capitals come from
:func:`zhengkedai.domain.money.format_capital` at render time, so figures and
words cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from zhengkedai.domain.money import Fen


@dataclass(frozen=True)
class PaymentNotice:
    number: str                      # e.g. ZKD-BC-000012 (补偿) or ZKD-BZ-000007 (补助)
    title: str                       # 损失补偿付款通知书 / 补助资金付款通知书
    issuer: str                      # the issuing body (settings), "" when unset
    payee: str                       # who is paid
    account_name: str | None         # 户名 / 账号 / 开户行; None: no account on record
    account_no: str | None
    account_bank: str | None
    amount: Fen
    fund: str                        # the fund paying: 风险补偿准备金 / 科技金融补助资金
    purpose: tuple[tuple[str, str], ...]  # (label, text) lines: what it pays for
    approved_by: str
    approved_on: dt.date
    paid_by: str | None              # None while approved, unpaid
    paid_on: dt.date | None
    source: str                      # the record it comes from, e.g. 补偿申请 C12
