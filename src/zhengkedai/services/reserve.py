"""The risk-compensation reserve (风险补偿准备金): deposits and its status.

Money comes in from city or district finance and is held at deposit banks
(``reserve:cash:<BANK>``). Committed money is what approved claims still owe
(``reserve:compensation_payable:*``); available is balance less committed.
The target size grows with the outstanding programme principal (SPEC 8).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from ..context import Actor
from ..db.ledger_repo import LedgerRepo
from ..db.uow import UnitOfWork
from ..domain import accounts as acc
from ..domain.errors import ZkdError
from ..domain.ledger import Entry, EntryDraft, Line
from ..domain.money import Fen, apply_ratio
from . import institutions, portfolio

DEFAULT_TARGET_RATIO = Decimal("0.10")
_DISTRICT = re.compile(r"^district:[^:\s]{1,40}$")


def check_source(source: str) -> str:
    source = source.strip()
    if source == "city" or _DISTRICT.match(source):
        return source
    raise ZkdError(f"deposit source {source!r} must be 'city' or 'district:NAME'")


def deposit(uow: UnitOfWork, actor: Actor, amount: Fen, *, source: str, bank: str,
            on: dt.date, ref: str | None = None) -> Entry:
    """Book ``amount`` from ``source`` into the reserve, held at ``bank``."""
    if amount <= 0:
        raise ZkdError("a deposit must be greater than 0")
    source = check_source(source)
    institutions.get_row(uow, bank, kind=institutions.InstitutionKind.BANK)
    ledger = LedgerRepo(uow)
    head = uow.lock_ledger()
    key = f"reserve-deposit:{ref}" if ref else f"reserve-deposit:#{head.last_seq + 1}"
    who = "市财政" if source == "city" else f"{source.split(':', 1)[1]}财政"
    return ledger.post(
        EntryDraft(
            entry_date=on,
            kind="reserve.deposit",
            memo=f"{who}拨入风险补偿准备金，存放{bank}" + (f"（凭证 {ref}）" if ref else ""),
            lines=(Line(acc.reserve_cash(bank), amount),
                   Line(acc.reserve_contribution(source), -amount)),
            idempotency_key=key,
            source_ref=f"deposit:{ref}" if ref else "deposit",
        ),
        actor,
    )


@dataclass(frozen=True)
class ReserveStatus:
    on: dt.date
    by_bank: dict[str, Fen]
    balance: Fen
    committed: Fen
    available: Fen
    outstanding_principal: Fen
    target_ratio: Decimal
    target: Fen
    top_up_needed: Fen


def status(uow: UnitOfWork, on: dt.date, target_ratio: Decimal = DEFAULT_TARGET_RATIO
           ) -> ReserveStatus:
    ledger = LedgerRepo(uow)
    cash_prefix = "reserve:cash:"
    by_bank = {code[len(cash_prefix):]: bal
               for code, bal in sorted(ledger.balances(prefix=cash_prefix, as_of=on).items())}
    balance = sum(by_bank.values())
    committed = -sum(ledger.balances(prefix="reserve:compensation_payable:", as_of=on).values())
    outstanding = portfolio.total_outstanding(uow, on)
    target = apply_ratio(outstanding, target_ratio)
    return ReserveStatus(
        on=on,
        by_bank=by_bank,
        balance=balance,
        committed=committed,
        available=balance - committed,
        outstanding_principal=outstanding,
        target_ratio=target_ratio,
        target=target,
        top_up_needed=max(0, target - balance),
    )
