"""The journal itself: the hash chain, balance of every entry, no negative fund.

The first of `zkd verify`'s checks, and the only one a statement needs to print
its verification line (:func:`check_chain` up to the month's close), so it
depends on nothing but the ledger.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select

from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.db.models import EntryRow, LedgerHead, LineRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.accounts import is_cash_account
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.ledger import GENESIS_HASH, Entry, verify_chain
from zhengkedai.domain.money import format_grouped
from zhengkedai.i18n import _


@dataclass
class VerifyReport:
    entries: int = 0
    head_hash: str = GENESIS_HASH
    head_seq: int = 0  # the number of the entry whose hash is head_hash (0: none)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_chain(uow: UnitOfWork, *, upto_seq: int | None = None) -> VerifyReport:
    """Check the whole ledger, or (``upto_seq``) the chain as it stood at that entry.

    The partial form is what a closed month's statement shows: it depends only
    on entries up to the close, so it reads the same whenever it is regenerated.
    The entries are read in batches and checked as they come: memory holds one
    batch and each cash account's movements per day, never the journal.
    """
    return _check(uow, after=(0, GENESIS_HASH), since=None, upto_seq=upto_seq)


def check_chain_since(uow: UnitOfWork, *, after: tuple[int, str], since: dt.date,
                      upto_seq: int | None = None) -> VerifyReport:
    """:func:`check_chain` of the part after entry ``after`` (its number and its hash, as a
    close recorded them), for a statement of the month from ``since``: in proportion to
    the month, not the journal.

    The anchor entry must still hold that hash; every entry after it (up to ``upto_seq``,
    or the ledger's head, which must be the last) must hold its hash, link to the one
    before and balance; and no cash account may be below zero on a day from ``since``
    on (the days before carried in as one opening balance). The part before the anchor
    was checked by the statements of its months and is recomputed by ``zkd verify``.
    """
    return _check(uow, after=after, since=since, upto_seq=upto_seq)


def _check(uow: UnitOfWork, *, after: tuple[int, str], since: dt.date | None,
           upto_seq: int | None) -> VerifyReport:
    """The chain after entry ``after`` (the whole of it from its start); the cash by day
    from the entries read, or, from ``since``, from the database with an opening balance."""
    report = VerifyReport()
    seen = _Seen()
    repo = LedgerRepo(uow)
    if after[0]:
        try:
            anchored = repo.entry(after[0]).hash == after[1]
        except ZkdError:
            anchored = False
        if not anchored:
            report.problems.append(_("entry #{seq}: {problem}").format(
                seq=after[0], problem=_("content does not match its hash")))
    entries: Iterable[Entry] = repo.entries(after_seq=after[0])
    if upto_seq is not None:
        entries = itertools.takewhile(lambda e: e.seq <= upto_seq, entries)
    for problem in verify_chain(seen.each(entries), after=after):
        report.problems.append(_("entry #{seq}: {problem}").format(seq=problem.seq,
                                                                  problem=problem.message))
    report.entries = after[0] + seen.count
    report.head_seq, report.head_hash = (seen.last_seq, seen.last_hash) if seen.count else after
    cash = seen.cash if since is None else _cash_since(uow, since, report.head_seq)
    report.problems.extend(_negative_cash(cash))
    if upto_seq is not None:
        return report
    head = uow.s.execute(select(LedgerHead)).scalar_one()
    if (head.last_seq, head.last_hash) != (report.head_seq, report.head_hash):
        report.problems.append(
            _("chain head says entry #{head_seq} {head_hash}…, the journal ends at #{seq} "
              "{hash}…").format(head_seq=head.last_seq, head_hash=head.last_hash[:12],
                                seq=report.head_seq, hash=report.head_hash[:12]))
    report.head_hash, report.head_seq = head.last_hash, head.last_seq
    return report


class _Seen:
    """What one pass over the entries keeps: how many, the last, cash movements by day."""

    def __init__(self) -> None:
        self.count, self.last_seq, self.last_hash = 0, 0, GENESIS_HASH
        self.cash: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))

    def each(self, entries: Iterable[Entry]) -> Iterator[Entry]:
        for entry in entries:
            self.count += 1
            self.last_seq, self.last_hash = entry.seq, entry.hash
            for line in entry.lines:
                if is_cash_account(line.account):
                    self.cash[line.account][entry.entry_date] += line.amount
            yield entry


def _negative_cash(by_day: dict[str, dict[dt.date, int]]) -> list[str]:
    """Any cash account below zero at the end of any day."""
    problems = []
    for account, days in sorted(by_day.items()):
        running = 0
        for day in sorted(days):
            running += days[day]
            if running < 0:
                problems.append(
                    _("{account} is below zero on {day}: {amount}").format(
                        account=account, day=day, amount=format_grouped(running)))
                break
    return problems


def _cash_since(uow: UnitOfWork, since: dt.date, upto_seq: int
                ) -> dict[str, dict[dt.date, int]]:
    """Each cash account's movements per day from ``since`` on, the days before summed
    into the day before it, in the entries up to ``upto_seq``."""
    day = EntryRow.entry_date
    by_day: dict[str, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    before = since - dt.timedelta(days=1)
    for account, on, amount in uow.s.execute(
            select(LineRow.account_code, day, func.sum(LineRow.amount_fen))
            .join(EntryRow, EntryRow.seq == LineRow.entry_seq)
            .where(EntryRow.seq <= upto_seq, EntryRow.entry_date >= since)
            .group_by(LineRow.account_code, day)):
        if is_cash_account(account):
            by_day[account][on] += int(amount)
    for account, amount in uow.s.execute(
            select(LineRow.account_code, func.sum(LineRow.amount_fen))
            .join(EntryRow, EntryRow.seq == LineRow.entry_seq)
            .where(EntryRow.seq <= upto_seq, EntryRow.entry_date < since)
            .group_by(LineRow.account_code)):
        if is_cash_account(account):
            by_day[account][before] += int(amount)
    return by_day
