"""Readers: a CSV or XLSX file as a lazy stream of raw rows.

A :class:`Source` knows how to (re)open its file and yields ``(row_number,
cells)`` pairs, one row at a time, so memory stays flat however long the file
is. ``row_number`` is the 1-based row as a spreadsheet shows it: for CSV the
record's position (a quoted cell spanning lines is still one row), for XLSX
the sheet's row number.

Cells are never ``float``: CSV cells are ``str``; XLSX cells are ``None``,
``str``, ``int``, ``Decimal`` (a float cell, read through 15 significant
digits, the most Excel keeps and shows: a formula's 1234.5600000000002 is the
1,234.56 on screen), ``bool``, ``datetime`` (date cells), ``time`` or
``timedelta``. A number cell formatted as a percentage is
yielded as text ``"3.85%"`` so that 0.0385 shown as 3.85% means 3.85%.

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
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ..domain.errors import ZkdError
from ..i18n import _, ngettext

Cell = str | int | Decimal | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None
RawRow = tuple[int, list[Cell]]

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


ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "gb18030": "GB18030"}


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


@dataclass(frozen=True)
class Source:
    """An opened-for-reading file: its format, encoding or sheet, and its rows."""

    path: Path
    format: str  # "csv" or "xlsx"
    encoding: str | None = None  # CSV only
    sheet: str | None = None  # XLSX only
    date_1904: bool = False  # XLSX: the workbook counts date serials from 1904
    skipped: str = ""  # XLSX: the sheets passed over, in words ("hidden sheet 'x'")

    @property
    def note(self) -> str:
        """How the file is read, for the user: ``read as CSV, GB18030``."""
        if self.format == "csv":
            named = (_(" (named {suffix}, but it holds text)").format(suffix=self.path.suffix)
                     if self.path.suffix.lower() in _XLSX_SUFFIXES else "")
            return _("read as CSV, {encoding}{named}").format(
                encoding=ENCODING_NAMES.get(self.encoding or "", self.encoding), named=named)
        system = _(", whose date serials count from 1904") if self.date_1904 else ""
        skipped = _("; skipped {sheets}").format(sheets=self.skipped) if self.skipped else ""
        return _("read sheet {sheet!r} of the workbook{system}{skipped}").format(
            sheet=self.sheet, system=system, skipped=skipped)

    def rows(self) -> Iterator[RawRow]:
        """Each ``(row_number, cells)`` in file order; opens the file afresh each call.

        Raises:
            FileRejected: the file cannot be parsed (it is read lazily, so this
                can happen part-way).
        """
        if self.format == "csv":
            return _csv_rows(self.path, self.encoding or "utf-8")
        return _xlsx_rows(self.path, self.sheet)

    def row_chunks(self, size: int) -> Iterator[tuple[int, list[list[Cell]]]]:
        """The rows of :meth:`rows`, ``size`` at a time: ``(first row number, rows)``.

        The same rows and numbers, without a generator step per row. A file
        unreadable part-way yields the rows before the fault, then raises
        :class:`FileRejected` as :meth:`rows` does.
        """
        if self.format == "csv":
            return _csv_chunks(self.path, self.encoding or "utf-8", size)
        return _chunked(_xlsx_rows(self.path, self.sheet), size)


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
        name, date_1904, skipped = _pick_sheet(path, sheet)
        return Source(path, "xlsx", sheet=name, date_1904=date_1904, skipped=skipped)
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


def _csv_chunks(path: Path, encoding: str, size: int) -> Iterator[tuple[int, list[list[Cell]]]]:
    number = 0
    chunk: list[list[Cell]] = []
    append = chunk.append
    failed: FileRejected | None
    with path.open(encoding=encoding, newline="", errors="strict") as f:
        reader = csv.reader(f)
        try:
            for cells in reader:
                append(cells)  # type: ignore[arg-type]
                if len(chunk) == size:
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


def _chunked(rows: Iterator[RawRow], size: int) -> Iterator[tuple[int, list[list[Cell]]]]:
    first, chunk = 0, list[list[Cell]]()
    try:
        for number, cells in rows:
            if not chunk:
                first = number
            chunk.append(cells)
            if len(chunk) == size:
                yield first, chunk
                chunk = []
    except FileRejected:
        if chunk:
            yield first, chunk
        raise
    if chunk:
        yield first, chunk


@contextmanager
def _workbook(path: Path):  # type: ignore[no-untyped-def]
    """The workbook, read-only, from an open file: openpyxl then judges by content,
    not by the name's extension (an XLSX saved as .csv is still read)."""
    import openpyxl  # type: ignore[import-untyped]  # slow import: CSV users do not pay

    with path.open("rb") as f:
        try:
            wb = openpyxl.load_workbook(f, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
            raise FileRejected(_("{file}: not a readable XLSX file ({reason})").format(
                file=path.name, reason=exc)) from None
        except Exception as exc:  # lxml / xml parser errors of damaged workbooks
            raise FileRejected(_("{file}: not a readable XLSX file ({reason})").format(
                file=path.name, reason=f"{type(exc).__name__}: {exc}")) from None
        try:
            yield wb
        finally:
            wb.close()


def _pick_sheet(path: Path, sheet: str | None) -> tuple[str, bool, str]:
    """The sheet to read, whether the workbook uses the 1904 date system, and the
    sheets passed over (hidden or chart sheets), in words."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904  # type: ignore[import-untyped]

    with _workbook(path) as wb:
        names: list[str] = list(wb.sheetnames)
        date_1904 = wb.epoch == CALENDAR_MAC_1904
        states = {ws.title: ws.sheet_state for ws in wb.worksheets}
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


def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[RawRow]:
    with _workbook(path) as wb:
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        # Exports often carry a wrong <dimension>; read every row that is there.
        ws.reset_dimensions()
        number = cells = 0
        try:
            for number, row in enumerate(ws.iter_rows(min_row=1), start=1):  # noqa: B007
                cells += len(row)
                if cells > MAX_CELLS:
                    raise FileRejected(_("{file}: the sheet has more than {limit} cells (at row "
                                         "{row}); save it as CSV or split it").format(
                                             file=path.name, limit=f"{MAX_CELLS:,}", row=number))
                yield number, [_xlsx_cell(c) for c in row]
        except FileRejected:
            raise
        except Exception as exc:  # damaged sheet XML, bad shared-string index...
            raise FileRejected(_("{file}: row {row}: not readable ({reason})").format(
                file=path.name, row=number + 1, reason=f"{type(exc).__name__}: {exc}")) from None


def _xlsx_cell(cell: object) -> Cell:
    value = getattr(cell, "value", None)
    if isinstance(value, float):
        # Excel keeps 15 significant digits; the binary noise of a formula's
        # result lies beyond them. Exact from here on; a genuine third decimal
        # (1234.567) stays, and is refused as an amount.
        number = Decimal(format(value, ".15g"))  # float-ok: the file edge
        if "%" in (getattr(cell, "number_format", "") or ""):
            return f"{number * 100}%"
        return number
    if isinstance(value, int) and not isinstance(value, bool):
        if "%" in (getattr(cell, "number_format", "") or ""):
            return f"{value * 100}%"
        return value
    return value
