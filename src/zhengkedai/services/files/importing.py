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
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, func, select

from zhengkedai.context import Actor
from zhengkedai.db.bulk import BulkWriter, analyze
from zhengkedai.db.models import ClaimRow, ImportFileRow, InstitutionMonthRow, LoanEventRow
from zhengkedai.db.models import LoanRow as LoanTable
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import InputRejected, ZkdError
from zhengkedai.domain.loans import EventType, LoanState
from zhengkedai.domain.periods import first_day, period_of
from zhengkedai.i18n import _, ngettext
from zhengkedai.imports import prefetch
from zhengkedai.imports.parse import (
    Chunk,
    ParsedFile,
    read_file,
    small_principals,
    small_principals_note,
    totals_note,
)
from zhengkedai.imports.readers import FileRejected
from zhengkedai.imports.records import SubsidyRecord
from zhengkedai.imports.rowerrors import RowError
from zhengkedai.imports.schema import RECORD_TYPES, FileKind, kind_label
from zhengkedai.services import institutions
from zhengkedai.services.claims import computation as claims
from zhengkedai.services.files.rules import EventRow, StateChecker
from zhengkedai.services.params import active_policy
from zhengkedai.services.subsidies import applications as subsidies

BATCH = 1000
# Inserts go to the Core tables, not the ORM classes: an ORM bulk insert leaves
# out None values and then runs one statement per run of rows with the same
# columns, so a guarantor on every fifth loan made 400 statements of a batch.
LOANS = cast(Table, LoanTable.__table__)
EVENTS = cast(Table, LoanEventRow.__table__)

Progress = Callable[[int], None]
# after a file of more rows than this, PostgreSQL's statistics of the tables it
# grew are refreshed (events filed right after a million-loan import ran 4.8×
# slower until ANALYZE)
ANALYZE_AFTER = 10_000
ANALYZED = {FileKind.LOANS: ("loans",), FileKind.EVENTS: ("loan_events", "loans", "claims"),
            FileKind.SUBSIDIES: ("subsidies",)}


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
        raise ZkdError(_("{path}: no such file").format(path=path))
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
    events = (_EventWriter(uow, actor, record.id, result)
              if parsed.kind is FileKind.EVENTS and to_books else None)
    if events is not None:
        checker.moved = events.moved  # the loans' figures not yet written

    def flush(rows: list[int], columns: dict[str, list[Any]]) -> None:
        if not rows or not to_books:  # not rows: a file of exactly n×BATCH rows
            return
        if loans is not None:
            # columns straight through: no record per row (see _LoanWriter).
            # A batch that can break no rule but "already filed" is written at
            # once: the unique index on (institution, loan number) is that rule,
            # and a refused write is undone and the batch checked row by row.
            def check() -> list[list[Any]] | None:
                nonlocal rows, columns
                found = checker.check_loans(rows, columns)
                errors.extend(found)
                if found:
                    rows, columns = _without({e.row for e in found}, rows, columns)
                return loans.values(rows, columns) if rows else None

            if checker.loans_clean_but_for_filed(columns):
                loans.bulk.write_or_check(loans.values(rows, columns), check)
            elif (kept := check()) is not None:
                loans.bulk.write(kept)
            if rows:
                result.add_total("principal", len(rows), sum(columns["principal"]))
            return
        if events is not None:
            # columns straight through, as tuples: no record per row
            checked = list(zip(rows, columns["loan_no"], columns["event"],
                               columns["occurred_on"], columns["amount"], columns["note"],
                               strict=True))
            errors.extend(checker.check_events(checked))
            events.write(checked, checker.loaded, checker.after)
            return
        batch = _records(parsed, rows, columns)
        found = checker.check(batch)
        errors.extend(found)
        refused = {e.row for e in found}
        valid = [p for p in batch if p[0] not in refused] if refused else batch
        if valid:
            WRITERS[parsed.kind](uow, actor, valid, record.id, filer, result)
            for _, rec in valid:
                assert isinstance(rec, SubsidyRecord)
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
            for _step in range((count + chunk.read) // 500 - count // 500):
                progress(500)
        count += chunk.read
    flush(*pending.take(len(pending.rows)))
    if events is not None:
        events.settle()
    if progress is not None:
        progress(count % 500)
    result.rows = count
    result.notes = parsed.notes + totals_note(totals) + small_principals_note(small)
    if not errors and parsed.kind is FileKind.LOANS:
        result.notes += suspended_note(uow, filer, record.id)
    if errors:
        result.errors = sorted(errors, key=lambda e: (e.row, e.column))
        raise FileHasErrors(_rejection(parsed, result), result.errors, result.notes)
    if count == 0:
        raise FileRefused(_("{file}: the file has a header but no rows; nothing to submit")
                          .format(file=parsed.name), result.notes)
    result.claims = _as_left(uow, result.claims)
    if dry_run:
        uow.rollback()  # it was all checked by writing it; keep none of it
        return result
    record.row_count = count
    result.file_id = record.id
    uow.s.flush()
    if count > ANALYZE_AFTER:  # PostgreSQL plans the next command on the new figures
        analyze(uow.s.connection(), *ANALYZED[parsed.kind])
    return result


def suspended_note(uow: UnitOfWork, code: str, file_id: int) -> list[str]:
    """A note on the loans of the file (by month of disbursement) disbursed while ``code``
    was suspended: filed as any other, but a loss on one is not compensated — a clerk should
    know when the file goes in, not when the claim comes to nothing. Read from the loans as
    written (a dry run's too, before it is undone), and only for an institution that has
    ever been suspended."""
    if uow.s.execute(select(InstitutionMonthRow.period).where(
            InstitutionMonthRow.institution_code == code, InstitutionMonthRow.suspended)
            .limit(1)).first() is None:
        return []
    disbursed: Counter[str] = Counter()
    for day, count in uow.s.execute(
            select(LoanTable.disbursed_on, func.count()).where(LoanTable.file_id == file_id)
            .group_by(LoanTable.disbursed_on)):
        disbursed[period_of(day)] += count
    notes = []
    for period in sorted(disbursed):
        since = institutions.suspended_since(uow, code, first_day(period))
        if since is not None:
            notes.append(ngettext(
                "{count} loan disbursed in {period}, while {institution} was suspended (from "
                "{since}): a loss on a loan disbursed during a suspension is not compensated",
                "{count} loans disbursed in {period}, while {institution} was suspended (from "
                "{since}): a loss on a loan disbursed during a suspension is not compensated",
                disbursed[period]).format(count=disbursed[period], period=period,
                                          institution=code, since=since))
    return notes


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
    return _("{name} rejected: {errors} in {rows}; nothing was written").format(
        name=parsed.name, errors=ngettext("{n} error", "{n} errors", n).format(n=n),
        rows=ngettext("{n} row", "{n} rows", result.rows).format(n=result.rows))


def _filer(uow: UnitOfWork, parsed: ParsedFile, institution: str | None) -> str:
    what = kind_label(parsed.kind)
    if parsed.kind is FileKind.SUBSIDIES:
        if institution:
            raise ZkdError(_("{name} is a {what} file: it is filed by programme staff, "
                             "without --institution").format(name=parsed.name, what=what))
        return ""
    if not institution:
        raise ZkdError(_("{name} is a {what} file: say which bank or guarantor files it "
                         "with --institution CODE").format(name=parsed.name, what=what))
    row = institutions.get_row(uow, institution)
    if row.kind not in institutions.FILING_KINDS:
        raise ZkdError(_("institution {code} is an {kind}; loans and events are filed "
                         "by banks, guarantors and insurers").format(code=institution,
                                                                     kind=_(row.kind)))
    return institution


SQLITE_CACHE_KIB = 64 * 1024  # the page cache a loans import may use on SQLite

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
    """The loans file's rows, given as the validator's columns, to :class:`BulkWriter`.

    The loans path builds no record per row: the validator's columns go
    straight to the bulk writer (:mod:`zhengkedai.db.bulk`), which is all the
    records were used for here.
    """

    def __init__(self, uow: UnitOfWork, file_id: int, filer: str) -> None:
        conn = uow.s.connection()
        if conn.dialect.name == "sqlite":
            # SQLite's default page cache (2 MB) is smaller than the loans table's
            # indexes a few hundred thousand loans in: each batch then read their
            # pages again and spilled the dirty ones to disk before the commit (a
            # million-loan file spent a third longer sealing). A bound, not
            # durability: what is committed is written and synced as before.
            conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        self.bulk = BulkWriter(conn, LOANS, _LOAN_COLUMNS)
        self.file_id, self.filer = file_id, filer

    def values(self, rows: list[int], columns: dict[str, list[Any]]) -> list[list[Any]]:
        """The ``_LOAN_COLUMNS`` of the rows, one list each."""
        n = len(rows)
        types = {t: t.value for t in set(columns["loan_type"])}
        values: list[list[Any]] = [[self.filer] * n, *(columns[k] for k in _LOAN_FIELDS),
                                   columns["principal"], [0] * n, [self.file_id] * n, rows]
        values[9] = [types[t] for t in values[9]]  # loan_type, stored by its value
        return values

    def write(self, rows: list[int], columns: dict[str, list[Any]]) -> None:
        self.bulk.write(self.values(rows, columns))


_EVENT_COLUMNS = ("loan_id", "event", "occurred_on", "amount_fen", "note", "file_id", "file_row")
# the most loans whose new figures wait in memory before they are written (_EventWriter)
SETTLE_AFTER = 50_000
_EVENT_VALUES = {e: e.value for e in EventType}  # as stored


class _EventWriter:
    """An events batch, checked, into ``loan_events``, and each loan's running figures.

    Repayments and overdue levels (nearly every row) go to the bulk writer
    (:mod:`zhengkedai.db.bulk`). The loans they move get their new outstanding
    and overdue principal in one statement when something reads them: the
    claim rules, the end of the file, or :data:`SETTLE_AFTER` loans waiting.
    Until then the new figures wait in :attr:`moved`, which the checks read
    over the database's (a loan met in four batches is written once, not four
    times). A loss (which opens a claim) or a recovery (which lowers it or
    makes a share owed) is written through the ORM, in file order, after the
    rows before it: the claim rules read the loans as those rows leave them.
    """

    def __init__(self, uow: UnitOfWork, actor: Actor, file_id: int,
                 result: SubmitResult) -> None:
        self.uow, self.actor, self.file_id, self.result = uow, actor, file_id, result
        conn = uow.s.connection()
        self.bulk = BulkWriter(conn, EVENTS, _EVENT_COLUMNS)
        self.postgresql = conn.dialect.name == "postgresql"
        # loan id -> (outstanding, overdue) after the rows written, not yet in `loans`
        self.moved: dict[int, tuple[int, int]] = {}

    def write(self, batch: Sequence[EventRow], loaded: Mapping[str, tuple[int, LoanState]],
              after: Mapping[int, tuple[int, int, int]]) -> None:
        """Write the rows of ``batch`` that the checks kept (those in ``after``: each
        row's loan and the loan's outstanding and overdue principal after it), the
        loans' states before the batch being ``loaded``; and count them on the receipt."""
        s = self.uow.s
        figures = {loan_id: (state.outstanding, state.overdue)
                   for loan_id, state in loaded.values()}
        plain: list[tuple[Any, ...]] = []
        moved = self.moved
        file_id, values = self.file_id, _EVENT_VALUES
        counted: dict[EventType, list[int]] = {}

        def flush_plain() -> None:
            if plain:
                self.bulk.write(list(zip(*plain, strict=True)))
                plain.clear()

        for number, _no, event, day, amount, note in batch:
            written = after.get(number)
            if written is None:  # refused: its errors are listed
                continue
            loan_id, outstanding, overdue = written
            if figures[loan_id] != (outstanding, overdue):
                moved[loan_id] = figures[loan_id] = (outstanding, overdue)
            counted.setdefault(event, []).append(amount)
            if event is EventType.REPAYMENT or event is EventType.OVERDUE:
                plain.append((loan_id, values[event], day, amount, note, file_id, number))
                continue
            flush_plain()  # the claim rules read the loans as the rows before leave them
            self.settle()
            row = LoanEventRow(loan_id=loan_id, event=values[event], occurred_on=day,
                               amount_fen=amount, note=note, file_id=file_id, file_row=number)
            s.add(row)
            s.flush()
            if event is EventType.LOSS:
                claim = claims.open_claim(self.uow, self.actor, row)
                self.result.claims.append((claim.id, claim.amount_fen))
            else:
                claims.record_recovery(self.uow, self.actor, row)
        flush_plain()
        for event, amounts in counted.items():
            self.result.add_total(values[event], len(amounts), sum(amounts))
        if len(moved) >= SETTLE_AFTER:  # memory stays flat, whatever the file's length
            self.settle()

    def settle(self) -> None:
        """Write the loans' new outstanding and overdue principal waiting in :attr:`moved`."""
        if self.moved:
            self._move(self.moved)
            self.moved.clear()

    def _move(self, moved: dict[int, tuple[int, int]]) -> None:
        """The loans' new outstanding and overdue principal: one statement, digests noted."""
        s = self.uow.s
        s.flush()  # anything the ORM holds goes first
        ids = sorted(moved)
        conn = s.connection()
        if self.postgresql:
            conn.exec_driver_sql(
                "UPDATE loans SET outstanding_fen = v.outstanding, overdue_fen = v.overdue "
                "FROM unnest(%(ids)s::BIGINT[], %(outstanding)s::BIGINT[], "
                "%(overdue)s::BIGINT[]) AS v(id, outstanding, overdue) WHERE loans.id = v.id",
                {"ids": ids, "outstanding": [moved[i][0] for i in ids],
                 "overdue": [moved[i][1] for i in ids]})
        else:
            conn.exec_driver_sql(
                "UPDATE loans SET outstanding_fen = ?, overdue_fen = ? WHERE id = ?",
                [(moved[i][0], moved[i][1], i) for i in ids])
        # a loan the session holds (a claim read it) is read again when next used: the
        # few the session holds looked up among the moved, not every moved one in the map
        for key in list(s.identity_map.keys()):
            if key[0] is LoanTable and key[1][0] in moved:
                s.expire(s.identity_map[key], ["outstanding_fen", "overdue_fen"])
        self.uow.records.wrote(LoanTable, ((i,) for i in ids))


def _write_subsidies(uow: UnitOfWork, actor: Actor, batch: list, file_id: int, filer: str,  # type: ignore[type-arg]
                     result: SubmitResult) -> None:
    for number, rec in batch:
        assert isinstance(rec, SubsidyRecord)
        # dated by its 申请日期 when the file gives one, else the day it is filed
        row = subsidies.file_subsidy(uow, actor, rec, file_id=file_id, file_row=number,
                                     submitted_on=rec.filed_on)
        result.subsidies.append((row.id, row.amount_fen))


WRITERS: dict[FileKind, Callable[..., None]] = {
    FileKind.LOANS: _write_loans,
    FileKind.SUBSIDIES: _write_subsidies,
}

