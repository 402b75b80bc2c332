"""The subsidy workflow: approve, reject, pay — each a journal entry of the subsidy budget."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from zhengkedai.context import Actor
from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.db.models import SubsidyRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain import accounts as acc
from zhengkedai.domain.errors import InsufficientFunds, InvariantViolation, ZkdError
from zhengkedai.domain.ledger import EntryDraft, Line, reversal_of
from zhengkedai.domain.money import format_grouped
from zhengkedai.services.funds.budget import PAYABLE, expense_account
from zhengkedai.services.params import active_policy
from zhengkedai.services.subsidies import applications as subsidies
from zhengkedai.services.subsidies.applications import SubsidyStatus


def _source(row: SubsidyRow) -> str:
    return f"subsidy:{row.id} file:{row.file_id} row:{row.file_row}"


def _what(row: SubsidyRow) -> str:
    return (f"{subsidies.kind_zh(row.kind)} #{row.id}（受益方 {row.beneficiary}，"
            f"{row.period_year}年度，凭证 {row.reference}）")


def _locked_row(uow: UnitOfWork, subsidy_id: int) -> SubsidyRow:
    """The subsidy read afresh under the ledger lock, for an action that changes it.

    The lock comes first, so a concurrent approval, rejection or payment has
    committed and its status (and the cap's other grants) are read as it left them.
    """
    uow.lock_ledger()
    row = uow.s.get(SubsidyRow, subsidy_id, populate_existing=True)
    return row if row is not None else subsidies.get_row(uow, subsidy_id)


def ids_to_act_on(uow: UnitOfWork, status: str, kind: str | None = None) -> list[int]:
    """The ids of the subsidies in ``status`` (of ``kind``), oldest first, for a batch."""
    stmt = select(SubsidyRow.id).where(SubsidyRow.status == status).order_by(SubsidyRow.id)
    if kind is not None:
        stmt = stmt.where(SubsidyRow.kind == kind)
    return list(uow.s.execute(stmt).scalars())


def _must_be(row: SubsidyRow, action: str, *allowed: str) -> None:
    if row.status not in allowed:
        raise ZkdError(f"subsidy #{row.id} is {row.status}; {action} needs it "
                       f"{' or '.join(allowed)}")


def approve(uow: UnitOfWork, actor: Actor, subsidy_id: int, *, on: dt.date | None = None
            ) -> subsidies.Subsidy:
    """Approve a submitted subsidy: its amount becomes a payable of the budget.

    Raises:
        ZkdError: not submitted, 0.00 (reject it instead), or over its yearly cap
            with the approved and paid ones (e.g. after a policy change).
    """
    row = _locked_row(uow, subsidy_id)
    _must_be(row, "approving", SubsidyStatus.SUBMITTED)
    if row.amount_fen == 0:
        raise ZkdError(f"subsidy #{row.id} is 0.00 (its cap is used up); reject it instead")
    day = on or actor.today()
    if day < row.submitted_on:
        raise ZkdError(f"subsidy #{row.id} was filed on {row.submitted_on}; it cannot be "
                       f"approved on {day}, before that")
    cap = subsidies.cap_of(active_policy(uow).version_on(row.submitted_on), row.kind)
    if cap is not None:
        granted = subsidies.cap_used(uow, row.kind, row.beneficiary, row.period_year,
                                     ("approved", "paid"))
        if granted + row.amount_fen > cap:
            raise InvariantViolation(
                f"subsidy #{row.id} of {format_grouped(row.amount_fen)} would bring {row.kind} "
                f"subsidies to {row.beneficiary} for {row.period_year} to "
                f"{format_grouped(granted + row.amount_fen)}, above the cap {format_grouped(cap)}")
    entry = LedgerRepo(uow).post(EntryDraft(
        entry_date=day, kind="subsidy.approve", memo=f"批准{_what(row)}，应付补助款",
        lines=(Line(expense_account(row.kind), row.amount_fen), Line(PAYABLE, -row.amount_fen)),
        idempotency_key=f"subsidy:{row.id}:approve", source_ref=_source(row)), actor)
    row.status, row.approved_on, row.decided_by = "approved", day, actor.operator
    row.approve_entry = entry.seq
    uow.s.flush()
    return subsidies.to_subsidy(row)


def reject(uow: UnitOfWork, actor: Actor, subsidy_id: int, *, reason: str,
           on: dt.date | None = None) -> subsidies.Subsidy:
    """Reject a submitted or approved subsidy; an approval is reversed, dated ``on``."""
    if not reason.strip():
        raise ZkdError("a rejection needs a reason (--reason)")
    row = _locked_row(uow, subsidy_id)
    _must_be(row, "rejecting", SubsidyStatus.SUBMITTED, SubsidyStatus.APPROVED)
    day = on or actor.today()
    if row.status == SubsidyStatus.APPROVED and row.approve_entry is not None:
        ledger = LedgerRepo(uow)
        draft = reversal_of(ledger.entry(row.approve_entry), on=day,
                            memo=f"撤销批准{_what(row)}：{reason.strip()}")
        entry = ledger.post(
            dataclasses.replace(draft, idempotency_key=f"subsidy:{row.id}:reject"), actor)
        row.reject_entry = entry.seq
    row.status, row.rejected_reason, row.decided_by = "rejected", reason.strip(), actor.operator
    row.rejected_on = day
    uow.s.flush()
    return subsidies.to_subsidy(row)


def pay(uow: UnitOfWork, actor: Actor, subsidy_id: int, *, on: dt.date | None = None
        ) -> subsidies.Subsidy:
    """Pay an approved subsidy from the budget's cash.

    Raises:
        InsufficientFunds: the budget cannot cover it; the message names the
            shortfall, and the subsidy stays approved.
    """
    row = _locked_row(uow, subsidy_id)
    _must_be(row, "paying", SubsidyStatus.APPROVED)
    day = on or actor.today()
    if row.approved_on is not None and day < row.approved_on:
        raise ZkdError(f"subsidy #{row.id} was approved on {row.approved_on}; "
                       f"it cannot be paid before, on {day}")
    try:
        entry = LedgerRepo(uow).post(EntryDraft(
            entry_date=day, kind="subsidy.pay", memo=f"支付{_what(row)}",
            lines=(Line(PAYABLE, row.amount_fen), Line(acc.budget_cash(), -row.amount_fen)),
            idempotency_key=f"subsidy:{row.id}:pay", source_ref=_source(row)), actor)
    except InsufficientFunds as exc:
        raise InsufficientFunds(f"subsidy #{row.id} not paid, it stays approved: {exc}") from None
    row.status, row.paid_on, row.pay_entry = "paid", day, entry.seq
    uow.s.flush()
    return subsidies.to_subsidy(row)
