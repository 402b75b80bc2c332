"""Record digests: every stored record, not only journal entries, sealed as zkd wrote it.

For each row of a covered table zkd keeps ``record_digests(table, key,
digest)``: SHA-256 over the row's canonical text — the table name, its key
and every column in the order of their names, each value spelt one way on both databases
and prefixed by its length (``5:hello``; ``-`` for NULL), joined by commas
(see :func:`recipe` and docs/audit-chain.md). A change made behind zkd's
back (an UPDATE of one column, a row inserted or deleted with SQL) leaves a
row whose digest no longer matches, a row without a digest, or a digest
without its row, and ``zkd verify`` names the table and the record.

The canonical text and its digest are SQL expressions, computed by the
database (in C) for a whole set of rows at once: sealing is ``INSERT INTO
record_digests SELECT …`` and checking a join, with no row coming back to
Python. PostgreSQL hashes with ``sha256()``; SQLite with ``zkd_sha256()``,
a deterministic function (hashlib) that :func:`register_sqlite` installs on
every connection zkd opens.

Cheap at scale: the unit of work notes which covered rows a transaction
writes (ORM flushes; rows written in bulk are found by the file they cite,
:attr:`Covered.filed_in`) and seals only those, as it commits.

Covering a new table is one line in :data:`COVERED`.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Dialect,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    and_,
    delete,
    insert,
    literal,
    literal_column,
    select,
    tuple_,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

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

NULL = "-"
"""How a NULL is spelt in the canonical text (a value is never spelt without its length)."""


def record_key(values: Sequence[Any]) -> str:
    """A row's key as stored in ``record_digests``: its key columns' values joined by ``|``."""
    return "|".join(str(v) for v in values)


# --- the canonical text, as SQL ---------------------------------------------------------

def _spelling(dialect: Dialect, col: Column[Any], ref: str) -> str:
    """SQL giving the text of the value of ``col`` (at ``ref``), the same on both databases."""
    pg = dialect.name == "postgresql"
    kind = col.type
    if isinstance(kind, Boolean):
        return f"CASE WHEN {ref} THEN '1' ELSE '0' END"
    if isinstance(kind, DateTime):
        if kind.timezone:  # naive UTC throughout (models.py); an aware one needs a spelling first
            raise TypeError(f"{col}: no canonical spelling for a timezone-aware time")
        # SQLite keeps what SQLAlchemy wrote: 'YYYY-MM-DD HH:MM:SS.ffffff'
        return f"to_char({ref}, 'YYYY-MM-DD HH24:MI:SS.US')" if pg else f"CAST({ref} AS TEXT)"
    if isinstance(kind, Date):
        return f"to_char({ref}, 'YYYY-MM-DD')" if pg else f"CAST({ref} AS TEXT)"
    if isinstance(kind, Integer):
        return f"CAST({ref} AS TEXT)"
    if isinstance(kind, Numeric):
        # the scaled integer: 4.35% at scale 4 is 435 (SQLite keeps a REAL)
        scale = 10 ** (kind.scale or 0)
        if pg:
            return f"CAST(CAST({ref} * {scale} AS BIGINT) AS TEXT)"
        return f"CAST(CAST(round({ref} * {scale}) AS INTEGER) AS TEXT)"
    if isinstance(kind, LargeBinary):
        return f"encode({ref}, 'hex')" if pg else f"lower(hex({ref}))"
    if isinstance(kind, String):
        return f"CAST({ref} AS TEXT)"
    raise TypeError(f"{col}: no canonical spelling for {kind!r}")


_STORED_AS_SPELT = (Integer, String, Date, DateTime)
_WIDTHS = {Date: len("YYYY-MM-DD"), DateTime: len("YYYY-MM-DD HH:MM:SS.ffffff"), Boolean: 1}


def _value(dialect: Dialect, col: Column[Any]) -> str:
    """:func:`_spelling`, but on SQLite a column already stored as its spelling taken as it is:
    length() and printf() read an integer as its decimal text, and SQLAlchemy stores dates
    and times as text. A CAST there cost a third of the digest."""
    spelt = _spelling(dialect, col, _ref(dialect, col))
    if dialect.name == "sqlite" and isinstance(col.type, _STORED_AS_SPELT):
        return _ref(dialect, col)
    return spelt


def _ref(dialect: Dialect, col: Column[Any]) -> str:
    q = dialect.identifier_preparer.quote
    return f"{q(col.table.name)}.{q(col.name)}"


@dataclass(frozen=True)
class Recipe:
    """One covered table's SQL on one database: its record key, canonical text and digest."""

    key: str
    canonical: str
    digest: str


_RECIPES: dict[tuple[Covered, str], Recipe] = {}


def recipe(cov: Covered, dialect: Dialect) -> Recipe:
    """``cov``'s SQL on ``dialect``'s database (built once per table and database kind)."""
    found = _RECIPES.get((cov, dialect.name))
    if found is None:
        found = _RECIPES[(cov, dialect.name)] = _recipe(cov, dialect)
    return found


def canonical_columns(cov: Covered) -> list[Column[Any]]:
    """The columns in the canonical text's order: by name."""
    return sorted(cov.columns, key=lambda c: c.name)


def _recipe(cov: Covered, dialect: Dialect) -> Recipe:
    key = " || '|' || ".join(_spelling(dialect, c, _ref(dialect, c)) for c in cov.key_columns)
    # the key, then every column in the order of their names (a table's own order is
    # not one: a column added by a migration stands last in a database, elsewhere in
    # models.py): (the column if it may be NULL, spelling)
    columns = canonical_columns(cov)
    values = [("", key)] + [(_ref(dialect, col) if col.nullable else "", _value(dialect, col))
                            for col in columns]
    # a date, a time and a yes/no have one length: written, not counted row by row
    widths = [0] + [_WIDTHS.get(type(col.type), 0) for col in columns]
    head = f"{len(cov.name)}:{cov.name},"
    assert cov.name.isidentifier(), cov.name  # spelt inside a SQL literal below
    if dialect.name == "postgresql":
        # concat() builds the text in one pass (|| copies it at every step); NULLs it skips
        args = [f"'{head}'"]
        for i, ((ref, v), width) in enumerate(zip(values, widths, strict=True)):
            size = f"'{width}:'" if width else f"length({v}) || ':'"
            args += ([f"CASE WHEN {ref} IS NULL THEN '{NULL}' ELSE {size} || {v} END"]
                     if ref else [size, v])
            if i < len(values) - 1:
                args.append("','")
        canonical = _concat(args)
        digest = f"encode(sha256(convert_to({canonical}, 'UTF8')), 'hex')"
    else:
        # printf() builds the text in one pass, as concat() does on PostgreSQL
        form, args = [], []
        for (ref, v), width in zip(values, widths, strict=True):
            size = f"'{width}:'" if width else f"length({v}) || ':'"
            if ref:
                form.append("%s")
                args.append(f"CASE WHEN {ref} IS NULL THEN '{NULL}' ELSE {size} || {v} END")
            elif width:
                form.append(f"{width}:%s")
                args.append(v)
            else:
                form.append("%d:%s")
                args += [f"length({v})", v]
        canonical = f"printf('{head}{','.join(form)}', {', '.join(args)})"
        digest = f"zkd_sha256({canonical})"
    return Recipe(key, canonical, digest)


def _concat(args: list[str]) -> str:
    """``concat(args…)``, nested: PostgreSQL takes at most 100 arguments a call."""
    if len(args) <= 90:
        return f"concat({', '.join(args)})"
    return _concat([_concat(args[i:i + 90]) for i in range(0, len(args), 90)])


def recipe_for(conn: Connection, cov: Covered) -> Recipe:
    return recipe(cov, conn.dialect)


def sha256_hex(text: str | None) -> str | None:
    """SQLite's ``zkd_sha256(text)``: the SHA-256 of the UTF-8 of ``text``, lower-case hex."""
    if text is None:
        return None
    digest = hashlib.sha256()
    for start in range(0, len(text), _SLICE):  # a statement kept at a close is tens of MB
        digest.update(text[start:start + _SLICE].encode("utf-8"))
    return digest.hexdigest()


_SLICE = 1 << 20  # characters encoded at a time


def register_sqlite(dbapi_connection: sqlite3.Connection) -> None:
    """Install ``zkd_sha256`` on a SQLite connection (every one zkd opens, db.engine)."""
    dbapi_connection.create_function("zkd_sha256", 1, sha256_hex, deterministic=True)


def key_column(conn: Connection, cov: Covered) -> ColumnElement[str]:
    return literal_column(recipe_for(conn, cov).key)


def digest_column(conn: Connection, cov: Covered) -> ColumnElement[str]:
    return literal_column(recipe_for(conn, cov).digest)


# --- writing digests -------------------------------------------------------------------

def _chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def where_keys(cov: Covered, keys: Sequence[tuple[Any, ...]]) -> ColumnElement[bool]:
    cols = cov.key_columns
    if len(cols) == 1:
        return cols[0].in_([k[0] for k in keys])
    return tuple_(*cols).in_(keys)


def store(conn: Connection, cov: Covered, *where: ColumnElement[bool], new: bool = False) -> None:
    """Write (or replace) the digests of the rows of ``cov`` that ``where`` selects (all
    without), computed by the database: ``INSERT INTO record_digests SELECT …``.

    ``new``: rows just inserted, which have no digest but where SQL left one behind.
    """
    table = cov.row.__table__  # type: ignore[attr-defined]
    key = key_column(conn, cov)
    names = ["table_name", "record_key", "digest"]
    rows = select(literal(cov.name), key, digest_column(conn, cov)).select_from(table).where(
        *where)
    sealed = insert(_DIGESTS).from_select(names, rows)
    if conn.dialect.name == "sqlite":
        # the old digest of a key written again is replaced as the new one goes in
        conn.execute(sealed.prefix_with("OR REPLACE"))
        return
    if new:
        # new rows go in by a plain INSERT, in a savepoint: no search for old digests
        # (ON CONFLICT DO NOTHING probed the primary key twice a row, half the seal
        # of a loans file); only if some key had one is the INSERT undone and the
        # rows' digests deleted and written again (an upsert would need UPDATE on
        # record_digests, which no login has)
        conn.exec_driver_sql("SAVEPOINT zkd_seal")
        try:
            conn.execute(sealed)
        except IntegrityError:
            conn.exec_driver_sql("ROLLBACK TO SAVEPOINT zkd_seal")
        else:
            conn.exec_driver_sql("RELEASE SAVEPOINT zkd_seal")
            return
        conn.exec_driver_sql("RELEASE SAVEPOINT zkd_seal")
    conn.execute(delete(_DIGESTS).where(
        _DIGESTS.c.table_name == cov.name,
        _DIGESTS.c.record_key.in_(select(key).select_from(table).where(*where))))
    conn.execute(sealed)


def backfill(conn: Connection) -> None:
    """Digest every covered row as it stands (the upgrade that brings digests in)."""
    for cov in COVERED:
        store(conn, cov)


def forget(conn: Connection, table: str, keys: Sequence[str]) -> None:
    """Delete the digests of ``keys`` of ``table``: one statement to the driver.

    Built by SQLAlchemy, a ``DELETE … IN`` of a thousand keys cost more to
    compile and convert (about 0.2 s a batch on PostgreSQL) than to run.
    """
    if not keys:
        return
    if conn.dialect.name == "postgresql":
        # one probe of the primary key per key, whatever the statistics say
        # (an `= ANY(array)` was planned as a scan of the growing table)
        conn.exec_driver_sql("DELETE FROM record_digests WHERE (table_name, record_key) IN "
                             "(SELECT %(t)s, k FROM unnest(%(keys)s::VARCHAR[]) AS k)",
                             {"t": table, "keys": list(keys)})
        return
    conn.exec_driver_sql("DELETE FROM record_digests WHERE table_name = ? AND record_key IN ("
                         + ", ".join("?" * len(keys)) + ")", (table, *keys))


# --- what a transaction wrote ----------------------------------------------------------

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
        conn = session.connection()
        out: dict[tuple[str, str], str | None] = {}
        for cov, wheres, gone in self._collect():
            out.update(((cov.name, k), None) for k in gone)
            query = select(key_column(conn, cov), digest_column(conn, cov)).select_from(
                cov.row.__table__)  # type: ignore[attr-defined]
            for where, _new in wheres:
                out.update(((cov.name, k), d) for k, d in conn.execute(query.where(where)))
        return out

    def seal(self, session: Session) -> None:
        """Digest what was written, forget what was deleted; before the commit."""
        conn = session.connection()
        for cov, wheres, gone in self._collect():
            for part in _chunks(gone):
                forget(conn, cov.name, part)
            for where, new in wheres:
                store(conn, cov, where, new=new)
        self.clear()

    def _collect(self) -> Iterator[tuple[Covered, list[tuple[ColumnElement[bool], bool]],
                                         list[str]]]:
        """Per covered table: which rows were written (by key, or new by file; the flag
        says new), the keys deleted."""
        for cov in COVERED:
            written = self.written.get(cov, set())
            gone = sorted(record_key(k) for k in self.deleted.get(cov, set()) - written)
            wheres: list[tuple[ColumnElement[bool], bool]] = []
            if cov.filed_in is not None and self.new_files:
                # first: the rows written by key below (a loss event, a moved loan) may be
                # among them, and are digested again, as they stand at the end
                wheres.append((and_(cov.filed_in.in_(sorted(self.new_files))), True))
            wheres += [(where_keys(cov, part), False)
                       for part in _chunks(sorted(written, key=repr))]
            if wheres or gone:
                yield cov, wheres, gone
