"""Reading the journal (日记账): a month's entries, one entry with its lines. Nothing here writes.

An entry's listing row carries what `zkd reverse` and an auditor need: its
number, date, kind, memo, the amount it moves (its debits), the entry it
reverses or the one that reversed it, who posted it, its voucher key.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.db.models import EntryRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import NotFound
from zhengkedai.domain.ledger import Entry
from zhengkedai.domain.periods import first_day, last_day
from zhengkedai.i18n import _


def _reversed_by(uow: UnitOfWork, seqs: list[int]) -> dict[int, int]:
    if not seqs:
        return {}
    return {r: s for s, r in uow.s.execute(select(EntryRow.seq, EntryRow.reverses).where(
        EntryRow.reverses.in_(seqs))).tuples().all() if r is not None}


def _row(entry: Entry, reversed_by: int | None) -> dict[str, Any]:
    return {"seq": entry.seq, "date": entry.entry_date, "kind": entry.kind, "memo": entry.memo,
            "amount": sum(line.amount for line in entry.lines if line.amount > 0),
            "reverses": entry.reverses, "reversed_by": reversed_by,
            "operator": entry.operator, "key": entry.idempotency_key,
            "source": entry.source_ref}


def list_entries(uow: UnitOfWork, period: str | None = None) -> list[dict[str, Any]]:
    """Entries in chain order; with ``period`` (``YYYY-MM``, checked), those dated in it."""
    since = first_day(period) if period else None
    until = last_day(period) if period else None
    entries = list(LedgerRepo(uow).entries(since=since, until=until))
    back = _reversed_by(uow, [e.seq for e in entries])
    return [_row(e, back.get(e.seq)) for e in entries]


def show_entry(uow: UnitOfWork, seq: int) -> dict[str, Any]:
    """One entry with its lines (account, name, debit, credit) and its place in the chain.

    Raises:
        NotFound: no entry ``seq``.
    """
    if uow.s.get(EntryRow, seq) is None:
        raise NotFound(_("no journal entry #{seq}; see `zkd journal list`").format(seq=seq))
    ledger = LedgerRepo(uow)
    entry = ledger.entry(seq)
    names = ledger.account_names()
    doc = _row(entry, _reversed_by(uow, [seq]).get(seq))
    doc.update({
        "created_at": entry.created_at, "prev_hash": entry.prev_hash, "hash": entry.hash,
        "lines": [{"account": line.account, "name": names.get(line.account, ""),
                   "debit": line.amount if line.amount > 0 else None,
                   "credit": -line.amount if line.amount < 0 else None}
                  for line in entry.lines],
    })
    return doc
