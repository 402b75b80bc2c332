"""The subsidy workflow: approve, reject, pay — each a journal entry of the subsidy budget.

Each move reads the application afresh under the ledger lock
(``uow.subsidies.get``), asks it for its next state
(:class:`~zhengkedai.domain.subsidies.Subsidy`, which refuses what the workflow
does not allow), books the budget's entry with the new subsidy's figures and
saves it (``uow.subsidies.save``). The yearly cap, which needs the other
grants, is checked here under the same lock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from zhengkedai.context import Actor
from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain import accounts as acc
from zhengkedai.domain.errors import InsufficientFunds, InvariantViolation
from zhengkedai.domain.ledger import EntryDraft, Line, reversal_of
from zhengkedai.domain.money import format_grouped
from zhengkedai.domain.subsidies import Subsidy, rejection_reason
from zhengkedai.domain.subsidy_rules import SUBSIDY_KIND_ZH
from zhengkedai.domain.workflow import Status
from zhengkedai.i18n import _, code_name
from zhengkedai.services.funds.budget import PAYABLE, expense_account
from zhengkedai.services.params import active_policy
from zhengkedai.services.subsidies import applications as subsidies


def _source(sub: Subsidy) -> str:
    return f"subsidy:{sub.id} file:{sub.file_id} row:{sub.file_row}"


def _what(sub: Subsidy) -> str:
    return (f"{sub.kind_zh} #{sub.id}（受益方 {sub.beneficiary}，"
            f"{sub.period}年度，凭证 {sub.reference}）")


def ids_to_act_on(uow: UnitOfWork, status: str, kind: str | None = None) -> list[int]:
    """The ids of the subsidies in ``status`` (of ``kind``), oldest first, for a batch."""
    return [s.id for s in uow.subsidies.find(status=status, kind=kind)]


def approve(uow: UnitOfWork, actor: Actor, subsidy_id: int, *, on: dt.date | None = None
            ) -> Subsidy:
    """Approve a submitted subsidy: its amount becomes a payable of the budget.

    Raises:
        ZkdError: not submitted, 0.00 (reject it instead), or over its yearly cap
            with the approved and paid ones (e.g. after a policy change).
    """
    sub = uow.subsidies.get(subsidy_id).approve(on or actor.today(), actor.operator)
    assert sub.approved_on is not None
    cap = subsidies.cap_of(active_policy(uow).version_on(sub.submitted_on), sub.kind)
    if cap is not None:
        granted = subsidies.cap_used(uow, sub.kind, sub.beneficiary, sub.period,
                                     (Status.APPROVED, Status.PAID))
        if granted + sub.amount > cap:
            raise InvariantViolation(_(
                "subsidy #{id} of {amount} would bring {kind} subsidies to {beneficiary} for "
                "{year} to {total}, above the cap {cap}").format(
                id=sub.id, amount=format_grouped(sub.amount), kind=code_name(SUBSIDY_KIND_ZH, sub.kind),
                beneficiary=sub.beneficiary, year=sub.period,
                total=format_grouped(granted + sub.amount), cap=format_grouped(cap)))
    entry = LedgerRepo(uow).post(EntryDraft(
        entry_date=sub.approved_on, kind="subsidy.approve", memo=f"批准{_what(sub)}，应付补助款",
        lines=(Line(expense_account(sub.kind), sub.amount), Line(PAYABLE, -sub.amount)),
        idempotency_key=f"subsidy:{sub.id}:approve", source_ref=_source(sub)), actor)
    sub = sub.approval_booked(entry.seq)
    uow.subsidies.save(sub)
    return sub


def reject(uow: UnitOfWork, actor: Actor, subsidy_id: int, *, reason: str,
           on: dt.date | None = None) -> Subsidy:
    """Reject a submitted or approved subsidy; an approval is reversed, dated ``on``."""
    reason = rejection_reason(reason)
    sub = uow.subsidies.get(subsidy_id)
    day = on or actor.today()
    rejected = sub.reject(reason, actor.operator, day)
    if sub.reverses_approval:
        assert sub.approve_entry is not None
        ledger = LedgerRepo(uow)
        draft = reversal_of(ledger.entry(sub.approve_entry), on=day,
                            memo=f"撤销批准{_what(sub)}：{reason}")
        entry = ledger.post(
            dataclasses.replace(draft, idempotency_key=f"subsidy:{sub.id}:reject"), actor)
        rejected = rejected.rejection_booked(entry.seq)
    uow.subsidies.save(rejected)
    return rejected


def pay(uow: UnitOfWork, actor: Actor, subsidy_id: int, *, on: dt.date | None = None
        ) -> Subsidy:
    """Pay an approved subsidy from the budget's cash.

    Raises:
        InsufficientFunds: the budget cannot cover it; the message names the
            shortfall, and the subsidy stays approved.
    """
    sub = uow.subsidies.get(subsidy_id).pay(on or actor.today(), actor.operator,
                                            separate_duties=actor.separate_duties)
    assert sub.paid_on is not None
    try:
        entry = LedgerRepo(uow).post(EntryDraft(
            entry_date=sub.paid_on, kind="subsidy.pay", memo=f"支付{_what(sub)}",
            lines=(Line(PAYABLE, sub.amount), Line(acc.budget_cash(), -sub.amount)),
            idempotency_key=f"subsidy:{sub.id}:pay", source_ref=_source(sub)), actor)
    except InsufficientFunds as exc:
        raise InsufficientFunds(_("subsidy #{id} not paid, it stays approved: {reason}").format(
            id=sub.id, reason=exc)) from None
    sub = sub.payment_booked(entry.seq)
    uow.subsidies.save(sub)
    return sub
