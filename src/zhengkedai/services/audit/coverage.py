"""What `zkd verify` checks of every stored record: its digest (see :mod:`zhengkedai.db.digests`).

Each covered table is read in key order, in batches, and each row's digest
recomputed and held against the one zkd recorded when it wrote the row; then
the digests whose row is gone are named. Memory stays flat: one batch of rows
and their digests at a time (orphans are looked for only when the counts say
there are some).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, func, select, tuple_

from zhengkedai.db.digests import BATCH, COVERED, Covered, row_digest
from zhengkedai.db.models import RecordDigestRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.i18n import _


def check_records(uow: UnitOfWork) -> list[str]:
    """Every covered record as zkd wrote it: none changed, added or deleted outside zkd."""
    problems: list[str] = []
    pending = uow.records.pending(uow.s)
    for cov in COVERED:
        problems.extend(_check_table(uow, cov, pending))
    return problems


def _stored(uow: UnitOfWork, cov: Covered, keys: list[str]) -> dict[str, str]:
    return {key: digest for key, digest in uow.s.execute(
        select(RecordDigestRow.record_key, RecordDigestRow.digest).where(
            RecordDigestRow.table_name == cov.name, RecordDigestRow.record_key.in_(keys))).all()}


def check_rows(uow: UnitOfWork, cov: Covered, *where: Any) -> list[str]:
    """:func:`check_records` for the rows of one table that ``where`` selects (no orphans)."""
    return _check_table(uow, cov, uow.records.pending(uow.s), where)


def _check_table(uow: UnitOfWork, cov: Covered, pending: dict[tuple[str, str], str | None],
                 where: tuple[Any, ...] = ()) -> list[str]:
    problems: list[str] = []
    seen = 0
    result = uow.s.execute(select(*cov.columns).where(*where).order_by(*cov.key_columns)
                           .execution_options(yield_per=BATCH))
    for part in result.partitions(BATCH):
        computed = dict(row_digest(cov, row) for row in part)
        stored = _stored(uow, cov, list(computed))
        seen += len(stored)
        for key in computed:  # written by this transaction, not yet committed
            if (cov.name, key) in pending and pending[(cov.name, key)] is not None:
                seen += key not in stored
                stored[key] = pending[(cov.name, key)]  # type: ignore[assignment]
        for key, digest in computed.items():
            if key not in stored:
                problems.append(_("{table} {key}: not written by zkd (it has no record "
                                  "digest): added or re-keyed outside zkd").format(
                    table=cov.name, key=key))
            elif stored[key] != digest:
                problems.append(_("{table} {key}: changed outside zkd (its content no longer "
                                  "matches the digest zkd recorded when it wrote it)").format(
                    table=cov.name, key=key))
    if where:
        return problems
    total = uow.s.execute(select(func.count()).select_from(RecordDigestRow).where(
        RecordDigestRow.table_name == cov.name)).scalar_one()
    if total > seen:
        problems.extend(_("{table} {key}: deleted outside zkd (zkd recorded it, it is "
                          "gone)").format(table=cov.name, key=key)
                        for key in _orphans(uow, cov) if (cov.name, key) not in pending)
    return problems


def _orphans(uow: UnitOfWork, cov: Covered) -> list[str]:
    """Keys with a digest and no row."""
    found: list[str] = []
    cols = cov.key_columns
    keys_q = (select(RecordDigestRow.record_key).where(RecordDigestRow.table_name == cov.name)
              .order_by(RecordDigestRow.record_key).execution_options(yield_per=BATCH))
    for part in uow.s.execute(keys_q).partitions(BATCH):
        keys = [k for (k,) in part]
        parsed = {k: tuple(_typed(c, v) for c, v in zip(cols, k.split("|"), strict=False))
                  for k in keys}
        if any(len(p) != len(cols) for p in parsed.values()):
            found.extend(k for k, p in parsed.items() if len(p) != len(cols))
        good = [p for p in parsed.values() if len(p) == len(cols)]
        if len(cols) == 1:
            present = {(v,) for (v,) in uow.s.execute(select(cols[0]).where(
                cols[0].in_([p[0] for p in good]))).all()}
        else:
            present = {tuple(r) for r in uow.s.execute(select(*cols).where(
                tuple_(*cols).in_(good))).all()}
        found.extend(k for k, p in parsed.items() if len(p) == len(cols) and p not in present)
    return found


def _typed(col: Any, text: str) -> Any:
    if isinstance(col.type, Integer):
        try:
            return int(text)
        except ValueError:
            return text
    return text
