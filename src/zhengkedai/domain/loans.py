"""Programme loans and their post-loan events, as plain values.

A loan's outstanding principal is its principal less repayments and confirmed
losses; its overdue principal is the last reported level, never above the
outstanding principal (repayments and losses lower it with the outstanding).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from .money import Fen


class LoanType(StrEnum):
    CREDIT = "credit"  # 信用
    IP_PLEDGE = "ip_pledge"  # 知识产权质押
    COLLATERAL = "collateral"  # 抵押
    GUARANTEED = "guaranteed"  # 担保
    INSURED = "insured"  # 保证保险


LOAN_TYPE_ZH = {
    LoanType.CREDIT: "信用",
    LoanType.IP_PLEDGE: "知识产权质押",
    LoanType.COLLATERAL: "抵押",
    LoanType.GUARANTEED: "担保",
    LoanType.INSURED: "保证保险",
}


class EventType(StrEnum):
    REPAYMENT = "repayment"  # 还款
    OVERDUE = "overdue"  # 逾期
    LOSS = "loss"  # 损失确认
    RECOVERY = "recovery"  # 追偿回收


EVENT_TYPE_ZH = {
    EventType.REPAYMENT: "还款",
    EventType.OVERDUE: "逾期",
    EventType.LOSS: "损失确认",
    EventType.RECOVERY: "追偿回收",
}


@dataclass(frozen=True, slots=True)
class Enterprise:
    """The borrower as the loan file describes it on the disbursement date."""

    credit_code: str
    name: str
    district: str | None
    revenue_prev_year: Fen
    high_tech: bool
    profitable_two_years: bool
    research_cooperation: bool = False


@dataclass(frozen=True, slots=True)
class Loan:
    """A programme loan as filed by its institution."""

    institution_code: str
    loan_no: str
    enterprise: Enterprise
    loan_type: LoanType
    collateral_value: Fen
    principal: Fen
    annual_rate: Decimal  # percent a year: 3.85% -> Decimal("3.85")
    disbursed_on: dt.date
    maturity_on: dt.date
    guarantor_code: str | None = None
    guarantee_fee: Fen = 0
