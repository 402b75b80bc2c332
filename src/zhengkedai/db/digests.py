"""Record digests: every stored record, not only journal entries, sealed as zkd wrote it.

For each row of a covered table zkd keeps ``record_digests(table, key,
digest)``: SHA-256 over a canonical serialisation of the row — the table
name, its key and every column, each value read back from the database and
spelt one way (dates ISO, times ISO with microseconds, decimals without
trailing zeros, ``null``; JSON, sorted keys, no spaces, UTF-8). A change made
behind zkd's back (an UPDATE of one column, a row inserted or deleted with
SQL) leaves a row whose digest no longer matches, a row without a digest, or
a digest without its row, and ``zkd verify`` names the table and the record.

Cheap at scale: the unit of work notes which covered rows a transaction
writes (ORM flushes; rows written in bulk are found by the file they cite,
:attr:`Covered.filed_in`) and digests only those, read back by key, as it
commits. Nothing is rehashed on a write but what the write touched; verify
rehashes everything, streaming.

Covering a new table is one line in :data:`COVERED`.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Column, Row, Table, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from .bulk import BulkWriter
from .models import (
    AccountRow,
    Base,
    ClaimRow,
    ImportFileRow,
    InstitutionMonthRow,
    InstitutionRow,
    LoanEventRow,
    LoanRow,
    MonthRow,
    PersonRow,
    PolicyChangeRow,
    PolicyVersionRow,
    RecordDigestRow,
    RecoveryShareRow,
    SettingRow,
    SignedHeadRow,
    SigningCertificateRow,
    StatementArchiveRow,
    SubsidyRow,
)

BATCH = 1000


@dataclass(frozen=True)
class Covered:
    """A table whose every row has its digest; ``filed_in``: its rows are written in bulk,
    found (to be digested) by the import file they cite."""

    row: type[Base]
    filed_in: InstrumentedAttribute[int] | None = None

    @property
    def name(self) -> str:
        return str(self.row.__tablename__)

    @property
    def columns(self) -> list[Column[Any]]:
        return list(self.row.__table__.columns)  # type: ignore[attr-defined]

    @property
    def key_columns(self) -> list[Column[Any]]:
        return list(self.row.__table__.primary_key.columns)  # type: ignore[attr-defined]


COVERED: tuple[Covered, ...] = (
    Covered(InstitutionRow),
    Covered(AccountRow),
    Covered(PolicyVersionRow),
    Covered(PolicyChangeRow),
    Covered(ImportFileRow),
    Covered(LoanRow, filed_in=LoanRow.file_id),
    Covered(LoanEventRow, filed_in=LoanEventRow.file_id),
    Covered(ClaimRow),
    Covered(RecoveryShareRow),
    Covered(SubsidyRow),
    Covered(MonthRow),
    Covered(InstitutionMonthRow),
    Covered(StatementArchiveRow),
    Covered(PersonRow),
    Covered(SettingRow),
    Covered(SigningCertificateRow),
    Covered(SignedHeadRow),
)
BY_CLASS = {c.row: c for c in COVERED}
_DIGESTS = cast(Table, RecordDigestRow.__table__)


_AS_IS = frozenset({type(None), bool, int, str})


def plain(value: Any) -> Any:
    """One spelling per value, whatever the driver returned."""
    if type(value) in _AS_IS or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, float):  # no column is a float; spelt exactly if one ever is
        return repr(value)
    return str(value)


def record_key(values: Sequence[Any]) -> str:
    """A row's key as stored in ``record_digests``: its key columns' values joined by ``|``."""
    return "|".join(str(plain(v)) for v in values)


# one encoder for every digest (json.dumps with options builds one a call)
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def row_digest(cov: Covered, row: Row[Any]) -> tuple[str, str]:
    """(key, digest) of a row selected with ``cov.columns``."""
    # the row holds cov.columns in order: read it by position, not by name
    names, keys = _positions(cov)
    key = record_key([row[i] for i in keys])
    doc = [cov.name, key, dict(zip(names, map(plain, row), strict=True))]
    return key, hashlib.sha256(_CANONICAL.encode(doc).encode("utf-8")).hexdigest()


@functools.cache
def _positions(cov: Covered) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The covered table's column names, and where its key columns stand among them."""
    columns = cov.columns
    return (tuple(c.name for c in columns),
            tuple(columns.index(k) for k in cov.key_columns))


def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _where_keys(cov: Covered, keys: Sequence[tuple[Any, ...]]) -> Any:
    cols = cov.key_columns
    if len(cols) == 1:
        return cols[0].in_([k[0] for k in keys])
    return tuple_(*cols).in_(keys)


class Tracker:
    """The covered rows one transaction wrote, noted at each flush, digested at commit."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.written: dict[Covered, set[tuple[Any, ...]]] = {}
        self.deleted: dict[Covered, set[tuple[Any, ...]]] = {}
        self.new_files: set[int] = set()

    def after_flush(self, session: Session, _context: Any) -> None:
        for bucket, objects, new in ((self.written, session.new, True),
                                     (self.written, session.dirty, False),
                                     (self.deleted, session.deleted, False)):
            for obj in objects:
                cov = BY_CLASS.get(type(obj))
                if cov is None:
                    continue
                key = session.identity_key(instance=obj)[1]
                if key is None or any(v is None for v in key):
                    continue
                bucket.setdefault(cov, set()).add(tuple(key))
                if new and isinstance(obj, ImportFileRow):
                    self.new_files.add(obj.id)

    def wrote(self, row: type[Base], keys: Iterable[tuple[Any, ...]]) -> None:
        """Note rows written past the ORM (a bulk UPDATE), to be digested at commit."""
        self.written.setdefault(BY_CLASS[row], set()).update(keys)

    def pending(self, session: Session) -> dict[tuple[str, str], str | None]:
        """What :meth:`seal` would record now: (table, key) -> digest, None for a deleted row.

        ``zkd verify`` inside a transaction that has written (tests do) holds the
        rows it wrote against these rather than the digests of before.
        """
        session.flush()
        out: dict[tuple[str, str], str | None] = {}
        for cov, rows, gone in self._collect(session):
            out.update(((cov.name, k), None) for k in gone)
            out.update(((cov.name, k), d) for k, d in (row_digest(cov, r) for r in rows))
        return out

    def seal(self, session: Session) -> None:
        """Digest what was written, forget what was deleted; before the commit."""
        for cov, rows, gone in self._collect(session):
            for part in _chunks(gone):
                _forget(session, cov.name, part)
            store(session, cov, rows)
        self.clear()

    def _collect(self, session: Session) -> Iterator[tuple[Covered, list[Row[Any]], list[str]]]:
        """Per covered table: the rows written (read back by key or file), the keys deleted."""
        for cov in COVERED:
            written = self.written.get(cov, set())
            gone = sorted(record_key(k) for k in self.deleted.get(cov, set()) - written)
            rows: list[Row[Any]] = []
            keys = sorted(written, key=repr)
            for part in _chunks(keys):
                rows += session.execute(select(*cov.columns).where(_where_keys(cov, part))).all()
            if cov.filed_in is not None and self.new_files:
                files = sorted(self.new_files)
                for part in _chunks(files):
                    rows += session.execute(select(*cov.columns).where(
                        cov.filed_in.in_(part))).all()
            if rows or gone:
                yield cov, rows, gone


def store(session: Session, cov: Covered, rows: Iterable[Row[Any]]) -> None:
    """Write (or replace) the digests of ``rows``."""
    digests = dict(row_digest(cov, row) for row in rows)
    keys = sorted(digests)
    writer = BulkWriter(session.connection(), _DIGESTS, ("table_name", "record_key", "digest"))
    for part in _chunks(keys):
        _forget(session, cov.name, part)
        # by the bulk writer (COPY, multi-row INSERT): the ORM's bulk insert
        # cost more than the hashing
        writer.write([[cov.name] * len(part), part, [digests[k] for k in part]])


def backfill(session: Session) -> None:
    """Digest every covered row as it stands (the upgrade that brings digests in)."""
    for cov in COVERED:
        batch: list[Row[Any]] = []
        for row in session.execute(select(*cov.columns).order_by(*cov.key_columns)):
            batch.append(row)
            if len(batch) == BATCH:
                store(session, cov, batch)
                batch = []
        store(session, cov, batch)


def _forget(session: Session, table: str, keys: Sequence[str]) -> None:
    """Delete the digests of ``keys`` of ``table``: one statement to the driver.

    Built by SQLAlchemy, a ``DELETE … IN`` of a thousand keys cost more to
    compile and convert (about 0.2 s a batch on PostgreSQL) than to run.
    """
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # one probe of the primary key per key, whatever the statistics say
        # (an `= ANY(array)` was planned as a scan of the growing table)
        conn.exec_driver_sql("DELETE FROM record_digests WHERE (table_name, record_key) IN "
                             "(SELECT %(t)s, k FROM unnest(%(keys)s::VARCHAR[]) AS k)",
                             {"t": table, "keys": list(keys)})
        return
    conn.exec_driver_sql("DELETE FROM record_digests WHERE table_name = ? AND record_key IN ("
                         + ", ".join("?" * len(keys)) + ")", (table, *keys))
