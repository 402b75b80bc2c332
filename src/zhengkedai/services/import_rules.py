"""The ledger-state rules of an input file, checked row by row in file order.

The row parsers (``zhengkedai.imports``) know a row; these rules know the
books: what is already filed, which months are closed, each loan's outstanding
principal as the earlier rows of the same file leave it. Each batch is looked
up with one query per table, and the running state of every loan the file
touches is kept, so a repayment in row 9 sees the loss in row 4.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ARRAY, String, bindparam, func, select

from ..db.models import ImportFileRow, InstitutionRow, LoanEventRow, MonthRow, SubsidyRow
from ..db.models import LoanRow as LoanTable
from ..db.uow import UnitOfWork
from ..domain.loans import EventRefused, EventType, LoanState, apply_event
from ..domain.money import format_plain
from ..domain.periods import period_of
from ..imports.records import EventRow, LoanRow, Record
from ..imports.records import SubsidyRow as SubsidyRecord
from ..imports.rowerrors import RowError
from ..imports.schema import FIELDS, FileKind
from ..imports.uscc import uscc_error


class StateChecker:
    def __init__(self, uow: UnitOfWork, kind: FileKind, file_name: str, filer: str) -> None:
        self.s = uow.s
        self.kind = kind
        self.file = file_name
        self.filer = filer
        self.closed = set(self.s.execute(select(MonthRow.period)).scalars())
        self.labels = {f.key: f.label() for f in FIELDS[kind]}
        self.institutions = {r.code: r.kind for r in self.s.execute(select(InstitutionRow)).scalars()}
        # loan_no -> (loan id, disbursed_on, state, last event date) for loans this file touched
        self.loans: dict[str, tuple[int, dt.date, LoanState, dt.date | None]] = {}
        # loan numbers of this file already checked: a repeat is the row parser's
        # "repeated in this file" error, not "already filed" (the first may be written)
        self.seen: set[str] = set()

    def _error(self, row: int, key: str, value: object, message: str) -> RowError:
        return RowError(self.file, row, self.labels.get(key, key), "" if value is None else str(value),
                        message)

    def _closed(self, day: dt.date) -> bool:
        return period_of(day) in self.closed

    def check(self, batch: Sequence[tuple[int, Record]]) -> list[RowError]:
        if not batch:
            return []
        if self.kind is FileKind.LOANS:
            return self._loans(batch)
        if self.kind is FileKind.EVENTS:
            return self._events(batch)
        return self._subsidies(batch)

    # --- loans ------------------------------------------------------------

    def _loans(self, batch: Sequence[tuple[int, Record]]) -> list[RowError]:
        numbers = {rec.loan_no for _, rec in batch}  # type: ignore[union-attr]
        filed = self._filed(numbers)
        errors = []
        for row, rec in batch:
            assert isinstance(rec, LoanRow)
            if rec.loan_no in filed and rec.loan_no not in self.seen:
                errors.append(self._error(row, "loan_no", rec.loan_no,
                              f"loan {rec.loan_no} was already filed by {self.filer} "
                              f"(in {filed[rec.loan_no]})"))
            if self._closed(rec.disbursed_on):
                errors.append(self._error(row, "disbursed_on", rec.disbursed_on,
                              f"month {period_of(rec.disbursed_on)} is closed; a loan disbursed "
                              "in it cannot be filed"))
            if rec.guarantor_code and self.institutions.get(rec.guarantor_code) != "guarantor":
                errors.append(self._error(row, "guarantor_code", rec.guarantor_code,
                              f"{rec.guarantor_code} is not a registered guarantor"))
            self.seen.add(rec.loan_no)
        return errors

    def _filed(self, numbers: set[str]) -> dict[str, str]:
        """The file name of each of ``numbers`` already filed by the filer."""
        if self.s.get_bind().dialect.name != "postgresql":
            return dict(self.s.execute(  # type: ignore[arg-type]
                select(LoanTable.loan_no, ImportFileRow.filename)
                .join(ImportFileRow, ImportFileRow.id == LoanTable.file_id)
                .where(LoanTable.institution_code == self.filer, LoanTable.loan_no.in_(numbers))
            ).all())
        # On PostgreSQL, `loan_no IN (...)` is a prepared statement after five
        # batches, and its generic plan, made while the file's own rows were
        # not yet counted, filtered every loan of the filer against the whole
        # list: quadratic in the file's length (285 s for 100,000 rows). A
        # scalar subquery per number is one probe of the unique index, whatever
        # the statistics say.
        wanted = (func.unnest(bindparam("numbers", sorted(numbers), type_=ARRAY(String)))
                  .table_valued("no").render_derived(name="wanted"))
        name = (select(ImportFileRow.filename)
                .join(LoanTable, ImportFileRow.id == LoanTable.file_id)
                .where(LoanTable.institution_code == self.filer, LoanTable.loan_no == wanted.c.no)
                .scalar_subquery())
        return {no: filename for no, filename in self.s.execute(select(wanted.c.no, name))
                if filename is not None}

    # --- events -----------------------------------------------------------

    def _load(self, numbers: set[str]) -> None:
        wanted = numbers - set(self.loans)
        if not wanted:
            return
        rows = self.s.execute(
            select(LoanTable.id, LoanTable.loan_no, LoanTable.disbursed_on,
                   LoanTable.outstanding_fen, LoanTable.overdue_fen)
            .where(LoanTable.institution_code == self.filer, LoanTable.loan_no.in_(wanted))
        ).all()
        ids = [r.id for r in rows]
        losses: dict[int, int] = dict(self.s.execute(  # type: ignore[arg-type]
            select(LoanEventRow.loan_id, func.sum(LoanEventRow.amount_fen))
            .where(LoanEventRow.loan_id.in_(ids), LoanEventRow.event == EventType.LOSS.value)
            .group_by(LoanEventRow.loan_id)).all()) if ids else {}
        last: dict[int, dt.date] = dict(self.s.execute(  # type: ignore[arg-type]
            select(LoanEventRow.loan_id, func.max(LoanEventRow.occurred_on))
            .where(LoanEventRow.loan_id.in_(ids)).group_by(LoanEventRow.loan_id)).all()) if ids else {}
        for r in rows:
            state = LoanState(r.outstanding_fen, r.overdue_fen, int(losses.get(r.id, 0)))
            self.loans[r.loan_no] = (r.id, r.disbursed_on, state, last.get(r.id))

    def _elsewhere(self, loan_no: str) -> str | None:
        return self.s.execute(
            select(LoanTable.institution_code).where(LoanTable.loan_no == loan_no).limit(1)
        ).scalar_one_or_none()

    def _events(self, batch: Sequence[tuple[int, Record]]) -> list[RowError]:
        self._load({rec.loan_no for _, rec in batch})  # type: ignore[union-attr]
        errors = []
        for row, rec in batch:
            assert isinstance(rec, EventRow)
            known = self.loans.get(rec.loan_no)
            if known is None:
                other = self._elsewhere(rec.loan_no)
                why = (f"loan {rec.loan_no} was filed by another institution ({other}), "
                       f"not {self.filer}" if other else
                       f"no loan {rec.loan_no} has been filed by {self.filer}")
                errors.append(self._error(row, "loan_no", rec.loan_no, why))
                continue
            loan_id, disbursed, state, last = known
            before = len(errors)
            if rec.occurred_on < disbursed:
                errors.append(self._error(row, "occurred_on", rec.occurred_on,
                              f"before the loan's disbursement on {disbursed}"))
            elif last is not None and rec.occurred_on < last:
                errors.append(self._error(row, "occurred_on", rec.occurred_on,
                              f"before the loan's latest event on {last}; events are filed "
                              "in date order"))
            if self._closed(rec.occurred_on):
                errors.append(self._error(row, "occurred_on", rec.occurred_on,
                              f"month {period_of(rec.occurred_on)} is closed"))
            try:
                new_state = apply_event(state, rec.event, rec.amount)
            except EventRefused as exc:
                errors.append(self._error(row, "amount", format_plain(rec.amount),
                                          str(exc)))
                continue
            if len(errors) == before:
                self.loans[rec.loan_no] = (loan_id, disbursed, new_state, rec.occurred_on)
        return errors

    # --- subsidies ----------------------------------------------------------

    def _subsidies(self, batch: Sequence[tuple[int, Record]]) -> list[RowError]:
        refs = {rec.reference for _, rec in batch}  # type: ignore[union-attr]
        taken = set(self.s.execute(
            select(SubsidyRow.beneficiary, SubsidyRow.kind, SubsidyRow.reference)
            .where(SubsidyRow.reference.in_(refs))).tuples())
        errors = []
        for row, rec in batch:
            assert isinstance(rec, SubsidyRecord)
            if (rec.beneficiary, rec.kind.value, rec.reference) in taken:
                errors.append(self._error(row, "reference", rec.reference,
                              f"voucher {rec.reference} was already filed for {rec.beneficiary} "
                              f"({rec.kind.value})"))
            if rec.kind.value == "investment_risk":
                if self.institutions.get(rec.beneficiary) != "investor":
                    errors.append(self._error(row, "beneficiary", rec.beneficiary,
                                  f"{rec.beneficiary} is not a registered investment institution "
                                  "(kind investor)"))
            elif (why := uscc_error(rec.beneficiary)) is not None:
                errors.append(self._error(row, "beneficiary", rec.beneficiary,
                              f"an enterprise's unified social credit code is needed: {why}"))
        return errors
