"""The risk-compensation reserve (风险补偿准备金): money in, money between banks, its status.

Money comes in from city or district finance (``deposit``) and as interest
(``interest``), and is held at deposit banks (``reserve:cash:<BANK>``); it
moves between deposit banks (``transfer``). Committed money is what approved
claims still owe (credit balances of ``reserve:compensation_payable:*``);
available is balance less committed. The target size is the policy's ratio
(default 10%) × outstanding programme principal, and the suggested allocation
spreads the target over deposit banks in proportion to each bank's
outstanding programme principal (SPEC 8, :mod:`domain.policy_reserve`).

The operator's management fee lives in :mod:`zhengkedai.services.funds.fees`. Every entry here
goes through :meth:`LedgerRepo.post`, so no deposit bank's cash goes below
zero and a voucher (``--ref``) is booked once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from zhengkedai.context import Actor
from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.db.models import InstitutionRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain import accounts as acc
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.ledger import Entry, EntryDraft, Line
from zhengkedai.domain.money import Fen
from zhengkedai.domain.policy_reserve import allocate, reserve_target, top_up_needed
from zhengkedai.i18n import N_, _
from zhengkedai.services import institutions, portfolio
from zhengkedai.services.params import active_policy

CASH = "reserve:cash:"
PAYABLE = "reserve:compensation_payable:"
INTEREST_INCOME = "reserve:interest_income"
_DISTRICT = re.compile(r"^district:[^:\s]{1,40}$")


def check_source(source: str) -> str:
    source = source.strip()
    if source == "city" or _DISTRICT.match(source):
        return source
    raise ZkdError(_("deposit source {source!r} must be 'city' or 'district:NAME'").format(
        source=source))


def source_text(source: str) -> str:
    """A deposit source in the reader's words: ``city`` (市级财政), ``district:NAME`` (区县)."""
    source = source.strip()
    if source == "city":
        return _("city")
    if _DISTRICT.match(source):
        return _("district:{name}").format(name=source.split(":", 1)[1])
    return source


def _voucher(ref: str | None) -> str:
    return f"（凭证 {ref}）" if ref else ""


def _key(uow: UnitOfWork, what: str, ref: str | None) -> str:
    """The idempotency key: the voucher when given (free again once its booking is
    reversed, :meth:`LedgerRepo.voucher_key`), else the next sequence number (unique)."""
    if ref:
        return LedgerRepo(uow).voucher_key(f"reserve-{what}:{ref}")
    return f"reserve-{what}:#{uow.lock_ledger().last_seq + 1}"


def _positive(amount: Fen, refusal: str) -> None:
    """Refuse an amount of 0 or less with ``refusal`` (a message marked with ``N_``)."""
    if amount <= 0:
        raise ZkdError(_(refusal))


def deposit(uow: UnitOfWork, actor: Actor, amount: Fen, *, source: str, bank: str,
            on: dt.date, ref: str | None = None) -> Entry:
    """Book ``amount`` from ``source`` (``city`` or ``district:NAME``) into the reserve at ``bank``.

    Dr reserve:cash:BANK / Cr reserve:contribution:SOURCE.
    """
    _positive(amount, N_("a deposit must be greater than 0"))
    source = check_source(source)
    institutions.get_row(uow, bank, kind=institutions.InstitutionKind.BANK)
    who = "市财政" if source == "city" else f"{source.split(':', 1)[1]}财政"
    return _book(uow, actor, "deposit", on, f"{who}拨入风险补偿准备金，存放{bank}",
                 (Line(acc.reserve_cash(bank), amount),
                  Line(acc.reserve_contribution(source), -amount)), ref)


def interest(uow: UnitOfWork, actor: Actor, amount: Fen, *, bank: str, on: dt.date,
             ref: str | None = None) -> Entry:
    """Book interest earned on the reserve's deposit at ``bank``.

    Dr reserve:cash:BANK / Cr reserve:interest_income.
    """
    _positive(amount, N_("interest must be greater than 0"))
    institutions.get_row(uow, bank, kind=institutions.InstitutionKind.BANK)
    return _book(uow, actor, "interest", on, f"准备金存放{bank}利息收入",
                 (Line(acc.reserve_cash(bank), amount), Line(INTEREST_INCOME, -amount)), ref)


def transfer(uow: UnitOfWork, actor: Actor, amount: Fen, *, from_bank: str, to_bank: str,
             on: dt.date, ref: str | None = None) -> Entry:
    """Move reserve money from one deposit bank to another.

    Dr reserve:cash:TO / Cr reserve:cash:FROM.

    Raises:
        InsufficientFunds: ``from_bank`` holds less, on that date or any later one.
    """
    _positive(amount, N_("a transfer must be greater than 0"))
    if from_bank == to_bank:
        raise ZkdError(_("a transfer needs two different deposit banks, not {bank} twice").format(
            bank=from_bank))
    for bank in (from_bank, to_bank):
        institutions.get_row(uow, bank, kind=institutions.InstitutionKind.BANK)
    return _book(uow, actor, "transfer", on, f"准备金调拨：{from_bank} 转存 {to_bank}",
                 (Line(acc.reserve_cash(to_bank), amount),
                  Line(acc.reserve_cash(from_bank), -amount)), ref)


def _book(uow: UnitOfWork, actor: Actor, what: str, on: dt.date, memo: str,
          lines: tuple[Line, ...], ref: str | None) -> Entry:
    """Post a staff booking of kind ``reserve.<what>``, keyed and cited by its voucher."""
    return LedgerRepo(uow).post(
        EntryDraft(
            entry_date=on,
            kind=f"reserve.{what}",
            memo=memo + _voucher(ref),
            lines=lines,
            idempotency_key=_key(uow, what, ref),
            source_ref=f"{what}:{ref}" if ref else what,
        ),
        actor,
    )


# --- status -------------------------------------------------------------------

@dataclass(frozen=True)
class BankShare:
    """One deposit bank in the suggested allocation of the target."""

    bank: str
    balance: Fen
    outstanding_principal: Fen  # the bank's own programme loans, the allocation's weight
    suggested: Fen  # its share of the target
    difference: Fen  # suggested − balance: > 0 the bank should receive, < 0 it holds more


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
    allocation: tuple[BankShare, ...] = field(default=())


def balances_by_bank(uow: UnitOfWork, on: dt.date) -> dict[str, Fen]:
    """The reserve's cash at each deposit bank at the end of ``on``, by bank code."""
    found = LedgerRepo(uow).balances(prefix=CASH, as_of=on)
    return {code[len(CASH):]: bal for code, bal in sorted(found.items())}


def committed(uow: UnitOfWork, on: dt.date) -> Fen:
    """Approved, unpaid compensation at the end of ``on``."""
    return -sum(LedgerRepo(uow).balances(prefix=PAYABLE, as_of=on).values())


def available(uow: UnitOfWork, on: dt.date) -> Fen:
    """The reserve's cash less approved, unpaid compensation, at the end of ``on``."""
    return sum(balances_by_bank(uow, on).values()) - committed(uow, on)


def status(uow: UnitOfWork, on: dt.date, target_ratio: Decimal | None = None) -> ReserveStatus:
    """The reserve at the end of ``on``: balances, commitments, target and allocation.

    Args:
        target_ratio: overrides the policy's ``reserve.target_ratio`` in force on ``on``.

    The allocation covers the registered banks that hold reserve money or have
    programme principal outstanding; loans filed by guarantors count towards
    the target but weigh on no deposit bank. With no principal anywhere the
    target is split evenly over the banks holding money.
    """
    if target_ratio is None:
        target_ratio = active_policy(uow).version_on(on).reserve.target_ratio
    by_bank = balances_by_bank(uow, on)
    balance = sum(by_bank.values())
    owed = committed(uow, on)
    figures = portfolio.by_institution(uow, on)
    outstanding = sum(f.outstanding for f in figures.values())
    target = reserve_target(outstanding, target_ratio)
    banks = set(uow.s.execute(select(InstitutionRow.code).where(
        InstitutionRow.kind == institutions.InstitutionKind.BANK.value)).scalars())
    weights = {b: figures[b].outstanding if b in figures else 0
               for b in banks if b in by_bank or (b in figures and figures[b].outstanding)}
    shares = allocate(target, weights) if weights else {}
    allocation = tuple(
        BankShare(b, by_bank.get(b, 0), weights[b], shares[b], shares[b] - by_bank.get(b, 0))
        for b in sorted(shares)
    )
    return ReserveStatus(
        on=on, by_bank=by_bank, balance=balance, committed=owed, available=balance - owed,
        outstanding_principal=outstanding, target_ratio=target_ratio, target=target,
        top_up_needed=top_up_needed(target, balance - owed), allocation=allocation,
    )


# --- movements, for the reserve statement ----------------------------------------

MOVEMENT_KINDS = ("deposit", "interest", "recovery", "transfer_in", "compensation",
                  "management_fee", "transfer_out", "other")
_BY_COUNTER_KIND = {
    "contribution": "deposit", "interest_income": "interest",
    "recovery_receivable": "recovery", "recovery_income": "recovery",
    "compensation_payable": "compensation", "compensation_expense": "compensation",
    "fee_expense": "management_fee", "fee_payable": "management_fee",
}


@dataclass(frozen=True)
class BankMovements:
    """One deposit bank over a period: opening, signed flows by kind, closing.

    Invariant: ``opening + sum(flows.values()) == closing``. Flows are signed
    (inflows positive); a reversal nets against the kind it reverses.
    """

    bank: str
    opening: Fen
    flows: dict[str, Fen]
    closing: Fen


def movement_kind(entry: Entry, cash_line: Line) -> str:
    """What a line on a reserve cash account was, told by the other accounts of its entry."""
    others = [line for line in entry.lines if line is not cash_line]
    for line in others:
        if line.account.startswith(CASH) and (line.amount > 0) != (cash_line.amount > 0):
            return "transfer_in" if cash_line.amount > 0 else "transfer_out"
    for line in others:
        kind = _BY_COUNTER_KIND.get(line.account.split(":")[1])
        if kind is not None:
            return kind
    return "other"


def movements(uow: UnitOfWork, first: dt.date, last: dt.date) -> dict[str, BankMovements]:
    """Each deposit bank's reserve movements from ``first`` to ``last`` (inclusive), by kind."""
    opening = balances_by_bank(uow, first - dt.timedelta(days=1))
    flows: dict[str, dict[str, Fen]] = defaultdict(dict)
    for entry in LedgerRepo(uow).entries(since=first, until=last):
        for line in entry.lines:
            if line.account.startswith(CASH):
                bank = line.account[len(CASH):]
                kind = movement_kind(entry, line)
                flows[bank][kind] = flows[bank].get(kind, 0) + line.amount
    out: dict[str, BankMovements] = {}
    for bank in sorted(set(opening) | set(flows)):
        f = {k: flows[bank][k] for k in MOVEMENT_KINDS if k in flows[bank]}
        start = opening.get(bank, 0)
        out[bank] = BankMovements(bank, start, f, start + sum(f.values()))
    return out

