"""The journal itself: the hash chain, balance of every entry, no negative fund.

The first of `zkd verify`'s checks, and the only one a statement needs to print
its verification line (:func:`check_chain` up to the month's close), so it
depends on nothing but the ledger.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.db.models import LedgerHead
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.accounts import is_cash_account
from zhengkedai.domain.ledger import GENESIS_HASH, verify_chain
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
    """
    report = VerifyReport()
    ledger = LedgerRepo(uow)
    entries = [e for e in ledger.entries() if upto_seq is None or e.seq <= upto_seq]
    report.entries = len(entries)
    for problem in verify_chain(entries):
        report.problems.append(_("entry #{seq}: {problem}").format(seq=problem.seq,
                                                                  problem=problem.message))
    last_hash = entries[-1].hash if entries else GENESIS_HASH
    last_seq = entries[-1].seq if entries else 0
    report.head_hash, report.head_seq = last_hash, last_seq
    report.problems.extend(_negative_cash(entries))
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


def _negative_cash(entries: list) -> list[str]:  # type: ignore[type-arg]
    """Any cash account below zero at the end of any day."""
    by_day: dict[str, dict] = defaultdict(lambda: defaultdict(int))  # type: ignore[type-arg]
    for entry in entries:
        for line in entry.lines:
            if is_cash_account(line.account):
                by_day[line.account][entry.entry_date] += line.amount
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

