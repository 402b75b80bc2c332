"""Readers: a CSV or XLSX file as a lazy stream of raw rows.

A :class:`Source` knows how to (re)open its file and yields ``(row_number,
cells)`` pairs, one row at a time. ``row_number`` is the 1-based row as a
spreadsheet shows it: for CSV the record's position (a quoted cell spanning
lines is still one row), for XLSX the sheet's row number. Both are streamed,
so memory stays flat however long the file: a CSV a record at a time, an
XLSX sheet a slice of rows at a time, each parsed by python-calamine (Rust,
about ten times openpyxl's speed; :mod:`.xlsxsheet`), and its rows then
converted one at a time.

Cells are never ``float``: CSV cells are ``str``; XLSX cells are ``None``,
``str``, ``int`` (a whole number below 2**53), ``Decimal`` (other numbers,
read through 15 significant digits, the most Excel keeps and shows: a
formula's 1234.5600000000002 is the 1,234.56 on screen), ``bool``,
``datetime`` (date cells), ``time`` or ``timedelta``. A number cell
formatted as a percentage is yielded as text ``"3.85%"`` so that 0.0385
shown as 3.85% means 3.85%; an error cell as its text (``"#N/A"``), which the
parsers refuse. calamine tells neither (:mod:`.xlsxcells` finds them).
Excel's escapes of control characters in text (``_x000D_``) are read as the
characters they stand for, as Excel shows them (openpyxl left them as written).

:func:`metered` counts progress by bytes read, not by a first pass over the
file: the bytes of a CSV taken so far, the rows of an XLSX sheet read so far
(the part of its XML read) in proportion to the file's bytes.

CSV encodings: UTF-8 (with or without BOM) is tried strictly over the whole
file first, streaming; then GB18030. The encoding used is reported.
File-level problems raise :class:`FileRejected` with a one-line reason.

The kind of file is told by its content, not its name: a zip archive is an
XLSX workbook (an XLSX saved as ``.csv`` is read as XLSX), text is CSV.
A workbook is refused before anything of it is unpacked when it would unpack
to more than :data:`MAX_UNPACKED` bytes, or an entry would grow more than
:data:`MAX_RATIO` times (a zip bomb), and while read when its sheet passes
:data:`MAX_CELLS` cells. Without ``--sheet``, the first visible worksheet is
read; hidden and very hidden sheets and chart sheets are skipped and named.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import mmap
import struct
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from ..domain.errors import ZkdError
from ..i18n import N_, _, ngettext
from . import xlsxcells, xlsxsheet

T = TypeVar("T")
Cell = str | int | Decimal | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None
RawRow = tuple[int, list[Cell]]
Rows = list[list[Cell]]

_CHUNK = 1 << 16
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")

# A workbook of a million loans unpacks to about 600 MB of XML; more than this
# is not a bank's file. A real sheet's XML compresses 5 to 50 times; a zip bomb,
# thousands of times.
MAX_UNPACKED = 1 << 30
MAX_RATIO = 200
_RATIO_FLOOR = 16 << 20  # entries smaller than this are not worth the ratio test
MAX_ENTRIES = 10_000
MAX_CELLS = 30_000_000  # 1.8 million rows of 16 columns


ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": N_("UTF-8 with BOM"), "gb18030": "GB18030"}


class FileRejected(ZkdError):
    """The file as a whole cannot be read (encoding, format, sheet, header). One line.

    ``notes`` say how the file was read, when it was (for a missing header, say).
    """

    exit_code = 2

    def __init__(self, message: str, notes: tuple[str, ...] = ()) -> None:
        super().__init__(" ".join(message.split()))
        self.notes = notes


def detect_encoding(path: Path) -> str:
    """``"utf-8-sig"``, ``"utf-8"`` or ``"gb18030"``: the first that decodes the whole file.

    Raises:
        FileRejected: the file is neither, or is UTF-16 (Excel's "Unicode text").
    """
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRejected(_("{file}: UTF-16 text is not supported; save it as CSV UTF-8 or "
                             "XLSX").format(file=path.name))
    failure = ""
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        offset = 0
        try:
            with path.open("rb") as f:
                while chunk := f.read(_CHUNK):
                    decoder.decode(chunk)
                    offset += len(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            failure = _("byte {number}").format(number=offset + exc.start + 1)
            continue
        if encoding == "utf-8" and head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        return encoding
    raise FileRejected(_("{file}: not UTF-8 or GB18030 text (undecodable {where}); save it as "
                         "CSV UTF-8 or XLSX").format(file=path.name, where=failure))


class ReadMeter:
    """How much of the file being read has been read, in bytes of its size.

    The reader tells it as it goes (a chunk of rows at a time), wherever it
    runs: the two figures live in memory shared with a reading process forked
    by :mod:`.prefetch`, so the process that shows progress sees them move.
    Only the pass that reads every row (:meth:`Source.row_chunks`) is told,
    not the glance at the header.
    """

    _FORMAT = "qq"

    def __init__(self) -> None:
        self._shared = mmap.mmap(-1, struct.calcsize(self._FORMAT))  # shared across fork

    def reached(self, done: int, total: int) -> None:
        struct.pack_into(self._FORMAT, self._shared, 0, done, total)

    @property
    def read(self) -> tuple[int, int]:
        """``(bytes read, bytes of the file)``; ``(0, 0)`` before the rows are read."""
        done, total = struct.unpack_from(self._FORMAT, self._shared, 0)
        return done, total


_meter: ContextVar[ReadMeter | None] = ContextVar("zkd_read_meter", default=None)


@contextmanager
def metered() -> Iterator[ReadMeter]:
    """A :class:`ReadMeter` told how far every file read within the block has been read."""
    meter = ReadMeter()
    token = _meter.set(meter)
    try:
        yield meter
    finally:
        _meter.reset(token)


@dataclass(frozen=True)
class Source:
    """An opened-for-reading file: its format, encoding or sheet, and its rows."""

    path: Path
    format: str  # "csv" or "xlsx"
    encoding: str | None = None  # CSV only
    sheet: str | None = None  # XLSX only
    date_1904: bool = False  # XLSX: the workbook counts date serials from 1904
    skipped: str = ""  # XLSX: the sheets passed over, in words ("hidden sheet 'x'")
    # XLSX: the workbook, its sheet parsed once for the header and the rows
    workbook: _Workbook = field(default=None, compare=False, repr=False)  # type: ignore[assignment]

    @property
    def note(self) -> str:
        """How the file is read, for the user: ``read as CSV, GB18030``."""
        if self.format == "csv":
            named = (_(" (named {suffix}, but it holds text)").format(suffix=self.path.suffix)
                     if self.path.suffix.lower() in _XLSX_SUFFIXES else "")
            known = ENCODING_NAMES.get(self.encoding or "")
            return _("read as CSV, {encoding}{named}").format(
                encoding=_(known) if known else self.encoding, named=named)
        system = _(", whose date serials count from 1904") if self.date_1904 else ""
        skipped = _("; skipped {sheets}").format(sheets=self.skipped) if self.skipped else ""
        return _("read sheet {sheet!r} of the workbook{system}{skipped}").format(
            sheet=self.sheet, system=system, skipped=skipped)

    def rows(self) -> Iterator[RawRow]:
        """Each ``(row_number, cells)`` in file order; the file is read afresh each call
        (an XLSX sheet a slice at a time).

        Raises:
            FileRejected: the file cannot be parsed (it is read lazily, so this
                can happen part-way).
        """
        if self.format == "csv":
            return _csv_rows(self.path, self.encoding or "utf-8")
        return _xlsx_rows(self)

    def row_chunks(self, size: int) -> Iterator[tuple[int, list[list[Cell]]]]:
        """The rows of :meth:`rows`, ``size`` at a time: ``(first row number, rows)``.

        The same rows and numbers, without a generator step per row. A file
        unreadable part-way yields the rows before the fault, then raises
        :class:`FileRejected` as :meth:`rows` does. The :class:`ReadMeter` of
        :func:`metered`, if any, is told the bytes read after each chunk.
        """
        if self.format == "csv":
            return _csv_chunks(self.path, self.encoding or "utf-8", size, _meter.get())
        return _xlsx_chunks(self, size, _meter.get())


def open_source(path: str | Path, *, sheet: str | None = None) -> Source:
    """Recognise a CSV or XLSX file by its content (not its name) and prepare to read it.

    Raises:
        FileRejected: missing file, old binary XLS or an encrypted workbook, a
            workbook too large or a zip bomb, bad encoding, unknown sheet.
    """
    path = Path(path)
    try:
        with path.open("rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise FileRejected(_("{file}: cannot open ({reason})").format(
            file=path, reason=exc.strerror or exc)) from None
    if magic == _OLE_MAGIC:
        raise FileRejected(_("{file}: an old binary XLS file or a password-protected workbook, "
                             "which zkd cannot read; save it as XLSX (without a password) or "
                             "CSV").format(file=path.name))
    if magic == _XLSX_MAGIC:
        _check_archive(path)
        workbook = _Workbook(path)
        try:
            name, date_1904, skipped = _pick_sheet(path, workbook, sheet)
        finally:
            workbook.close()
        return Source(path, "xlsx", sheet=name, date_1904=date_1904, skipped=skipped,
                      workbook=workbook)
    if sheet is not None:
        raise FileRejected(_("{file}: --sheet applies to XLSX files only, and this file holds "
                             "text (CSV)").format(file=path.name))
    try:
        encoding = detect_encoding(path)
    except FileRejected:
        if path.suffix.lower() in _XLSX_SUFFIXES + (".xls",):
            raise FileRejected(_("{file}: named {suffix} but neither an XLSX workbook nor CSV "
                                 "text; save it again as XLSX or CSV").format(
                                     file=path.name, suffix=path.suffix)) from None
        raise
    return Source(path, "csv", encoding=encoding)


def _check_archive(path: Path) -> None:
    """Refuse a zip that is not a workbook, or that would unpack too large: read only its
    directory, so a zip bomb is refused at once, without unpacking any of it."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRejected(_("{file}: not a readable XLSX file (a damaged zip archive: "
                             "{reason}); save it again as XLSX or CSV").format(
                                 file=path.name, reason=exc)) from None
    names = {e.filename for e in entries}
    if "[Content_Types].xml" not in names or not any(n.endswith("workbook.xml") for n in names):
        raise FileRejected(_("{file}: a zip archive but not an XLSX workbook; save the data as "
                             "XLSX or CSV").format(file=path.name))
    if len(entries) > MAX_ENTRIES:
        raise FileRejected(_("{file}: the workbook has {count} parts, more than the {limit} zkd "
                             "reads; save it as CSV").format(
                                 file=path.name, count=f"{len(entries):,}",
                                 limit=f"{MAX_ENTRIES:,}"))
    total = sum(e.file_size for e in entries)
    if total > MAX_UNPACKED:
        raise FileRejected(_("{file}: the workbook would unpack to {size} MB, more than the "
                             "{limit} MB zkd reads; save it as CSV or split it").format(
                                 file=path.name, size=f"{total >> 20:,}",
                                 limit=f"{MAX_UNPACKED >> 20:,}"))
    for e in entries:
        if e.file_size > _RATIO_FLOOR and e.file_size > MAX_RATIO * max(e.compress_size, 1):
            raise FileRejected(_("{file}: its part {part} would unpack {ratio} times larger "
                                 "({size} MB), as no spreadsheet does; refused unread").format(
                                     file=path.name, part=e.filename,
                                     ratio=f"{e.file_size // max(e.compress_size, 1):,}",
                                     size=f"{e.file_size >> 20:,}"))


def _csv_rows(path: Path, encoding: str) -> Iterator[RawRow]:
    number = 0
    with path.open(encoding=encoding, newline="", errors="strict") as f:
        reader = csv.reader(f)
        try:
            for number, cells in enumerate(reader, start=1):  # noqa: B007 - used after
                yield number, cells  # type: ignore[misc]
        except (csv.Error, UnicodeDecodeError) as exc:
            raise FileRejected(_("{file}: row {row}: not readable as CSV ({reason})").format(
                file=path.name, row=number + 1, reason=exc)) from None


def _csv_chunks(path: Path, encoding: str, size: int,
                meter: ReadMeter | None) -> Iterator[tuple[int, list[list[Cell]]]]:
    number = 0
    chunk: list[list[Cell]] = []
    append = chunk.append
    failed: FileRejected | None
    with path.open(encoding=encoding, newline="", errors="strict") as f:
        reader = csv.reader(f)
        total = path.stat().st_size if meter is not None else 0
        try:
            for cells in reader:
                append(cells)  # type: ignore[arg-type]
                if len(chunk) == size:
                    if meter is not None:  # the bytes the decoder has taken (8 KB ahead at most)
                        meter.reached(min(f.buffer.tell(), total), total)
                    yield number + 1, chunk
                    number += size
                    chunk = []
                    append = chunk.append
        except (csv.Error, UnicodeDecodeError) as exc:
            failed = FileRejected(_("{file}: row {row}: not readable as CSV ({reason})").format(
                file=path.name, row=number + len(chunk) + 1, reason=exc))
        else:
            failed = None
    if chunk:
        yield number + 1, chunk
    if failed is not None:
        raise failed
    if meter is not None:
        meter.reached(total, total)


# -- XLSX ------------------------------------------------------------------------------------

class _Workbook:
    """A workbook's sheet list, then the one sheet read, in slices (:mod:`.xlsxsheet`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.book: Any = None
        self.slices: xlsxsheet.SheetSlices | None = None

    def open(self) -> Any:
        if self.book is None:
            from python_calamine import CalamineWorkbook  # slow import: CSV users do not pay

            # from the open file, not the path: calamine would judge by the name's extension
            with self.path.open("rb") as f:
                self.book = _calamine(self.path, lambda: CalamineWorkbook.from_filelike(f))
        return self.book

    def close(self) -> None:
        """Let go of calamine's whole-workbook reading (its shared strings) once the
        sheet is chosen: the rows are read in slices."""
        if self.book is not None:
            self.book.close()

    def sheet(self, name: str, date_1904: bool) -> xlsxsheet.SheetSlices:
        """The sheet ``name``, to be read in slices (its workbook's parts read once)."""
        if self.slices is None:
            try:
                with zipfile.ZipFile(self.path) as archive:
                    part = xlsxcells.sheet_parts(archive).get(name, "")
                    found = part in archive.namelist()
            except (xlsxcells.SheetXmlError, zipfile.BadZipFile, OSError, ValueError) as exc:
                raise _unreadable(self.path, exc) from None
            if not found:
                raise FileRejected(_("{file}: not a readable XLSX file (no part for sheet "
                                     "{sheet!r})").format(file=self.path.name, sheet=name))
            self.slices = xlsxsheet.SheetSlices(self.path, part, date_1904)
        return self.slices


def _unreadable(path: Path, reason: object) -> FileRejected:
    return FileRejected(_("{file}: not a readable XLSX file ({reason})").format(
        file=path.name, reason=reason))


def _calamine(path: Path, call: Callable[[], T]) -> T:
    """``call()``, a calamine read; a damaged workbook is refused in one line."""
    try:
        return call()
    except Exception as exc:  # calamine's errors: zip, XML, a number it cannot parse
        raise _unreadable(path, str(exc).strip() or type(exc).__name__) from None


def _pick_sheet(path: Path, workbook: _Workbook, sheet: str | None) -> tuple[str, bool, str]:
    """The sheet to read, whether the workbook uses the 1904 date system, and the
    sheets passed over (hidden or chart sheets), in words."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    with zipfile.ZipFile(path) as archive:
        try:
            date_1904 = xlsxcells.uses_1904(archive)
        except xlsxcells.SheetXmlError as exc:
            raise _unreadable(path, exc) from None
    metadata = workbook.open().sheets_metadata
    names: list[str] = [m.name for m in metadata]
    # what a sheet holds rows in: a worksheet (a chart sheet holds none)
    states = {m.name: ("visible" if m.visible == SheetVisibleEnum.Visible else "hidden")
              for m in metadata if m.typ == SheetTypeEnum.WorkSheet}
    if not names:
        raise FileRejected(_("{file}: the workbook has no sheets").format(file=path.name))
    if sheet is not None:
        if sheet not in names:
            listed = ", ".join(repr(n) for n in names)
            raise FileRejected(_("{file}: no sheet named {sheet!r}; its sheets are {sheets}").format(
                file=path.name, sheet=sheet, sheets=listed))
        if sheet not in states:
            raise FileRejected(_("{file}: sheet {sheet!r} is a chart sheet, which holds no rows; "
                                 "name a worksheet with --sheet").format(file=path.name,
                                                                         sheet=sheet))
        return sheet, date_1904, ""
    # the first sheet a person sees: never a hidden one ('veryHidden' cannot even
    # be shown from Excel's menus), never a chart
    visible = [n for n in names if states.get(n) == "visible"]
    passed = names[:names.index(visible[0])] if visible else names
    hidden = [n for n in passed if states.get(n, "") != "visible" and n in states]
    charts = [n for n in passed if n not in states]
    words = []
    if hidden:
        words.append(ngettext("hidden sheet {names}", "hidden sheets {names}", len(hidden))
                     .format(names=", ".join(repr(n) for n in hidden)))
    if charts:
        words.append(ngettext("chart sheet {names}", "chart sheets {names}", len(charts))
                     .format(names=", ".join(repr(n) for n in charts)))
    skipped = _("{first} and {second}").format(first=words[0], second=words[1]) \
        if len(words) == 2 else "".join(words)
    if not visible:
        raise FileRejected(_("{file}: the workbook has no visible worksheet (only {sheets}); name "
                             "one with --sheet").format(file=path.name, sheets=skipped))
    return visible[0], date_1904, skipped


_EXACT = float(1 << 53)  # float-ok: integers up to this are exact in calamine's floats


def _number(value: float) -> int | Decimal:  # float-ok: calamine's cell in, exact value out
    # Excel writes a whole number without a point (openpyxl read it as an int);
    # other numbers keep 15 significant digits, the most Excel keeps and shows:
    # the binary noise of a formula's result lies beyond them. Exact from here
    # on; a genuine third decimal (1234.567) stays, and is refused as an amount.
    if value.is_integer() and -_EXACT <= value <= _EXACT:
        return int(value)
    return Decimal(format(value, ".15g"))  # float-ok: the file edge


class _Memo(dict[Any, Any]):
    """``convert(value)`` of each value asked for, remembered (a sheet repeats its amounts,
    rates and dates), up to :data:`_MEMO` values."""

    def __init__(self, convert: Callable[[Any], Any]) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, value: Any) -> Any:
        if len(self) >= _MEMO:
            self.clear()
        converted = self[value] = self.convert(value)
        return converted


_MEMO = 1 << 16
_exact = _Memo(_number)
_datetime = _Memo(lambda d: dt.datetime(d.year, d.month, d.day))


def _cells(row: Sequence[Any]) -> list[Cell]:
    """calamine's cells as the parser takes them: an empty cell None (calamine gives
    ""), a float an int or Decimal, a date cell a datetime (as Excel holds it)."""
    # float-ok: a float cell is turned exact here, before any parser sees it
    exact, datetime = _exact, _datetime
    return [(v or None) if (k := v.__class__) is str else exact[v] if k is float  # float-ok: the file edge
            else datetime[v] if k is dt.date else v for v in row]


def _column(cells: tuple[Any, ...]) -> Sequence[Cell]:
    """:func:`_cells` of a column of calamine's cells: a column of one type at once."""
    kinds = set(map(type, cells))
    if len(kinds) == 1:
        kind = kinds.pop()
        if kind is str:
            return [v or None for v in cells] if "" in cells else cells
        if kind is float:  # float-ok: calamine's cells made exact
            return list(map(_exact.__getitem__, cells))
        if kind is dt.date:
            return list(map(_datetime.__getitem__, cells))
        return cells  # nothing to convert
    return _cells(cells)


def _converted(values: list[list[Any]], column: int, width: int) -> list[list[Cell]]:
    """calamine's rows (from ``column``) as the parser takes them, ``width`` cells each
    from column A (or wider, as calamine gave them): converted a column at a time."""
    if not values:
        return []
    columns: list[Sequence[Cell]] = [_column(c) for c in zip(*values, strict=True)]
    if column or column + len(columns) < width:
        empty = (None,) * len(values)
        columns = [*([empty] * column), *columns,
                   *([empty] * (width - column - len(columns)))]
    return list(map(list, zip(*columns, strict=True)))


def _percent(value: Cell) -> Cell:
    """A number cell formatted as a percentage, as text meaning what it shows: ``"3.85%"``."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return f"{value * 100}%"
    return value


def _xlsx_rows(source: Source) -> Iterator[RawRow]:
    for first, rows in _xlsx_blocks(source):
        yield from enumerate(rows, start=first)


def _xlsx_blocks(source: Source, meter: ReadMeter | None = None) -> Iterator[tuple[int, Rows]]:
    """The sheet's rows from its first, ``(first row number, rows)`` a slice at a time,
    numbered as the sheet numbers them, each row as wide as the widest slice read so far
    (from column A); the ``meter`` told after each slice. A sheet unreadable part-way
    yields the rows before the fault, then raises :class:`FileRejected`."""
    path = source.path
    slices = source.workbook.sheet(source.sheet or "", source.date_1904)
    total = path.stat().st_size if meter is not None else 0
    number = cells = width = 0  # the last row given, the cells given, the widest row

    def empty(count: int) -> Rows:
        return [[None] * width for _ in range(count)]

    def block(first: int, rows: Rows) -> Iterator[tuple[int, Rows]]:
        nonlocal number, cells
        over = cells + len(rows) * width - MAX_CELLS
        if over > 0 and width:  # the row that passes the limit, and none after it
            keep = len(rows) - (over + width - 1) // width
            if keep > 0:
                yield first, rows[:keep]
            raise FileRejected(_("{file}: the sheet has more than {limit} cells (at row "
                                 "{row}); save it as CSV or split it").format(
                                     file=path.name, limit=f"{MAX_CELLS:,}", row=first + keep))
        number, cells = first + len(rows) - 1, cells + len(rows) * width
        if rows:
            yield first, rows

    try:
        for piece in slices:
            marks = list(piece.special.rows())
            if piece.start is None and not marks:
                continue
            first, column = piece.start if piece.start is not None else (marks[0][0] - 1, 0)
            first += 1
            width = max(width, piece.width)
            rows = _converted(piece.rows, column, width)
            if marks:  # an error cell alone in its row is no cell to calamine: add its row
                top, bottom = min(first, marks[0][0]), max(first + len(rows), marks[-1][0] + 1)
                rows = empty(first - top) + rows + empty(bottom - first - len(rows))
                first = top
                for row, percent, errors in marks:
                    _mark(rows[row - first], percent, errors)
            while number + 1 < first:  # rows without a cell, between slices
                gap = min(first - number - 1, 10_000)
                yield from block(number + 1, empty(gap))
            yield from block(first, rows)
            if piece.fault is not None:
                row, reason = piece.fault
                raise FileRejected(_("{file}: row {row}: not readable ({reason})").format(
                    file=path.name, row=row, reason=reason))
            if meter is not None:
                meter.reached(int(total * piece.done), total)
    except FileRejected:
        raise
    except (xlsxsheet.SliceError, xlsxcells.SheetXmlError, zipfile.BadZipFile, OSError) as exc:
        raise _unreadable(path, exc) from None


def _mark(row: list[Cell], percent: list[int], errors: dict[int, str]) -> None:
    width = max([*percent, *errors], default=-1) + 1
    if width > len(row):
        row.extend([None] * (width - len(row)))
    for column in percent:
        row[column] = _percent(row[column])
    for column, text in errors.items():
        row[column] = text  # as Excel shows it; refused as a spreadsheet error value


def _xlsx_chunks(source: Source, size: int,
                 meter: ReadMeter | None) -> Iterator[tuple[int, list[list[Cell]]]]:
    """The rows of :func:`_xlsx_blocks`, ``size`` at a time; ``meter`` told the part of
    the sheet's XML read, in bytes of the file."""
    start, chunk = 1, list[list[Cell]]()
    try:
        for first, rows in _xlsx_blocks(source, meter):
            if not chunk:
                start = first
            at = size - len(chunk)
            chunk.extend(rows[:at])
            while len(chunk) == size:
                yield start, chunk
                start, chunk = start + size, rows[at:at + size]
                at += size
    except FileRejected:
        if chunk:
            yield start, chunk
        raise
    if chunk:
        yield start, chunk
    if meter is not None:
        total = source.path.stat().st_size
        meter.reached(total, total)
