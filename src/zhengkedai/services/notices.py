"""Payment notices (付款通知书) for approved or paid claims and subsidies (SPEC 12).

A notice states who is paid, into which account, how much (in figures and in
capitals), what for, who approved it and who paid it. Only an approved or
paid record has one: a submitted one is not decided, a rejected one pays nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from zhengkedai.db.models import EntryRow, InstitutionRow, LoanEventRow, LoanRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.compensation import RULE_ZH
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.loans import LOAN_TYPE_ZH, LoanType
from zhengkedai.domain.money import format_grouped, parse_yuan
from zhengkedai.domain.notice import PaymentNotice
from zhengkedai.domain.subsidy_rules import SUBSIDY_RULE_ZH
from zhengkedai.domain.workflow import Status, status_words
from zhengkedai.i18n import _
from zhengkedai.services import settings
from zhengkedai.services.claims.workflow import get as get_claim
from zhengkedai.services.subsidies import applications as subsidies

_PAYABLE = (Status.APPROVED, Status.PAID)

def _basis(policy: str, trace_json: str, rules_zh: Mapping[str, str]) -> str:
    """The policy and the steps that changed the amount, named in Chinese, for the 核定依据 line."""
    steps = [f"{rules_zh.get(step['rule'], step['rule'])} "
             f"{format_grouped(parse_yuan(step['before']))}→"
             f"{format_grouped(parse_yuan(step['after']))}"
             for step in json.loads(trace_json) if step["before"] != step["after"]]
    return f"{policy}：" + ("；".join(steps) if steps else "按计算基数全额核定，无规则调减")


def _operator(uow: UnitOfWork, seq: int | None, fallback: str | None) -> str | None:
    if seq is None:
        return fallback
    entry = uow.s.get(EntryRow, seq)
    return entry.operator if entry is not None else fallback


def _refuse(what: str, status: str) -> ZkdError:
    return ZkdError(_("{what} is {status}; a payment notice is written only for an approved "
                      "or paid one").format(what=what, status=status_words(status)))


def claim_notice(uow: UnitOfWork, claim_id: int) -> PaymentNotice:
    """The notice for claim ``claim_id``, paid to its institution from the reserve."""
    claim = get_claim(uow, claim_id)
    if claim.status not in _PAYABLE:
        raise _refuse(_("claim #{id}").format(id=claim.id), claim.status)
    loan = uow.s.get(LoanRow, claim.loan_id)
    event = uow.s.get(LoanEventRow, claim.loss_event_id)
    inst = uow.s.get(InstitutionRow, claim.institution_code)
    assert loan is not None and event is not None and inst is not None
    assert claim.approved_on is not None
    purpose = (
        ("贷款", f"{loan.loan_no}（{LOAN_TYPE_ZH[LoanType(loan.loan_type)]}贷款，"
                f"本金 {format_grouped(loan.principal_fen)} 元）"),
        ("借款企业", f"{loan.enterprise_name}（{loan.credit_code}）"),
        ("本金损失", f"{format_grouped(claim.loss_fen)} 元，{event.occurred_on} 确认"
                 + (f"，支付前追回 {format_grouped(claim.recovered_before_fen)} 元"
                    if claim.recovered_before_fen else "")),
        ("核定依据", _basis(f"{claim.policy_name}/{claim.policy_version}", claim.trace, RULE_ZH)),
    )
    return PaymentNotice(
        number=f"ZKD-BC-{claim.id:06d}", title="损失补偿付款通知书",
        issuer=settings.issuer(uow), payee=f"{inst.name}（{inst.code}）",
        account_name=inst.account_name, account_no=inst.account_no,
        account_bank=inst.account_bank, amount=claim.amount_fen, fund="风险补偿准备金",
        purpose=purpose,
        approved_by=_operator(uow, claim.approve_entry, claim.decided_by) or "",
        approved_on=claim.approved_on,
        paid_by=_operator(uow, claim.pay_entry, None) if claim.status == Status.PAID else None,
        paid_on=claim.paid_on, source=f"补偿申请 C{claim.id}")


def subsidy_notice(uow: UnitOfWork, subsidy_id: int) -> PaymentNotice:
    """The notice for subsidy ``subsidy_id``, paid to its beneficiary from the budget."""
    row = subsidies.get_row(uow, subsidy_id)
    if row.status not in _PAYABLE:
        raise _refuse(_("subsidy #{id}").format(id=row.id), row.status)
    assert row.approved_on is not None
    inst = uow.s.get(InstitutionRow, row.beneficiary)
    payee = f"{inst.name}（{inst.code}）" if inst is not None else row.beneficiary
    purpose = (
        ("补助类型", subsidies.kind_zh(row.kind)),
        ("所属年度", f"{row.period_year} 年度，凭证号 {row.reference}"),
        ("计算基数", f"{format_grouped(row.basis_fen)} 元"
                 + (f"，被投企业 {row.investee}" if row.investee else "")),
        ("核定依据", _basis(f"{row.policy_name}/{row.policy_version}", row.trace, SUBSIDY_RULE_ZH)),
    )
    return PaymentNotice(
        number=f"ZKD-BZ-{row.id:06d}", title="补助资金付款通知书",
        issuer=settings.issuer(uow), payee=payee,
        account_name=inst.account_name if inst else None,
        account_no=inst.account_no if inst else None,
        account_bank=inst.account_bank if inst else None,
        amount=row.amount_fen, fund="科技金融补助资金", purpose=purpose,
        approved_by=_operator(uow, row.approve_entry, row.decided_by) or "",
        approved_on=row.approved_on,
        paid_by=_operator(uow, row.pay_entry, None) if row.status == Status.PAID else None,
        paid_on=row.paid_on, source=f"补助申请 S{row.id}")
