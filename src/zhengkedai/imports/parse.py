"""Reading a whole input file: kind, encoding, header, then rows as records or errors.

:func:`read_file` opens the file and finds its header (reading only the first
rows); the rows are read lazily afterwards, so a file of any length is handled
in flat memory (apart from the loan numbers and references remembered for the
in-file duplicate rules).

How the importing service consumes it — two passes over the file:

1. ``errors = parsed.check()`` reads every row and returns every error of the
   file (header problems first, then rows in file order). If there are any,
   the file is rejected and nothing is written.
2. ``for batch in parsed.batches(1000): ...`` reads the file again and yields
   lists of :class:`ParsedRow` ``(row, record)`` in file order; the service
   applies its ledger rules and writes each batch inside one transaction. If
   the file changed between the passes so that an error appears, ``batches``
   raises :class:`FileRejected` (roll back).

A service that prefers a single pass can iterate :meth:`ParsedFile.results`
(each row's record or errors) inside its transaction and roll back at the end
if any error was seen. :meth:`ParsedFile.chunks` gives the same outcomes a
thousand rows at a time, the valid rows as columns rather than records (the
import service's loans path, which only copies the values into the database).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

from ..domain import money
from ..i18n import _, ngettext
from .columns import EXCEL_1904, is_blank
from .eligibility import DEFAULT_RULES, EligibilityRules
from .headers import Header, find_header
from .readers import Cell, FileRejected, Source, open_source
from .records import Record, construct
from .rowerrors import RowError
from .schema import RECORD_TYPES, FileKind
from .validate import RowValidator, RulesOn


class ParsedRow(NamedTuple):
    """A valid row: its spreadsheet row number and its record."""

    row: int
    record: Record


class RowResult(NamedTuple):
    """One data row's outcome: a record, or its errors (exactly one is set)."""

    row: int
    record: Record | None
    errors: tuple[RowError, ...]


@dataclass(frozen=True)
class Chunk:
    """Consecutive data rows of a file, validated together (see :meth:`ParsedFile.chunks`).

    ``columns`` maps each field key, in a record's field order, to the values
    of the valid rows ``rows``; ``errors`` are the other rows' errors, in file
    order; ``read`` counts the non-empty data rows of the chunk; ``totals``
    are the numbers of the totals rows skipped (合计, 总计, 小计).
    """

    read: int
    rows: list[int]
    columns: dict[str, list[Any]]
    errors: list[RowError]
    model: type[Record]
    totals: tuple[int, ...] = ()

    def records(self) -> list[ParsedRow]:
        """The valid rows as records, in file order."""
        model, keys = self.model, list(self.columns)
        if not keys:
            return [ParsedRow(row, construct(model, {})) for row in self.rows]
        return [ParsedRow(row, construct(model, dict(zip(keys, values, strict=True))))
                for row, values in zip(self.rows, zip(*self.columns.values(), strict=True),
                                       strict=True)]

    def results(self) -> Iterator[RowResult]:
        """Each row's outcome, in file order."""
        refused = [RowResult(row, None, tuple(errors))
                   for row, errors in groupby(self.errors, key=attrgetter("row"))]
        i, end = 0, len(refused)
        for row, record in self.records():
            while i < end and refused[i].row < row:
                yield refused[i]
                i += 1
            yield RowResult(row, record, ())
        yield from refused[i:]


TOTALS = frozenset({"合计", "总计", "小计"})
_TOTALS_START = frozenset("合总小")


def _first_text(cells: list[Cell]) -> str | None:
    for cell in cells:
        if cell is not None and not (cell.__class__ is str and (not cell or cell.isspace())):
            return cell if isinstance(cell, str) else None
    return None


def is_totals(cells: list[Cell]) -> bool:
    """A totals row: its first non-empty cell is 合计, 总计 or 小计 (spaces ignored, 合 计)."""
    text = _first_text(cells)
    return text is not None and "".join(text.split()).rstrip(":：") in TOTALS


def _data(first: int, rows: list[list[Cell]],
          header_row: int) -> tuple[list[int], list[list[Cell]], tuple[int, ...]]:
    """The numbers and cells of the rows below the header that are not blank, and
    the numbers of the totals rows (skipped)."""
    if first <= header_row:
        skip = header_row - first + 1
        return (_data(header_row + 1, rows[skip:], header_row) if skip < len(rows)
                else ([], [], ()))
    # a row whose first cell has text is not blank (and it is a totals row only
    # if that text begins 合, 总 or 小): the test for nearly every row
    keep = [i for i, cells in enumerate(rows)
            if cells and (c := cells[0]).__class__ is str and c and not c.isspace()
            and c.lstrip()[0] not in _TOTALS_START
            or not is_blank(cells) and not is_totals(cells)]
    if len(keep) == len(rows):
        return list(range(first, first + len(rows))), rows, ()
    kept = set(keep)
    totals = tuple(first + i for i, cells in enumerate(rows)
                   if i not in kept and not is_blank(cells))
    return [first + i for i in keep], [rows[i] for i in keep], totals


@dataclass(frozen=True)
class ParsedFile:
    """An input file whose header has been read; its rows are read on demand."""

    source: Source
    header: Header
    rules_on: RulesOn

    @property
    def kind(self) -> FileKind:
        return self.header.kind

    @property
    def name(self) -> str:
        return self.source.path.name

    @property
    def encoding(self) -> str | None:
        """``utf-8``, ``utf-8-sig`` or ``gb18030`` for CSV; None for XLSX."""
        return self.source.encoding

    @property
    def header_errors(self) -> tuple[RowError, ...]:
        return tuple(RowError(self.name, self.header.row, p.column, "", p.message)
                     for p in self.header.problems)

    @property
    def notes(self) -> list[str]:
        """What the reader decided, for the user: encoding or sheet, skipped title rows."""
        notes = [self.source.note]
        if self.header.title_rows:
            notes.append(ngettext("skipped {count} title row above the header (row {row})",
                                  "skipped {count} title rows above the header (row {row})",
                                  self.header.title_rows).format(count=self.header.title_rows,
                                                                 row=self.header.row))
        if (ignored := self.header.ignored_note) is not None:
            notes.append(ignored)
        return notes

    def results(self, *, track_duplicates: bool = True) -> Iterator[RowResult]:
        """Every non-empty data row's outcome, in file order (one pass over the file).

        ``track_duplicates=False`` leaves the in-file repeat rules (loan number,
        subsidy reference) to the caller, and memory flat however long the file.
        """
        for chunk in self.chunks(track_duplicates=track_duplicates):
            yield from chunk.results()

    def chunks(self, size: int = 1000, *, track_duplicates: bool = True) -> Iterator[Chunk]:
        """The rows of :meth:`results`, read and validated ``size`` file rows at a time.

        Each chunk holds its valid rows as columns (no record per row until
        :meth:`Chunk.records` is asked for) and the other rows' errors; the
        outcomes are exactly those of :meth:`results`.
        """
        validator = RowValidator(self.name, self.header, self.rules_on,
                                 track_duplicates=track_duplicates)
        model = RECORD_TYPES[self.kind]
        start, text = self.header.row, self.source.format == "csv"
        for first, raw in self.source.row_chunks(size):
            numbers, rows, totals = _data(first, raw, start)
            checked = validator.validate_rows(numbers, rows, text=text)
            yield Chunk(len(rows), checked.rows, checked.columns, checked.errors, model, totals)

    def check(self, max_errors: int | None = None) -> list[RowError]:
        """Every error of the file (header first, then rows), reading it all; [] when clean.

        ``max_errors`` stops collecting (not reading) after that many.
        """
        errors = list(self.header_errors)
        for result in self.results():
            if result.errors and (max_errors is None or len(errors) < max_errors):
                errors.extend(result.errors)
        return errors if max_errors is None else errors[:max_errors]

    def batches(self, size: int = 1000) -> Iterator[list[ParsedRow]]:
        """Valid records in file order, ``size`` at a time. Call after a clean :meth:`check`.

        Raises:
            FileRejected: the file has an error (its first is named).
        """
        if self.header.problems:
            raise FileRejected(str(self.header_errors[0]))
        batch: list[ParsedRow] = []
        for result in self.results():
            if result.record is None:
                raise FileRejected(_("{error}; run check() first").format(error=result.errors[0]))
            batch.append(ParsedRow(result.row, result.record))
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    def count_rows(self) -> int:
        """Number of non-empty data rows (reads the raw rows, without validating)."""
        start = self.header.row
        return sum(1 for number, cells in self.source.rows()
                   if number > start and not is_blank(cells) and not is_totals(cells))


def totals_note(rows: list[int]) -> list[str]:
    """``skipped 1 totals row (合计/总计/小计): row 25``, or nothing."""
    if not rows:
        return []
    shown = ", ".join(map(str, rows[:10])) + (
        _(" and {count} more").format(count=len(rows) - 10) if len(rows) > 10 else "")
    return [ngettext("skipped {count} totals row (合计/总计/小计): row {rows}",
                     "skipped {count} totals rows (合计/总计/小计): rows {rows}",
                     len(rows)).format(count=len(rows), rows=shown)]


# A programme loan of less than 1,000 yuan is implausible: most likely the
# amount was written in 万元 under a header in 元 (SPEC 12: a note, not a refusal).
PLAUSIBLE_PRINCIPAL = 100_000  # fen


def small_principals(chunk: Chunk) -> list[tuple[int, int]]:
    """``(row, principal)`` of the chunk's valid loans under :data:`PLAUSIBLE_PRINCIPAL`."""
    principals = chunk.columns.get("principal")
    if not principals:
        return []
    return [(row, fen) for row, fen in zip(chunk.rows, principals, strict=True)
            if fen < PLAUSIBLE_PRINCIPAL]


def small_principals_note(found: list[tuple[int, int]]) -> list[str]:
    """A plausibility note for principals that look like 万元 in a 元 column, or nothing."""
    if not found:
        return []
    shown = ", ".join(f"{row} ({money.format_grouped(fen)})" for row, fen in found[:10]) + (
        _(" and {count} more").format(count=len(found) - 10) if len(found) > 10 else "")
    return [ngettext(
        "check row {rows}: a principal under 1,000.00 yuan looks like an amount in 万元 in a "
        "column in 元; if so, write the unit in the header (贷款金额（万元）) and submit again",
        "check rows {rows}: principals under 1,000.00 yuan look like amounts in 万元 in a "
        "column in 元; if so, write the unit in the header (贷款金额（万元）) and submit again",
        len(found)).format(rows=shown)]


def read_file(path: str | Path, *, sheet: str | None = None,
              eligibility: EligibilityRules | RulesOn = DEFAULT_RULES,
              strict: bool = False, today: dt.date | None = None) -> ParsedFile:
    """Open an input file and read its header; rows are read by ``check``/``batches``.

    Args:
        path: a CSV (UTF-8, UTF-8 with BOM or GB18030) or XLSX file.
        sheet: the XLSX sheet to read (default: the first).
        eligibility: the eligibility parameters, or a function giving those in
            force on a loan's disbursement date.
        strict: columns the file's kind does not know are a header problem
            (by default they are ignored and named in a note).
        today: the day the file is filed (Zhengzhou time): no date of
            something done (disbursement, event, application) may be after it.

    Raises:
        FileRejected: the file cannot be read or has no recognisable header.
    """
    source = open_source(path, sheet=sheet)
    rules_on: RulesOn = (eligibility if callable(eligibility)
                         else (lambda _day, r=eligibility: r))  # type: ignore[misc]
    rows = source.rows()
    try:
        header, _rest = find_header(rows, source.path.name, strict=strict, today=today)
    except FileRejected as exc:  # no header: say how it was read (a wrong encoding shows)
        raise FileRejected(str(exc), (source.note,)) from None
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    if source.date_1904:
        header = header.counting_serials_from(EXCEL_1904)
    return ParsedFile(source, header, rules_on)
