"""The ledger-state rules of an input file, checked row by row in file order.

The row parsers (``zhengkedai.imports``) know a row; these rules know the
books: what is already filed, which months are closed, each loan's outstanding
principal as the earlier rows of the same file leave it.

The import service writes every valid row of a batch before the next batch is
checked (and rolls everything back if any row had an error), so the database
itself holds the file's earlier rows: a loan number repeated in the file is
found by the same index probe that finds one filed last month, and a loan's
running state is read back from its row (or, for a loan the events writer has
moved but not yet written, from the writer's figures: :attr:`StateChecker.moved`),
with its losses and latest date summed by the database over its events. Only
the current batch, the keys of rows that were refused (and so not written) and
a bounded number of moved loans' figures are held in memory — which stays flat
however long the file is.
"""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from zhengkedai.db.ledger_repo import latest_closed
from zhengkedai.db.live import LIVE_EVENT, LIVE_LOAN
from zhengkedai.db.models import ImportFileRow, InstitutionRow, SubsidyRow
from zhengkedai.db.models import LoanRow as LoanTable
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.loans import EventRefused, EventType, LoanState, apply_event
from zhengkedai.domain.money import format_plain
from zhengkedai.domain.periods import period_of
from zhengkedai.domain.subsidy_rules import SUBSIDY_KIND_ZH
from zhengkedai.i18n import _, code_name
from zhengkedai.imports.records import LoanRecord, Record, SubsidyRecord, construct
from zhengkedai.imports.rowerrors import RowError
from zhengkedai.imports.schema import FIELDS, FileKind
from zhengkedai.imports.uscc import uscc_error

# db.live's conditions, spelt for the SQL text below (the rule stays written once)
_LIVE_LOAN = str(LIVE_LOAN.compile())
_LIVE_EVENT = str(LIVE_EVENT.compile())
# the same, as a filter of rows found by loan: never an index search. During an
# import the planner's figures are those of before it (PostgreSQL), and an index
# on withdrawn_at, where nearly every row is NULL, looked like a few rows a probe
_LIVE_EVENT_ROW = f"({_LIVE_EVENT}) IS TRUE"
_LOSS = EventType.LOSS.value


EventRow = tuple[int, str, EventType, dt.date, int, "str | None"]
"""An events file's checked row: (row, loan number, event, date, amount, note)."""


class StateChecker:
    def __init__(self, uow: UnitOfWork, kind: FileKind, file_name: str, filer: str,
                 file_id: int) -> None:
        self.s = uow.s
        self.kind = kind
        self.file = file_name
        self.filer = filer
        self.file_id = file_id  # this file's rows, once written, are found with this id
        # an events batch's loans as loaded before it: loan number -> (id, state)
        self.loaded: dict[str, tuple[int, LoanState]] = {}
        # an events batch's rows to write: row -> (loan id, outstanding, overdue) after it
        self.after: dict[int, tuple[int, int, int]] = {}
        # the loans' outstanding and overdue principal that the events writer holds,
        # not yet written to their rows: loan id -> (outstanding, overdue)
        self.moved: Mapping[int, tuple[int, int]] = {}
        # every month up to the latest closed one is closed (see LedgerRepo.check_open)
        self.closed = latest_closed(uow)
        self.labels = {f.key: f.label() for f in FIELDS[kind]}
        self.institutions = {r.code: r.kind for r in self.s.execute(select(InstitutionRow)).scalars()}
        # keys of refused rows (not written, so not in the database): key -> row
        self.refused: dict[object, int] = {}
        if kind is FileKind.EVENTS and self.s.get_bind().dialect.name == "postgresql":
            # the checks' per-loan subqueries are planned on the figures of before
            # the file, which can cost them high enough to be compiled (JIT) — a
            # second a statement, for a few milliseconds of work
            self.s.connection().exec_driver_sql("SET LOCAL jit = off")

    def _error(self, row: int, key: str, value: object, message: str) -> RowError:
        return RowError(self.file, row, self.labels.get(key, key), "" if value is None else str(value),
                        message)

    def _closed(self, day: dt.date) -> bool:
        return self.closed is not None and period_of(day) <= self.closed

    def check(self, batch: Sequence[tuple[int, Record]]) -> list[RowError]:
        """Errors of ``batch``; its other rows are for the caller to write before the next batch."""
        if not batch:
            return []
        if self.kind is FileKind.LOANS:
            return self._loans(batch)
        if self.kind is FileKind.EVENTS:
            return self._events(batch)
        return self._subsidies(batch)

    def _first_in_file(self, key: object, row: int, in_batch: dict[object, int],
                       written: tuple[int, int, str] | None) -> int | None:
        """The earlier row of this file with ``key``, if any (and remember this one)."""
        first = in_batch.get(key) or self.refused.get(key)
        if first is None and written is not None and written[0] == self.file_id:
            first = written[1]
        in_batch.setdefault(key, row)
        return first

    # --- loans ------------------------------------------------------------

    def loans_clean_but_for_filed(self, columns: dict[str, list[Any]]) -> bool:
        """Whether a loans batch (as columns) breaks no rule but perhaps "already filed".

        That one rule needs the database; the unique index on
        ``(institution_code, loan_no)`` enforces it on write, so a batch that
        passes here can be written optimistically (see the import service)
        and checked by :meth:`check_loans` only if the write is refused.
        """
        # the same rules as _loans, each asked once per distinct value
        numbers = columns["loan_no"]
        distinct = set(numbers)
        return (len(distinct) == len(numbers) and distinct.isdisjoint(self.refused)
                and not any(self._disbursed_in_closed_month(day)
                            for day in set(columns["disbursed_on"]))
                and not any(self._not_a_guarantor(code)
                            for code in set(columns["guarantor_code"])))

    # Each loan rule that needs no lookup, written once: the message when the
    # value breaks it, else None. The row-by-row check and the fast path above
    # both ask these.

    def _disbursed_in_closed_month(self, day: dt.date) -> str | None:
        if not self._closed(day):
            return None
        return _("month {period} is closed; a loan disbursed in it cannot be filed").format(
            period=period_of(day))

    def _not_a_guarantor(self, code: str | None) -> str | None:
        if not code or self.institutions.get(code) == "guarantor":
            return None
        return _("{code} is not a registered guarantor").format(code=code)

    def check_loans(self, rows: list[int], columns: dict[str, list[Any]]) -> list[RowError]:
        """:meth:`check` of a loans batch held as columns (field key -> values, one per row).

        Over whole columns, a batch that breaks none of the rules costs one
        lookup and a few set operations; if any row might break one, the rows
        are checked one by one by :meth:`_loans`, so every error is that method's.
        """
        if not rows:
            return []
        filed = self._filed(set(columns["loan_no"]))
        if not filed and self.loans_clean_but_for_filed(columns):
            return []
        keys = list(columns)
        batch = [(row, construct(LoanRecord, dict(zip(keys, values, strict=True))))
                 for row, values in zip(rows, zip(*columns.values(), strict=True), strict=True)]
        return self._loans(batch, filed)

    def _loans(self, batch: Sequence[tuple[int, Record]],
               filed: dict[str, tuple[int, int, str]] | None = None) -> list[RowError]:
        if filed is None:
            filed = self._filed({rec.loan_no for _, rec in batch})  # type: ignore[union-attr]
        errors: list[RowError] = []
        in_batch: dict[object, int] = {}
        for row, rec in batch:
            assert isinstance(rec, LoanRecord)
            before = len(errors)
            where = filed.get(rec.loan_no)
            first = self._first_in_file(rec.loan_no, row, in_batch, where)
            if first is not None:
                errors.append(self._error(row, "loan_no", rec.loan_no,
                              _("loan number {no} repeats row {first} of this file").format(
                                  no=rec.loan_no, first=first)))
            elif where is not None:
                errors.append(self._error(row, "loan_no", rec.loan_no,
                              _("loan {no} was already filed by {filer} "
                                "(in {file}, row {row})").format(
                                  no=rec.loan_no, filer=self.filer, file=where[2],
                                  row=where[1])))
            if (why := self._disbursed_in_closed_month(rec.disbursed_on)) is not None:
                errors.append(self._error(row, "disbursed_on", rec.disbursed_on, why))
            if (why := self._not_a_guarantor(rec.guarantor_code)) is not None:
                errors.append(self._error(row, "guarantor_code", rec.guarantor_code, why))
            if len(errors) > before:
                self.refused.setdefault(rec.loan_no, row)
        return errors

    def _filed(self, numbers: set[str]) -> dict[str, tuple[int, int, str]]:
        """Where each of ``numbers`` was already filed by the filer: (file id, row, file name)."""
        if not numbers:
            return {}
        if self.s.get_bind().dialect.name == "sqlite":
            # SQLite's planner probes the (institution_code, loan_no) index for
            # each number of the list; the driver gets the statement directly,
            # since compiling an expanding IN of a thousand numbers per batch
            # cost more than running it
            marks = ", ".join("?" * len(numbers))
            found_rows = self.s.connection().exec_driver_sql(
                "SELECT loans.loan_no, loans.file_id, loans.file_row, import_files.filename "
                "FROM loans JOIN import_files ON import_files.id = loans.file_id "
                f"WHERE loans.institution_code = ? AND loans.loan_no IN ({marks}) "
                "AND loans.withdrawn_at IS NULL",
                (self.filer, *numbers))
            return {no: (fid, frow, name) for no, fid, frow, name in found_rows}
        if self.s.get_bind().dialect.name != "postgresql":
            found = select(LoanTable.id).where(LoanTable.institution_code == self.filer,
                                               LoanTable.loan_no.in_(numbers), LIVE_LOAN)
            ids = list(self.s.execute(found).scalars())
        else:
            # On PostgreSQL, `loan_no IN (...)` is a prepared statement after five
            # batches, and its generic plan, made while the file's own rows were
            # not yet counted, filtered every loan of the filer against the whole
            # list: quadratic in the file's length (285 s for 100,000 rows). A
            # scalar subquery per number is one probe of the unique index,
            # whatever the statistics say. It goes to the driver as SQL text:
            # building and compiling the statement per batch cost four times
            # the 2-3 ms the server spends on it.
            ids = [i for (i,) in self.s.connection().exec_driver_sql(
                "SELECT (SELECT loans.id FROM loans WHERE loans.institution_code = %(filer)s "
                "AND loans.loan_no = wanted.no AND loans.withdrawn_at IS NULL) "
                "FROM unnest(%(numbers)s::VARCHAR[]) AS wanted(no)",
                {"filer": self.filer, "numbers": sorted(numbers)}) if i is not None]
        if not ids:
            return {}
        rows = self.s.execute(
            select(LoanTable.loan_no, LoanTable.file_id, LoanTable.file_row, ImportFileRow.filename)
            .join(ImportFileRow, ImportFileRow.id == LoanTable.file_id)
            .where(LoanTable.id.in_(ids)))
        return {no: (fid, frow, name) for no, fid, frow, name in rows}

    # --- events -----------------------------------------------------------

    def _load(self, numbers: set[str]) -> dict[str, tuple[int, dt.date, LoanState, dt.date | None]]:
        """Each loan's state as the database holds it now (earlier batches written).

        One query a batch: the filer's live loans among ``numbers``, each with
        its running outstanding and overdue principal and, summed by the
        database over the loan's live events, its confirmed losses and its
        latest event date — no event row comes back (a loan's earlier events
        were read back, every batch, 150,000 rows for a 100,000-row file). It
        goes to the driver as SQL text, one index probe per number: compiling
        an expanding ``IN`` of a thousand values cost more than running it,
        and on PostgreSQL a generic plan for ``IN`` lists may scan (see ``_filed``).
        """
        conn = self.s.connection()
        wanted = sorted(numbers)
        facts = (f"(SELECT max(loan_events.occurred_on) FROM loan_events "
                 f"WHERE loan_events.loan_id = loans.id AND {_LIVE_EVENT_ROW}), "
                 f"(SELECT sum(loan_events.amount_fen) FROM loan_events "
                 f"WHERE loan_events.loan_id = loans.id AND loan_events.event = '{_LOSS}' "
                 f"AND {_LIVE_EVENT_ROW})")
        if conn.dialect.name == "postgresql":
            # LATERAL … OFFSET 0: a probe of the unique index per number; a join was
            # planned as a hash of every loan of the ledger, for a thousand of them
            rows = conn.exec_driver_sql(
                "SELECT l.* FROM unnest(%(numbers)s::VARCHAR[]) AS w(no) CROSS JOIN LATERAL "
                "(SELECT loans.id, loans.loan_no, loans.disbursed_on, loans.outstanding_fen, "
                f"loans.overdue_fen, {facts} FROM loans WHERE loans.institution_code = "
                f"%(filer)s AND loans.loan_no = w.no AND {_LIVE_LOAN} OFFSET 0) AS l",
                {"filer": self.filer, "numbers": wanted}).all()
        else:
            rows = conn.exec_driver_sql(
                "SELECT loans.id, loans.loan_no, loans.disbursed_on, loans.outstanding_fen, "
                f"loans.overdue_fen, {facts} FROM loans WHERE loans.institution_code = ? "
                f"AND loans.loan_no IN ({', '.join('?' * len(wanted))}) AND {_LIVE_LOAN}",
                (self.filer, *wanted)).all()
        moved = self.moved
        found = {}
        for loan_id, no, disbursed, outstanding, overdue, last, losses in rows:
            if loan_id in moved:
                outstanding, overdue = moved[loan_id]
            found[no] = (loan_id, _day(disbursed), LoanState(outstanding, overdue, losses or 0),
                         None if last is None else _day(last))
        return found

    def _earlier(self, keys: set[tuple[int, str, dt.date, int]]
                 ) -> dict[tuple[int, str, dt.date, int], tuple[int, int]]:
        """Where an earlier file filed an event identical to each of ``keys`` (loan id,
        kind, date, amount), if one did: (file id, row) of the first filed.

        Found by the database, one probe of the loan's events of that date per
        key; only the matches come back (SPEC 4: a file re-saved by a
        spreadsheet books nothing twice).
        """
        if not keys:
            return {}
        conn = self.s.connection()
        ordered = sorted(keys)
        same = ("SELECT loan_events.loan_id, loan_events.event, loan_events.occurred_on, "
                "loan_events.amount_fen, loan_events.file_id, loan_events.file_row, "
                "loan_events.id FROM loan_events WHERE loan_events.loan_id = b.loan_id "
                "AND loan_events.occurred_on = b.day AND loan_events.event = b.event "
                "AND loan_events.amount_fen = b.amount AND loan_events.file_id <> {file} "
                f"AND {_LIVE_EVENT_ROW}")
        if conn.dialect.name == "postgresql":
            # LATERAL … OFFSET 0: a probe per key, never a join the planner might
            # make a scan of every event (its figures are those of before the file)
            parts = [conn.exec_driver_sql(
                "SELECT e.* FROM unnest(%(ids)s::INTEGER[], %(events)s::VARCHAR[], %(days)s::DATE[], "
                "%(amounts)s::BIGINT[]) AS b(loan_id, event, day, amount) "
                f"CROSS JOIN LATERAL ({same.format(file='%(file)s')} OFFSET 0) AS e "
                "ORDER BY e.id",
                {"ids": [k[0] for k in ordered], "events": [k[1] for k in ordered],
                 "days": [k[2] for k in ordered], "amounts": [k[3] for k in ordered],
                 "file": self.file_id}).all()]
        else:
            driver = conn.connection.driver_connection
            # as many keys a statement as SQLite's limit on bound values allows
            step = max(1, (driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - 1)  # type: ignore[union-attr]
                       // 4)
            parts = []
            for start in range(0, len(ordered), step):
                part = ordered[start:start + step]
                parts.append(conn.exec_driver_sql(
                    "WITH b(loan_id, event, day, amount) AS (VALUES "
                    + ", ".join(["(?, ?, ?, ?)"] * len(part)) + ") "
                    # CROSS JOIN: the keys outside, each a probe of (loan, date); left to
                    # itself the planner scanned every event for each of a thousand keys
                    f"{same.format(file='?')} ORDER BY loan_events.id".replace(
                        "FROM loan_events WHERE", "FROM b CROSS JOIN loan_events WHERE"),
                    (*(v for k in part for v in (k[0], k[1], k[2].isoformat(), k[3])),
                     self.file_id)).all())
        found: dict[tuple[int, str, dt.date, int], tuple[int, int]] = {}
        for rows in parts:
            for loan_id, event, day, amount, file_id, file_row, _id in rows:
                found.setdefault((loan_id, event, _day(day), amount), (file_id, file_row))
        return found

    def _elsewhere(self, numbers: set[str]) -> dict[str, str]:
        """Which other institution filed each of ``numbers`` (the first filed), if any."""
        if not numbers:
            return {}
        found: dict[str, str] = {}
        for number, code in self.s.execute(
                select(LoanTable.loan_no, LoanTable.institution_code)
                .where(LoanTable.loan_no.in_(numbers), LIVE_LOAN)
                .order_by(LoanTable.loan_no, LoanTable.id)):
            found.setdefault(number, code)
        return found

    def _file_names(self, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        return dict(self.s.execute(select(ImportFileRow.id, ImportFileRow.filename)
                                   .where(ImportFileRow.id.in_(ids))).tuples().all())

    def _events(self, batch: Sequence[tuple[int, Record]]) -> list[RowError]:
        return self.check_events([(row, rec.loan_no, rec.event, rec.occurred_on,  # type: ignore[union-attr]
                                   rec.amount, rec.note)  # type: ignore[union-attr]
                                  for row, rec in batch])

    def check_events(self, batch: Sequence[EventRow]) -> list[RowError]:
        """:meth:`check` of an events batch given as :data:`EventRow` tuples, not records.

        Sets :attr:`loaded` (the batch's loans before it) and :attr:`after`
        (each row that will be written: its loan and the loan's outstanding
        and overdue principal after it), from which the writer writes.
        """
        numbers = {no for _, no, *_rest in batch}
        loans = self._load(numbers)
        # the loans' states before the batch, and after each row: the writer
        # takes them from here (no second read of the loans, no second replay)
        self.loaded = {no: (known[0], known[2]) for no, known in loans.items()}
        after: dict[int, tuple[int, int, int]] = {}
        self.after = after
        elsewhere = self._elsewhere(numbers - loans.keys())
        # SPEC 4: a row identical to one an earlier file filed (same loan, kind,
        # date, amount) is an error, so a file re-saved by a spreadsheet (other
        # line endings, a BOM: other bytes) books nothing twice:
        # (loan id, kind, date, amount) -> (file, row)
        earlier = self._earlier({(loans[no][0], event.value, day, amount)
                                 for _, no, event, day, amount, _note in batch if no in loans})
        names: dict[int, str] = {}
        errors: list[RowError] = []
        for row, no, event, day, amount, _note in batch:
            known = loans.get(no)
            if known is None:
                other = elsewhere.get(no)
                why = (_("loan {no} was filed by another institution ({other}), "
                         "not {filer}").format(no=no, other=other, filer=self.filer)
                       if other else
                       _("no loan {no} has been filed by {filer}").format(
                           no=no, filer=self.filer))
                errors.append(self._error(row, "loan_no", no, why))
                continue
            loan_id, disbursed, state, last = known
            same = earlier.get((loan_id, event.value, day, amount)) if earlier else None
            if same is not None:
                if same[0] not in names:
                    names.update(self._file_names({f for f, _ in earlier.values()}))
                errors.append(self._error(
                    row, "loan_no", no,
                    _("the same {event} of {amount} on {on} for loan {no} was already filed "
                      "by {filer} (in {file}, row {row})").format(
                        event=_(event.value), amount=format_plain(amount),
                        on=day.isoformat(), no=no, filer=self.filer,
                        file=names[same[0]], row=same[1])))
                continue
            before = len(errors)
            if day < disbursed:
                errors.append(self._error(row, "occurred_on", day,
                              _("before the loan's disbursement on {on}").format(
                                  on=disbursed)))
            elif last is not None and day < last:
                errors.append(self._error(row, "occurred_on", day,
                              _("before the loan's latest event on {on}; events are filed "
                                "in date order").format(on=last)))
            if self._closed(day):
                errors.append(self._error(row, "occurred_on", day,
                              _("month {period} is closed").format(period=period_of(day))))
            try:
                new_state = apply_event(state, event, amount)
            except EventRefused as exc:
                errors.append(self._error(row, "amount", format_plain(amount), str(exc)))
                continue
            if len(errors) == before:  # the row will be written: later rows see its effect
                loans[no] = (loan_id, disbursed, new_state, day)
                after[row] = (loan_id, new_state.outstanding, new_state.overdue)
        return errors

    # --- subsidies ----------------------------------------------------------

    def _subsidies(self, batch: Sequence[tuple[int, Record]]) -> list[RowError]:
        refs = {rec.reference for _, rec in batch}  # type: ignore[union-attr]
        taken = {(b, k, r): (fid, frow, name or "") for b, k, r, fid, frow, name in self.s.execute(
            select(SubsidyRow.beneficiary, SubsidyRow.kind, SubsidyRow.reference,
                   SubsidyRow.file_id, SubsidyRow.file_row, ImportFileRow.filename)
            .outerjoin(ImportFileRow, ImportFileRow.id == SubsidyRow.file_id)
            .where(SubsidyRow.reference.in_(refs)))}
        errors: list[RowError] = []
        in_batch: dict[object, int] = {}
        for row, rec in batch:
            assert isinstance(rec, SubsidyRecord)
            before = len(errors)
            key = (rec.beneficiary, rec.kind.value, rec.reference)
            where = taken.get(key)
            first = self._first_in_file(key, row, in_batch, where)
            if first is not None:
                errors.append(self._error(row, "reference", rec.reference,
                              _("reference {ref} repeats row {first} for the same "
                                "beneficiary and {kind}").format(
                                  ref=rec.reference, first=first,
                                  kind=code_name(SUBSIDY_KIND_ZH, rec.kind))))
            elif where is not None:
                errors.append(self._error(row, "reference", rec.reference,
                              _("voucher {ref} was already filed for {who} "
                                "({kind}) (in {file}, row {row})").format(
                                  ref=rec.reference, who=rec.beneficiary,
                                  kind=code_name(SUBSIDY_KIND_ZH, rec.kind), file=where[2],
                                  row=where[1])))
            if rec.kind.value == "investment_risk":
                if self.institutions.get(rec.beneficiary) != "investor":
                    errors.append(self._error(row, "beneficiary", rec.beneficiary,
                                  _("{code} is not a registered investment institution "
                                    "(kind investor)").format(code=rec.beneficiary)))
            elif (why := uscc_error(rec.beneficiary)) is not None:
                errors.append(self._error(row, "beneficiary", rec.beneficiary,
                              _("an enterprise's unified social credit code is needed: "
                                "{why}").format(why=why)))
            if len(errors) > before:
                self.refused.setdefault(key, row)
        return errors


@functools.lru_cache(maxsize=4096)  # a ledger has few distinct dates, met again and again
def _day(value: dt.date | str) -> dt.date:
    """A date as the driver returns it (SQLite: ISO text)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value
