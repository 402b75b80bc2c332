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

import datetime as dt
from dataclasses import dataclass

from zhengkedai.context import Actor
from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain import accounts as acc
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.ledger import Entry, EntryDraft, Line
from zhengkedai.domain.money import Fen
from zhengkedai.i18n import _

PAYABLE = "budget:subsidy_payable"


def expense_account(kind: str) -> str:
    return acc.account(acc.Fund.BUDGET, "subsidy_expense", kind)


def deposit(uow: UnitOfWork, actor: Actor, amount: Fen, *, on: dt.date,
            ref: str | None = None) -> Entry:
    """Book ``amount`` from city finance into the subsidy budget."""
    if amount <= 0:
        raise ZkdError(_("a deposit must be greater than 0"))
    head = uow.lock_ledger()
    return LedgerRepo(uow).post(
        EntryDraft(
            entry_date=on,
            kind="budget.deposit",
            memo="市财政拨入科技金融补助资金" + (f"（凭证 {ref}）" if ref else ""),
            lines=(Line(acc.budget_cash(), amount), Line(acc.budget_contribution(), -amount)),
            idempotency_key=LedgerRepo(uow).voucher_key(f"budget-deposit:{ref}") if ref
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
