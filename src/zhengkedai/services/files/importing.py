"""``zkd submit``: a bank's loans or events file, or the staff's subsidy file, whole or not at all.

One streaming pass over the file (memory stays flat whatever its length):
every row is parsed (``zhengkedai.imports``) and, a batch at a time, checked
against the ledger's state in file order (:mod:`zhengkedai.services.files.rules`): a loan number
already filed or repeated in the file, an unknown loan or another
institution's, an event before disbursement, in a closed month, or larger than
the outstanding principal. The valid rows of each batch are then written with
SQLAlchemy Core inside the command's one transaction — a loss event opens its
claim, a recovery adjusts it or makes a share owed — so the next batch is
checked against the books as the file leaves them. Checking goes on to the
end, so the user gets every error at once; then any error (or ``--dry-run``)
rolls the whole transaction back and nothing of the file remains.

Two things only make it faster, and change no outcome: a file of more than a
couple of megabytes is read and validated in a second process while this one
writes (:mod:`zhengkedai.imports.prefetch`), and a loans batch that can break
no rule but "already filed" is written at once, in a savepoint, and checked
row by row only if the unique index refuses it (:meth:`_LoanWriter.try_write`).

The accepted file is recorded with its SHA-256; the same bytes from the same
filer again change nothing. Every loan, event and subsidy keeps its file and
row, so each figure traces back to the row that caused it.
"""

from __future__ import annotations

import functools
import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.exc import IntegrityError

from zhengkedai.context import Actor
from zhengkedai.db.live import LIVE_LOAN
from zhengkedai.db.models import ClaimRow, ImportFileRow, InstitutionRow, LoanEventRow
from zhengkedai.db.models import LoanRow as LoanTable
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import InputRejected, ZkdError
from zhengkedai.domain.loans import EventType, LoanState, apply_event
from zhengkedai.imports import prefetch
from zhengkedai.imports.parse import (
    Chunk,
    ParsedFile,
    read_file,
    small_principals,
    small_principals_note,
    totals_note,
)
from zhengkedai.imports.readers import ENCODING_NAMES, FileRejected
from zhengkedai.imports.records import EventRow, SubsidyRow
from zhengkedai.imports.rowerrors import RowError
from zhengkedai.imports.schema import FILE_KIND_ZH, RECORD_TYPES, FileKind
from zhengkedai.services import institutions
from zhengkedai.services.claims import computation as claims
from zhengkedai.services.files.rules import StateChecker
from zhengkedai.services.params import active_policy
from zhengkedai.services.subsidies import applications as subsidies

BATCH = 1000
# Inserts go to the Core tables, not the ORM classes: an ORM bulk insert leaves
# out None values and then runs one statement per run of rows with the same
# columns, so a guarantor on every fifth loan made 400 statements of a batch.
LOANS = cast(Table, LoanTable.__table__)
EVENTS = cast(Table, LoanEventRow.__table__)

Progress = Callable[[int], None]


class FileHasErrors(InputRejected):
    """The file was rejected; ``errors`` lists every reason, in file order.

    ``notes`` say how it was read (encoding or sheet, title rows skipped).
    """

    def __init__(self, message: str, errors: list[RowError], notes: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors
        self.notes = notes or []


class FileRefused(ZkdError):
    """The file was refused as a whole (unreadable, no header, no filer, no rows).

    ``notes`` say how it was read, when it was read at all.
    """

    def __init__(self, message: str, notes: list[str] | None = None,
                 exit_code: int = ZkdError.exit_code) -> None:
        super().__init__(message)
        self.notes = notes or []
        self.exit_code = exit_code


@dataclass
class SubmitResult:
    path: Path
    kind: FileKind | None = None
    rows: int = 0
    notes: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    file_id: int | None = None
    duplicate_of: ImportFileRow | None = None
    dry_run: bool = False
    claims: list[tuple[int, int]] = field(default_factory=list)  # (claim id, amount at the end)
    subsidies: list[tuple[int, int]] = field(default_factory=list)
    sha256: str = ""
    # the receipt's figures: what is summed (principal, each event kind, basis)
    # -> (rows, total in fen), in the order first met
    totals: dict[str, tuple[int, int]] = field(default_factory=dict)

    def add_total(self, what: str, rows: int, fen: int) -> None:
        n, total = self.totals.get(what, (0, 0))
        self.totals[what] = (n + rows, total + fen)

    @property
    def accepted(self) -> bool:
        return not self.errors and self.duplicate_of is None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _eligibility(uow: UnitOfWork):  # type: ignore[no-untyped-def]
    policy = active_policy(uow)

    # once per distinct date, not per row: a file has few dates, and finding
    # the policy version in force was a tenth of the parse
    @functools.lru_cache(maxsize=4096)
    def rules_on(day):  # type: ignore[no-untyped-def]
        return policy.version_on(day).eligibility

    return rules_on


def submit(uow: UnitOfWork, actor: Actor, path: Path, *, institution: str | None = None,
           sheet: str | None = None, dry_run: bool = False, strict: bool = False,
           progress: Progress | None = None) -> SubmitResult:
    """Check ``path`` and, when it is clean, write it; see the module docstring.

    ``strict`` refuses columns the file's kind does not know (by default they
    are ignored, and named in a note).

    Raises:
        FileHasErrors: the file has errors; the exception lists them all.
        ZkdError: the file cannot be read, or the filer is missing or unknown.
    """
    result = SubmitResult(path=path, dry_run=dry_run)
    if not path.is_file():
        raise ZkdError(f"{path}: no such file")
    try:
        parsed = read_file(path, sheet=sheet, eligibility=_eligibility(uow), strict=strict,
                           today=actor.today())
    except FileRejected as exc:
        raise FileRefused(str(exc), list(exc.notes)) from None
    result.kind = parsed.kind
    result.notes = parsed.notes
    try:
        filer = _filer(uow, parsed, institution)
    except ZkdError as exc:
        raise FileRefused(str(exc), parsed.notes, exc.exit_code) from None
    sha = result.sha256 = file_sha256(path)
    # One import at a time, like every posting: a second `zkd submit` of the same
    # file waits here, then finds the first one's record and changes nothing.
    uow.lock_ledger()
    earlier = uow.s.execute(
        select(ImportFileRow).where(ImportFileRow.sha256 == sha, ImportFileRow.filer == filer)
    ).scalar_one_or_none()
    if earlier is not None:
        result.duplicate_of = earlier
        return result

    # One pass. Each batch is checked and its valid rows written at once, so the
    # next batch is checked against the books as the file leaves them (repeats
    # in the file are found in the database, and memory stays flat). Any error,
    # or a dry run, ends in a rollback of the caller's transaction: nothing of
    # the file remains, and every error has been listed.
    record = _file_record(uow, actor, parsed, filer, sha)
    checker = StateChecker(uow, parsed.kind, parsed.name, filer, record.id)
    errors = list(parsed.header_errors)
    # A header with problems rejects the file whatever its rows hold, and its
    # rows lack a column that the ledger rules and the writers need: read on
    # for every row's own errors (repeats in the file found by the reader, as
    # nothing reaches the database), but check nothing against the books.
    to_books = not errors
    count = 0
    pending = _Pending()
    loans = _LoanWriter(uow, record.id, filer) if parsed.kind is FileKind.LOANS else None

    def flush(rows: list[int], columns: dict[str, list[Any]]) -> None:
        if not rows or not to_books:  # not rows: a file of exactly n×BATCH rows
            return
        if loans is not None:
            # columns straight through: no record per row (see _LoanWriter).
            # A batch that can break no rule but "already filed" is written at
            # once: the unique index on (institution, loan number) is that rule,
            # and a refused write is undone and the batch checked row by row.
            if checker.loans_clean_but_for_filed(columns) and loans.try_write(rows, columns):
                result.add_total("principal", len(rows), sum(columns["principal"]))
                return
            found = checker.check_loans(rows, columns)
            errors.extend(found)
            if found:
                rows, columns = _without({e.row for e in found}, rows, columns)
            if rows:
                loans.write(rows, columns)
                result.add_total("principal", len(rows), sum(columns["principal"]))
            return
        batch = _records(parsed, rows, columns)
        found = checker.check(batch)
        errors.extend(found)
        refused = {e.row for e in found}
        valid = [p for p in batch if p[0] not in refused]
        if valid:
            WRITERS[parsed.kind](uow, actor, valid, record.id, filer, result)
            for _, rec in valid:
                if isinstance(rec, EventRow):
                    result.add_total(rec.event.value, 1, rec.amount)
                else:
                    result.add_total("basis", 1, rec.basis)

    # Read and validate a chunk of rows at a time; check and write in batches
    # of BATCH valid rows, as a row-by-row loop would (the ledger rules see the
    # same batches, so they find the same repeats).
    def read() -> Iterator[Chunk]:
        return parsed.chunks(BATCH, track_duplicates=not to_books)

    # a large file is read in a second process while this one writes (prefetch)
    totals: list[int] = []  # totals rows skipped (合计…), told in a note
    small: list[tuple[int, int]] = []  # implausibly small principals (万元 in 元?), a note
    for chunk in prefetch.ahead(read) if prefetch.worth_it(path) else read():
        errors.extend(chunk.errors)
        totals.extend(chunk.totals)
        small.extend(small_principals(chunk))
        pending.add(chunk.rows, chunk.columns)
        while len(pending.rows) >= BATCH:
            flush(*pending.take(BATCH))
        if progress is not None:
            for _ in range((count + chunk.read) // 500 - count // 500):
                progress(500)
        count += chunk.read
    flush(*pending.take(len(pending.rows)))
    if progress is not None:
        progress(count % 500)
    result.rows = count
    result.notes = parsed.notes + totals_note(totals) + small_principals_note(small)
    if errors:
        result.errors = sorted(errors, key=lambda e: (e.row, e.column))
        raise FileHasErrors(_rejection(parsed, result), result.errors, result.notes)
    if count == 0:
        raise FileRefused(f"{parsed.name}: the file has a header but no rows; nothing to submit",
                          result.notes)
    result.claims = _as_left(uow, result.claims)
    if dry_run:
        uow.rollback()  # it was all checked by writing it; keep none of it
        return result
    record.row_count = count
    result.file_id = record.id
    uow.s.flush()
    return result


class _Pending:
    """Valid rows read but not yet checked, as columns."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.columns: dict[str, list[Any]] = {}

    def add(self, rows: list[int], columns: dict[str, list[Any]]) -> None:
        if not rows:
            return
        if not self.rows:
            self.rows, self.columns = rows, columns
            return
        self.rows = self.rows + rows
        self.columns = {k: v + columns[k] for k, v in self.columns.items()}

    def take(self, n: int) -> tuple[list[int], dict[str, list[Any]]]:
        """The first ``n`` rows (all of them when fewer), removed."""
        if n >= len(self.rows):
            taken = self.rows, self.columns
            self.rows, self.columns = [], {}
            return taken
        taken = self.rows[:n], {k: v[:n] for k, v in self.columns.items()}
        self.rows = self.rows[n:]
        self.columns = {k: v[n:] for k, v in self.columns.items()}
        return taken


def _without(refused: set[int], rows: list[int],
             columns: dict[str, list[Any]]) -> tuple[list[int], dict[str, list[Any]]]:
    keep = [i for i, row in enumerate(rows) if row not in refused]
    return [rows[i] for i in keep], {k: [v[i] for i in keep] for k, v in columns.items()}


def _as_left(uow: UnitOfWork, claims: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each claim the file opened with its amount after the whole file, read back:
    a recovery later in the same file lowers a claim opened earlier in it (SPEC 6)."""
    amounts: dict[int, int] = {}
    for start in range(0, len(claims), BATCH):
        ids = [claim_id for claim_id, _ in claims[start:start + BATCH]]
        amounts.update(uow.s.execute(
            select(ClaimRow.id, ClaimRow.amount_fen).where(ClaimRow.id.in_(ids))).tuples().all())
    return [(claim_id, amounts[claim_id]) for claim_id, _ in claims]


def _records(parsed: ParsedFile, rows: list[int], columns: dict[str, list[Any]]) -> list[Any]:
    """``(row, record)`` pairs of valid rows held as columns."""
    return Chunk(len(rows), rows, columns, [], RECORD_TYPES[parsed.kind]).records()


def _file_record(uow: UnitOfWork, actor: Actor, parsed: ParsedFile, filer: str,
                 sha: str) -> ImportFileRow:
    record = ImportFileRow(filer=filer, kind=parsed.kind.value, filename=parsed.name,
                           sha256=sha, encoding=parsed.encoding or "xlsx", row_count=0,
                           accepted_at=actor.now(), operator=actor.operator)
    uow.s.add(record)
    uow.s.flush()
    return record


def _rejection(parsed: ParsedFile, result: SubmitResult) -> str:
    n = len(result.errors)
    return (f"{parsed.name} rejected: {n} error{'s' if n != 1 else ''} in "
            f"{result.rows} row{'s' if result.rows != 1 else ''}; nothing was written")


def _filer(uow: UnitOfWork, parsed: ParsedFile, institution: str | None) -> str:
    what = f"{FILE_KIND_ZH[parsed.kind]} ({parsed.kind.value})"
    if parsed.kind is FileKind.SUBSIDIES:
        if institution:
            raise ZkdError(f"{parsed.name} is a {what} file: it is filed by programme staff, "
                           "without --institution")
        return ""
    if not institution:
        raise ZkdError(f"{parsed.name} is a {what} file: say which bank or guarantor files it "
                       "with --institution CODE")
    row = uow.s.get(InstitutionRow, institution)
    if row is None:
        # codes are exact (ZZB and zzb could be two institutions), but a clerk
        # who typed the right code in the wrong case is told which one it is
        alike = uow.s.execute(select(InstitutionRow.code).where(
            func.upper(InstitutionRow.code) == institution.upper())
            .order_by(InstitutionRow.code)).scalars().all()
        if alike:
            raise ZkdError(f"no institution {institution!r}; did you mean {' or '.join(alike)}?")
        raise ZkdError(f"no institution {institution!r}; register it with `zkd institution add`")
    if row.kind not in institutions.FILING_KINDS:
        raise ZkdError(f"institution {institution} is an {row.kind}; loans and events are filed "
                       "by banks, guarantors and insurers")
    return institution


_LOAN_COLUMNS = ("institution_code", "loan_no", "enterprise_name", "credit_code", "district",
                 "revenue_prev_year_fen", "high_tech", "profitable_two_years",
                 "research_cooperation", "loan_type", "collateral_value_fen", "principal_fen",
                 "annual_rate", "disbursed_on", "maturity_on", "guarantor_code",
                 "guarantee_fee_fen", "outstanding_fen", "overdue_fen", "file_id", "file_row")
_LOAN_FIELDS = ("loan_no", "enterprise_name", "credit_code", "district", "revenue_prev_year",
                "high_tech", "profitable_two_years", "research_cooperation", "loan_type",
                "collateral_value", "principal", "annual_rate", "disbursed_on", "maturity_on",
                "guarantor_code", "guarantee_fee")


def _write_loans(uow: UnitOfWork, actor: Actor, batch: list, file_id: int, filer: str,  # type: ignore[type-arg]
                 result: SubmitResult) -> None:
    rows = [number for number, _ in batch]
    columns = {k: [rec.__dict__[k] for _, rec in batch] for k in _LOAN_FIELDS}
    _LoanWriter(uow, file_id, filer).write(rows, columns)


class _LoanWriter:
    """Inserts valid loans given as columns (field key -> values, one per row).

    The loans path builds no record per row: the validator's columns go
    straight to the driver, which is all the records were used for here.
    Values go to the driver, not through SQLAlchemy, whose per-row parameter
    handling cost twice the insert itself: ``COPY`` on PostgreSQL, multi-row
    ``INSERT … VALUES`` statements on SQLite (a third faster than an
    executemany of one row at a time). Values are converted by the ``loans``
    columns' own bind processors, once per distinct value for the whole file
    (few distinct dates, rates and flags), so what is stored is what
    ``insert(LOANS)`` would store.
    """

    def __init__(self, uow: UnitOfWork, file_id: int, filer: str) -> None:
        self.conn = uow.s.connection()
        dialect = self.conn.dialect
        self.postgresql = dialect.name == "postgresql"
        self.file_id, self.filer = file_id, filer
        self.processors: list[tuple[int, Any, dict[Any, Any]]] = [
            (i, process, {}) for i, name in enumerate(_LOAN_COLUMNS)
            if (process := LOANS.c[name].type._cached_bind_processor(dialect))]
        self.refused = (IntegrityError, dialect.loaded_dbapi.IntegrityError)
        names = ", ".join(_LOAN_COLUMNS)
        if self.postgresql:
            # PostgreSQL refuses COPY FROM into a table whose row-level security
            # applies to the login (a bank's, SPEC 10): those rows go in by INSERT
            self.copy = not self.conn.exec_driver_sql(
                "SELECT row_security_active('loans')").scalar()
            self.sql = (f"COPY loans ({names}) FROM STDIN" if self.copy else
                        f"INSERT INTO loans ({names}) VALUES ("
                        + ", ".join("%s" for _ in _LOAN_COLUMNS) + ")")
            return
        driver = self.conn.connection.driver_connection
        # as many rows a statement as SQLite's limit on bound values allows, up to 500
        limit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)  # type: ignore[union-attr]
        self.step = max(1, min(500, limit // len(_LOAN_COLUMNS)))
        self.sql = f"INSERT INTO loans ({names}) VALUES "
        self.marks = "(" + ", ".join("?" for _ in _LOAN_COLUMNS) + ")"

    def try_write(self, rows: list[int], columns: dict[str, list[Any]]) -> bool:
        """:meth:`write` if the database takes every row; else write nothing, return False.

        The database refuses a loan number its filer has filed before (or
        that an earlier batch of this file holds). The batch is written in a
        savepoint, so a refusal undoes it and the transaction goes on.
        """
        # plain SQL to the driver: SQLAlchemy's begin_nested() cost a tenth of
        # the write, compiling the SAVEPOINT statements for every batch
        driver = self.conn.connection.driver_connection
        savepoint = driver.cursor()  # type: ignore[union-attr]
        try:
            savepoint.execute("SAVEPOINT zkd_loans")
            try:
                self.write(rows, columns)
            except self.refused:
                savepoint.execute("ROLLBACK TO SAVEPOINT zkd_loans")
                return False
            finally:
                savepoint.execute("RELEASE SAVEPOINT zkd_loans")
            return True
        finally:
            savepoint.close()

    def write(self, rows: list[int], columns: dict[str, list[Any]]) -> None:
        n = len(rows)
        types = {t: t.value for t in set(columns["loan_type"])}
        values: list[Any] = [[self.filer] * n, *(columns[k] for k in _LOAN_FIELDS),
                             columns["principal"], [0] * n, [self.file_id] * n, rows]
        values[9] = [types[t] for t in values[9]]  # loan_type, stored by its value
        for i, process, memo in self.processors:
            if len(memo) > 4096:
                memo.clear()
            for v in set(values[i]).difference(memo):
                memo[v] = process(v)
            values[i] = list(map(memo.__getitem__, values[i]))
        driver = self.conn.connection.driver_connection
        if self.postgresql:
            # COPY on the session's own connection: the same transaction, rolled
            # back with it; several times faster than an executemany.
            with driver.cursor() as cursor:  # type: ignore[union-attr]
                if not self.copy:
                    cursor.executemany(self.sql, list(zip(*values, strict=True)))
                    return
                with cursor.copy(self.sql) as copy:
                    for row in zip(*values, strict=True):
                        copy.write_row(row)
            return
        # the batch's values row after row, in one flat list: one slice
        # assignment a column, then a statement per `step` rows
        width = len(values)
        flat: list[Any] = [None] * (n * width)
        for i, column in enumerate(values):
            flat[i::width] = column
        cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            full = self.sql + ", ".join([self.marks] * self.step)
            for start in range(0, n, self.step):
                count = min(self.step, n - start)
                sql = full if count == self.step else self.sql + ", ".join([self.marks] * count)
                cursor.execute(sql, flat[start * width:(start + count) * width])
        finally:
            cursor.close()


def _write_events(uow: UnitOfWork, actor: Actor, batch: list, file_id: int, filer: str,  # type: ignore[type-arg]
                  result: SubmitResult) -> None:
    s = uow.s
    numbers = {rec.loan_no for _, rec in batch}
    loans = {row.loan_no: row for row in s.execute(
        select(LoanTable).where(LoanTable.institution_code == filer,
                                LoanTable.loan_no.in_(numbers), LIVE_LOAN)).scalars()}
    plain: list[dict[str, object]] = []

    def flush_plain() -> None:
        if plain:
            s.execute(insert(EVENTS), list(plain))
            plain.clear()

    for number, rec in batch:
        assert isinstance(rec, EventRow)
        loan = loans[rec.loan_no]
        # the check pass has allowed this event (a recovery only after a loss),
        # so the running state only needs the outstanding and overdue figures
        state = apply_event(LoanState(loan.outstanding_fen, loan.overdue_fen, losses=1),
                            rec.event, rec.amount)
        loan.outstanding_fen, loan.overdue_fen = state.outstanding, state.overdue
        values = {"loan_id": loan.id, "event": rec.event.value, "occurred_on": rec.occurred_on,
                  "amount_fen": rec.amount, "note": rec.note, "file_id": file_id,
                  "file_row": number}
        if rec.event in (EventType.REPAYMENT, EventType.OVERDUE):
            plain.append(values)
            continue
        flush_plain()
        event = LoanEventRow(**values)
        s.add(event)
        s.flush()
        if rec.event is EventType.LOSS:
            claim = claims.open_claim(uow, actor, event)
            result.claims.append((claim.id, claim.amount_fen))
        else:
            claims.record_recovery(uow, actor, event)
    flush_plain()
    s.flush()


def _write_subsidies(uow: UnitOfWork, actor: Actor, batch: list, file_id: int, filer: str,  # type: ignore[type-arg]
                     result: SubmitResult) -> None:
    for number, rec in batch:
        assert isinstance(rec, SubsidyRow)
        # dated by its 申请日期 when the file gives one, else the day it is filed
        row = subsidies.file_subsidy(uow, actor, rec, file_id=file_id, file_row=number,
                                     submitted_on=rec.filed_on)
        result.subsidies.append((row.id, row.amount_fen))


WRITERS = {
    FileKind.LOANS: _write_loans,
    FileKind.EVENTS: _write_events,
    FileKind.SUBSIDIES: _write_subsidies,
}


def encoding_name(encoding: str | None) -> str:
    return ENCODING_NAMES.get(encoding or "", encoding or "")
