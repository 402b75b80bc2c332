"""The stored ledger: posting entries under the lock, reading them and their balances.

Posting is where the ledger's rules meet the database, all inside the caller's
transaction and under :meth:`UnitOfWork.lock_ledger`:
idempotency key (same content: no-op; other content: refused), month open,
lines balanced, no cash account below zero at any date from the entry's date
on, then the entry is sealed onto the chain and the head moves.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from sqlalchemy import func, select

from ..context import Actor
from ..domain.accounts import Fund, fund_of, is_cash_account, parse_account
from ..domain.errors import InsufficientFunds, InvariantViolation
from ..domain.ledger import (
    GENESIS_HASH,
    Entry,
    EntryDraft,
    Line,
    UnbalancedEntry,
    check_balanced,
    seal,
)
from ..domain.money import Fen, format_grouped
from ..domain.periods import parse_period, period_of
from ..i18n import N_, _
from .models import AccountRow, EntryRow, LineRow, MonthRow
from .uow import UnitOfWork

# keys of the bookings staff make by hand with a voucher (`zkd reverse` undoes them)
_BY_HAND = re.compile(r"(reserve-(deposit|interest|transfer|fee)|budget-deposit):")

# a fund as a refusal names it (风险补偿准备金, 科技金融补助资金)
_FUND_WORDS = {Fund.RESERVE: N_("the risk-compensation reserve's"),
               Fund.BUDGET: N_("the subsidy budget's")}


class LedgerRepo:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    # --- writing ----------------------------------------------------------

    def post(self, draft: EntryDraft, actor: Actor) -> Entry:
        """Post ``draft``; return the stored entry (the earlier one for a repeat)."""
        s = self.uow.s
        head = self.uow.lock_ledger()
        existing = s.execute(
            select(EntryRow).where(EntryRow.idempotency_key == draft.idempotency_key)
        ).scalar_one_or_none()
        if existing is not None:
            entry = self._to_entry(existing)
            if draft.same_content(entry):
                return entry
            raise InvariantViolation(
                _("key {key!r} was used by entry #{seq} with other content").format(
                    key=draft.idempotency_key, seq=entry.seq)
                + (_("; if that booking was a mistake, reverse it first (`zkd reverse {seq} "
                     "--reason TEXT`) and book the voucher again").format(seq=entry.seq)
                   if _BY_HAND.match(draft.idempotency_key) else "")
            )
        self.check_open(draft.entry_date)
        try:
            check_balanced(draft.lines)
        except UnbalancedEntry as exc:
            raise InvariantViolation(_("entry {kind!r} refused: {reason}").format(
                kind=draft.kind, reason=exc)) from None
        self._check_cash(draft)
        self._ensure_accounts(draft.lines)
        entry = seal(
            draft,
            seq=head.last_seq + 1,
            operator=actor.operator,
            created_at=actor.now(),
            prev_hash=head.last_hash,
        )
        s.add(
            EntryRow(
                seq=entry.seq,
                entry_date=entry.entry_date,
                kind=entry.kind,
                memo=entry.memo,
                idempotency_key=entry.idempotency_key,
                source_ref=entry.source_ref,
                reverses=entry.reverses,
                operator=entry.operator,
                created_at=entry.created_at,
                prev_hash=entry.prev_hash,
                hash=entry.hash,
            )
        )
        s.flush()
        s.add_all(
            LineRow(entry_seq=entry.seq, line_no=i, account_code=line.account,
                    amount_fen=line.amount)
            for i, line in enumerate(entry.lines, start=1)
        )
        head.last_seq = entry.seq
        head.last_hash = entry.hash
        s.flush()
        return entry

    def voucher_key(self, base: str) -> str:
        """The idempotency key to book a voucher under: ``base``, or ``base~2``, ``base~3``…

        A voucher booked by hand and then reversed (`zkd reverse`) is free
        again: the right booking is made under the same voucher number, with
        the next key of the series. While a booking of it stands, its key is
        returned, so posting the same content again is a no-op and other
        content is refused.
        """
        s = self.uow.s
        taken = dict(s.execute(select(EntryRow.idempotency_key, EntryRow.seq).where(
            (EntryRow.idempotency_key == base)
            | EntryRow.idempotency_key.startswith(f"{base}~", autoescape=True))).tuples().all())
        reversed_ = set(s.execute(select(EntryRow.reverses).where(
            EntryRow.reverses.in_(taken.values()))).scalars()) if taken else set()
        key, n = base, 1
        while key in taken and taken[key] in reversed_:
            n += 1
            key = f"{base}~{n}"
        return key

    def check_open(self, day: dt.date) -> None:
        """Refuse a date in a closed month, or before the latest closed month.

        Months close in order, the first with any activity first, so every
        month up to the latest closed one is closed: an entry dated before
        the books' first close would change figures the closed months report.
        """
        period = period_of(day)
        last = latest_closed(self.uow)
        if last is not None and period <= last:
            if self.uow.s.get(MonthRow, period) is not None:
                raise InvariantViolation(_("month {period} is closed; nothing dated {day} can be "
                                           "booked").format(period=period, day=day))
            raise InvariantViolation(_("the months up to {last} are closed; nothing dated {day} "
                                       "can be booked").format(last=last, day=day))

    def _check_cash(self, draft: EntryDraft) -> None:
        deltas: dict[str, Fen] = {}
        for line in draft.lines:
            if is_cash_account(line.account):
                deltas[line.account] = deltas.get(line.account, 0) + line.amount
        for account_code, delta in sorted(deltas.items()):
            if delta >= 0:
                continue
            lowest = self.lowest_balance_from(account_code, draft.entry_date)
            if lowest + delta < 0:
                raise InsufficientFunds(
                    _("{fund} cash on {account} is {lowest} on or after {date}; paying {amount} "
                      "is short by {short}").format(
                        fund=_(_FUND_WORDS[fund_of(account_code)]), account=account_code,
                        lowest=format_grouped(lowest), date=draft.entry_date,
                        amount=format_grouped(-delta), short=format_grouped(-(lowest + delta)))
                )

    def _ensure_accounts(self, lines: tuple[Line, ...]) -> None:
        s = self.uow.s
        for code in {line.account for line in lines}:
            if s.get(AccountRow, code) is None:
                acc = parse_account(code)
                s.add(AccountRow(code=code, fund=acc.fund.value, kind=acc.kind.value,
                                 name=acc.name))
        s.flush()

    # --- reading ----------------------------------------------------------

    def lowest_balance_from(self, account_code: str, day: dt.date) -> Fen:
        """The lowest end-of-day balance of an account on ``day`` or any later date."""
        s = self.uow.s
        opening = s.execute(
            select(func.coalesce(func.sum(LineRow.amount_fen), 0))
            .join(EntryRow, EntryRow.seq == LineRow.entry_seq)
            .where(LineRow.account_code == account_code, EntryRow.entry_date <= day)
        ).scalar_one()
        later = s.execute(
            select(EntryRow.entry_date, func.sum(LineRow.amount_fen))
            .join(EntryRow, EntryRow.seq == LineRow.entry_seq)
            .where(LineRow.account_code == account_code, EntryRow.entry_date > day)
            .group_by(EntryRow.entry_date)
            .order_by(EntryRow.entry_date)
        ).all()
        running = lowest = int(opening)
        for _day, amount in later:
            running += int(amount)
            lowest = min(lowest, running)
        return lowest

    def balances(self, *, prefix: str = "", as_of: dt.date | None = None,
                 since: dt.date | None = None) -> dict[str, Fen]:
        """Signed balances (debit positive) per account whose code starts with ``prefix``."""
        stmt = (
            select(LineRow.account_code, func.sum(LineRow.amount_fen))
            .join(EntryRow, EntryRow.seq == LineRow.entry_seq)
            .group_by(LineRow.account_code)
        )
        if prefix:
            stmt = stmt.where(LineRow.account_code.startswith(prefix, autoescape=True))
        if as_of is not None:
            stmt = stmt.where(EntryRow.entry_date <= as_of)
        if since is not None:
            stmt = stmt.where(EntryRow.entry_date >= since)
        return {code: int(total) for code, total in self.uow.s.execute(stmt).all()}

    def balance(self, account_code: str, as_of: dt.date | None = None) -> Fen:
        return self.balances(prefix=account_code, as_of=as_of).get(account_code, 0)

    def entry(self, seq: int) -> Entry:
        row = self.uow.s.get(EntryRow, seq)
        if row is None:
            raise InvariantViolation(_("no journal entry #{seq}; see `zkd journal list`").format(
                seq=seq))
        return self._to_entry(row)

    def entries(self, *, since: dt.date | None = None, until: dt.date | None = None,
                after_seq: int = 0, batch: int = 2000) -> Iterator[Entry]:
        """Entries in chain order (those numbered after ``after_seq``), read in batches."""
        s = self.uow.s
        last = after_seq
        while True:
            stmt = select(EntryRow).where(EntryRow.seq > last).order_by(EntryRow.seq).limit(batch)
            if since is not None:
                stmt = stmt.where(EntryRow.entry_date >= since)
            if until is not None:
                stmt = stmt.where(EntryRow.entry_date <= until)
            rows = s.execute(stmt).scalars().all()
            if not rows:
                return
            lines = self._lines_for(rows[0].seq, rows[-1].seq)
            for row in rows:
                yield self._to_entry(row, lines.get(row.seq, ()))
            last = rows[-1].seq

    def _lines_for(self, first: int, last: int) -> dict[int, tuple[Line, ...]]:
        out: dict[int, list[Line]] = {}
        for row in self.uow.s.execute(
            select(LineRow).where(LineRow.entry_seq.between(first, last))
            .order_by(LineRow.entry_seq, LineRow.line_no)
        ).scalars():
            out.setdefault(row.entry_seq, []).append(Line(row.account_code, int(row.amount_fen)))
        return {seq: tuple(lines) for seq, lines in out.items()}

    def _to_entry(self, row: EntryRow, lines: tuple[Line, ...] | None = None) -> Entry:
        if lines is None:
            lines = self._lines_for(row.seq, row.seq).get(row.seq, ())
        return Entry(
            seq=row.seq,
            entry_date=row.entry_date,
            kind=row.kind,
            memo=row.memo,
            lines=lines,
            idempotency_key=row.idempotency_key,
            source_ref=row.source_ref,
            reverses=row.reverses,
            operator=row.operator,
            created_at=row.created_at,
            prev_hash=row.prev_hash,
            hash=row.hash,
        )

    def account_names(self) -> dict[str, str]:
        return {r.code: r.name for r in self.uow.s.execute(select(AccountRow)).scalars()}


def latest_closed(uow: UnitOfWork) -> str | None:
    """The latest closed month (``YYYY-MM``), or None before the first close."""
    return uow.s.execute(select(func.max(MonthRow.period))).scalar()


def closed_month(uow: UnitOfWork, period: str) -> MonthRow | None:
    """The close of ``period`` (``YYYY-MM``), or None while the month is open."""
    return uow.s.get(MonthRow, parse_period(period))


def anchor_before(uow: UnitOfWork, period: str) -> tuple[int, str]:
    """Where the chain stood at the latest close before ``period`` (entry number and hash;
    the empty ledger's start when there is none): what a month's part of it starts from."""
    before = uow.s.execute(select(MonthRow).where(MonthRow.period < period)
                           .order_by(MonthRow.period.desc()).limit(1)).scalar()
    return (before.last_seq, before.chain_head) if before is not None else (0, GENESIS_HASH)
