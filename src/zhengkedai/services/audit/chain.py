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

from sqlalchemy import select

from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.db.models import LedgerHead
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.accounts import is_cash_account
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
    report = VerifyReport()
    seen = _Seen()
    entries = LedgerRepo(uow).entries()
    if upto_seq is not None:
        entries = itertools.takewhile(lambda e: e.seq <= upto_seq, entries)
    for problem in verify_chain(seen.each(entries)):
        report.problems.append(_("entry #{seq}: {problem}").format(seq=problem.seq,
                                                                  problem=problem.message))
    report.entries = seen.count
    last_hash, last_seq = seen.last_hash, seen.last_seq
    report.head_hash, report.head_seq = last_hash, last_seq
    report.problems.extend(_negative_cash(seen.cash))
    if upto_seq is not None:
        return report
    head = uow.s.execute(select(LedgerHead)).scalar_one()
    report.head_hash, report.head_seq = head.last_hash, head.last_seq
    if (head.last_seq, head.last_hash) != (last_seq, last_hash):
        report.problems.append(
            _("chain head says entry #{head_seq} {head_hash}…, the journal ends at #{seq} "
              "{hash}…").format(head_seq=head.last_seq, head_hash=head.last_hash[:12],
                                seq=last_seq, hash=last_hash[:12])
        )
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

