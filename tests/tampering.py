"""What an insider with write access to the database can do, for the tests that must catch it.

Each helper works on the tables directly, as raw SQL would, and leaves the ledger
as consistent as such an insider could make it: every hash recomputed, the
chain head and the closes moved along.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine, select, text, update

from zhengkedai.db import digests
from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.db.models import EntryRow, LedgerHead, LineRow, MonthRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.ledger import GENESIS_HASH, compute_hash


def rewrite_history(engine: Engine, *, seq: int, line_no: int, delta: int) -> None:
    """Move ``delta`` fen between the two lines of entry ``seq`` and recompute every hash."""
    with UnitOfWork(engine) as uow:
        uow.s.execute(text("UPDATE journal_lines SET amount_fen = amount_fen + :d "
                           "WHERE entry_seq = :s AND line_no = :n"),
                      {"d": delta, "s": seq, "n": line_no})
        other = 2 if line_no == 1 else 1
        uow.s.execute(text("UPDATE journal_lines SET amount_fen = amount_fen - :d "
                           "WHERE entry_seq = :s AND line_no = :n"),
                      {"d": delta, "s": seq, "n": other})
        uow.s.flush()
        rehash_from(uow, 1)
        uow.commit()


def rehash_from(uow: UnitOfWork, first: int) -> None:
    """Recompute every entry's hash from ``first`` on, then the head and each close's head."""
    prev = GENESIS_HASH if first == 1 else uow.s.get(EntryRow, first - 1).hash  # type: ignore[union-attr]
    new: dict[int, str] = {}
    for entry in list(LedgerRepo(uow).entries()):
        if entry.seq < first:
            continue
        h = compute_hash(replace(entry, prev_hash=prev))
        new[entry.seq] = h
        uow.s.execute(update(EntryRow).where(EntryRow.seq == entry.seq)
                      .values(prev_hash=prev, hash=h))
        prev = h
    last = uow.s.execute(select(EntryRow.seq).order_by(EntryRow.seq.desc()).limit(1)).scalar() or 0
    uow.s.execute(update(LedgerHead).values(last_seq=last, last_hash=prev))
    for month in uow.s.execute(select(MonthRow)).scalars().all():
        if month.last_seq in new:
            uow.s.execute(update(MonthRow).where(MonthRow.period == month.period)
                          .values(chain_head=new[month.last_seq]))
    # the insider knows the record digests' recipe too (it is documented)
    months = digests.BY_CLASS[MonthRow]
    digests.store(uow.s.connection(), months)


def drop_last_entries(engine: Engine, count: int) -> None:
    """Delete the last ``count`` entries and roll the head back to the one before."""
    with UnitOfWork(engine) as uow:
        last = uow.s.execute(select(LedgerHead)).scalar_one().last_seq
        keep = last - count
        uow.s.execute(text("DELETE FROM journal_lines WHERE entry_seq > :k"), {"k": keep})
        uow.s.execute(text("DELETE FROM journal_entries WHERE seq > :k"), {"k": keep})
        h = uow.s.get(EntryRow, keep).hash if keep else GENESIS_HASH  # type: ignore[union-attr]
        uow.s.execute(update(LedgerHead).values(last_seq=keep, last_hash=h))
        uow.commit()


def append_forged_entry(engine: Engine, *, amount: int, cash: str, other: str) -> None:
    """Append an entry taking ``amount`` out of ``cash`` with a correct hash; move the head."""
    import datetime as dt

    from zhengkedai.domain.ledger import EntryDraft, Line, seal

    with UnitOfWork(engine) as uow:
        head = uow.s.execute(select(LedgerHead)).scalar_one()
        draft = EntryDraft(entry_date=dt.date(2025, 12, 31), kind="claim.pay", memo="支付",
                           lines=(Line(other, amount), Line(cash, -amount)),
                           idempotency_key="forged:1", source_ref="")
        entry = seal(draft, seq=head.last_seq + 1, operator="clerk",
                     created_at=dt.datetime(2026, 1, 15, 8), prev_hash=head.last_hash)
        uow.s.add(EntryRow(seq=entry.seq, entry_date=entry.entry_date, kind=entry.kind,
                           memo=entry.memo, idempotency_key=entry.idempotency_key,
                           source_ref="", reverses=None, operator=entry.operator,
                           created_at=entry.created_at, prev_hash=entry.prev_hash,
                           hash=entry.hash))
        uow.s.flush()
        uow.s.add_all([LineRow(entry_seq=entry.seq, line_no=i, account_code=ln.account,
                               amount_fen=ln.amount) for i, ln in enumerate(entry.lines, 1)])
        uow.s.execute(update(LedgerHead).values(last_seq=entry.seq, last_hash=entry.hash))
        uow.commit()
