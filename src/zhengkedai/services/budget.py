"""The science-finance subsidy budget (科技金融补助资金): deposits, status, and paying subsidies.

Money comes in from city finance (Dr ``budget:cash`` / Cr
``budget:contribution:city``). A subsidy moves it in two steps:

- approve: Dr ``budget:subsidy_expense:<kind>`` / Cr ``budget:subsidy_payable``
  (the amount is now committed);
- pay: Dr ``budget:subsidy_payable`` / Cr ``budget:cash``; refused, with the
  shortfall named, when the budget's cash cannot cover it (on that date or any
  later one) — the subsidy stays approved and its payable open;
- reject: a submitted application is simply marked rejected; an approved one
  is also reversed (the approval entry's lines with opposite signs); a paid one
  cannot be rejected.

Committed = approved, unpaid subsidies (the payable's credit balance);
available = cash − committed. Each entry's idempotency key names the subsidy
and the step (``subsidy:7:approve``), its source reference names the subsidy,
file and row, and its memo says in Chinese what happened.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from ..context import Actor
from ..db.ledger_repo import LedgerRepo
from ..db.models import SubsidyRow
from ..db.uow import UnitOfWork
from ..domain import accounts as acc
from ..domain.errors import InsufficientFunds, InvariantViolation, ZkdError
from ..domain.ledger import Entry, EntryDraft, Line, reversal_of
from ..domain.money import Fen, format_grouped
from ..domain.roles import check_payer
from . import subsidies
from .params import active_policy
from .subsidies import SubsidyStatus

PAYABLE = "budget:subsidy_payable"


def expense_account(kind: str) -> str:
    return acc.account(acc.Fund.BUDGET, "subsidy_expense", kind)


def deposit(uow: UnitOfWork, actor: Actor, amount: Fen, *, on: dt.date,
            ref: str | None = None) -> Entry:
    """Book ``amount`` from city finance into the subsidy budget."""
    if amount <= 0:
        raise ZkdError("a deposit must be greater than 0")
    head = uow.lock_ledger()
    return LedgerRepo(uow).post(
        EntryDraft(
            entry_date=on,
            kind="budget.deposit",
            memo="市财政拨入科技金融补助资金" + (f"（凭证 {ref}）" if ref else ""),
            lines=(Line(acc.budget_cash(), amount), Line(acc.budget_contribution(), -amount)),
            idempotency_key=f"budget-deposit:{ref}" if ref
            else f"budget-deposit:#{head.last_seq + 1}",
            source_ref=f"deposit:{ref}" if ref else "deposit",
        ),
        actor,
    )


@dataclass(frozen=True)
class BudgetStatus:
    on: dt.date
    balance: Fen  # cash
    committed: Fen  # approved, unpaid subsidies
    available: Fen
    contributed: Fen  # deposits to date
    paid: Fen  # subsidies paid to date


def status(uow: UnitOfWork, on: dt.date) -> BudgetStatus:
    """The budget at the end of ``on``."""
    b = LedgerRepo(uow).balances(prefix="budget:", as_of=on)
    cash = b.get(acc.budget_cash(), 0)
    owed = -b.get(PAYABLE, 0)
    contributed = -sum(v for k, v in b.items() if k.startswith("budget:contribution:"))
    expensed = sum(v for k, v in b.items() if k.startswith("budget:subsidy_expense:"))
    return BudgetStatus(on, cash, owed, cash - owed, contributed, expensed - owed)


# --- the subsidy workflow --------------------------------------------------------

def _source(row: SubsidyRow) -> str:
    return f"subsidy:{row.id} file:{row.file_id} row:{row.file_row}"


def _what(row: SubsidyRow) -> str:
    return (f"{subsidies.kind_zh(row.kind)} #{row.id}（受益方 {row.beneficiary}，"
            f"{row.period_year}年度，凭证 {row.reference}）")


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
    row = subsidies.get_row(uow, subsidy_id)
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
    row = subsidies.get_row(uow, subsidy_id)
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
    row = subsidies.get_row(uow, subsidy_id)
    _must_be(row, "paying", SubsidyStatus.APPROVED)
    if actor.separate_duties:
        check_payer(actor.operator, row.decided_by, f"补助 #{row.id}")
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
