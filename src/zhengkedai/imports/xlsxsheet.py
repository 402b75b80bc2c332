"""A worksheet read in slices: its XML cut after whole rows, each slice parsed by calamine.

python-calamine parses a whole sheet before it gives a row (about 1.4 KB of
memory a row, and all the parse before the first row can be checked), and has
no lazy reader. So the sheet's XML is unpacked here as a stream and cut after
whole rows, into slices of about :data:`SLICE` bytes (the first one small, so
that the header is found at once); each slice is handed to calamine as a
workbook of its own, with:

- the sheet's opening up to ``<sheetData>`` (less its ``<dimension>``, the
  whole sheet's extent) and closing;
- the workbook's styles, which tell calamine the date cells, and date system;
- of the workbook's shared strings (Excel keeps each text once in
  ``sharedStrings.xml`` and a cell holds its index), those the slice's cells
  name, every other one left empty, so that each index still names its text.

calamine reads a slice's cells as it would have read them in the whole sheet
(the same cell, style, date system and text); the row numbers are the
sheet's. The percent and error cells calamine does not tell
(:mod:`.xlsxcells`) are found in the same slice. Memory stays at a slice's
worth (and the shared strings) however long the sheet.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import xlsxcells

SLICE = 8 << 20  # bytes of sheet XML a slice (about 10,000 to 20,000 loan rows)
FIRST_SLICE = 256 << 10  # the header's slice: the header is found without the rest
_HEAD = 64 << 10

_SHEET_DATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData\b[^>]*?(/?)>")
_ROOT = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?worksheet)\b")
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*>")
# a shared string's cell as every writer spells it (its index captured), or another spelling
_SHARED = re.compile(rb't="s"(?:[^>]*><v>([0-9]+)</v>)?')
_SI = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)si(?:\s[^>]*)?(?:/>|>.*?</\1si>)", re.S)

_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org'
          b'/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
          b'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
          b'"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
          b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
          b'"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
          b'officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
         b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
         b'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target='
         b'"xl/workbook.xml"/></Relationships>')
_BOOK = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
         b'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
         b'officeDocument/2006/relationships">%s<sheets><sheet name="s" sheetId="1" r:id="rId1"/>'
         b"</sheets></workbook>")
_BOOK_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
              b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type='
              b'"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
              b'Target="worksheets/sheet1.xml"/>%s</Relationships>')
_BOOK_REL = (b'<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/'
             b'2006/relationships/%s" Target="%s.xml"/>')


class SliceError(ValueError):
    """A slice calamine could not read, or a sheet's XML not as spreadsheets write it."""


@dataclass
class Slice:
    """Consecutive rows of the sheet as calamine gives them, from ``start``.

    ``start`` is the 0-based (row, column) of the slice's first cell (None: no
    cell), ``width`` the column after its last; ``special`` its percent and
    error cells; ``done`` the part of the sheet's XML read so far (0 to 1);
    ``fault``, the 1-based row of a cell calamine could not give and why (the
    rows are then those before it).
    """

    start: tuple[int, int] | None
    width: int
    rows: list[list[Any]]
    special: xlsxcells.SpecialCells
    done: float  # float-ok: the share of the sheet read, for the progress bar
    fault: tuple[int, str] | None = None  # a cell calamine cannot give: (its row, why)


class SheetSlices:
    """The sheet ``part`` of the workbook at ``path``, to be read in slices."""

    def __init__(self, path: Path, part: str, date_1904: bool) -> None:
        self.path = path
        self.part = part
        self.date_1904 = date_1904
        self._book: tuple[bytes, _SharedStrings, xlsxcells.CellFinder] | None = None

    def _parts(self) -> tuple[bytes, _SharedStrings, xlsxcells.CellFinder]:
        """The workbook's styles, shared strings and percent styles, read once (and
        kept for a second reading of the rows)."""
        if self._book is None:
            with zipfile.ZipFile(self.path) as archive:
                styles = xlsxcells.book_part(archive, "styles")
                strings = xlsxcells.book_part(archive, "sharedStrings")
                self._book = (archive.read(styles) if styles else b"",
                              _SharedStrings(archive.read(strings) if strings else None),
                              xlsxcells.CellFinder(xlsxcells.percent_styles(archive)))
        return self._book

    def __iter__(self) -> Iterator[Slice]:
        """Each slice in sheet order.

        Raises:
            SliceError: a slice calamine cannot read; the sheet's XML broken.
            xlsxcells.SheetXmlError: a percent or error cell without its reference.
        """
        pieces = self._pieces()
        try:
            while (current := self._parse(pieces)) is not None:
                yield current
        finally:
            pieces.close()

    def _parse(self, pieces: Iterator[tuple[bytes, bytes, bytes, float]]) -> Slice | None:  # float-ok: share read
        styles, strings, finder = self._parts()
        try:
            opening, rows, closing, done = next(pieces)
        except StopIteration:
            return None
        special = finder.find(rows)
        book = io.BytesIO()
        strings_xml = strings.naming(rows)
        parts = {"xl/worksheets/sheet1.xml": b"".join((opening, rows, closing))}
        related: list[bytes] = []
        for kind, xml in ((b"styles", styles), (b"sharedStrings", strings_xml)):
            if xml:
                parts[f"xl/{kind.decode()}.xml"] = xml
                related.append(_BOOK_REL % (len(related) + 2, kind, kind))
        with zipfile.ZipFile(book, "w", zipfile.ZIP_STORED) as z:
            z.writestr("[Content_Types].xml", _TYPES)
            z.writestr("_rels/.rels", _RELS)
            z.writestr("xl/workbook.xml", _BOOK % (b'<workbookPr date1904="1"/>'
                                                   if self.date_1904 else b""))
            z.writestr("xl/_rels/workbook.xml.rels", _BOOK_RELS % b"".join(related))
            for name, xml in parts.items():
                z.writestr(name, xml)
        del rows, parts
        from python_calamine import CalamineWorkbook

        book.seek(0)
        try:
            sheet = CalamineWorkbook.from_filelike(book).get_sheet_by_index(0)
        except Exception as exc:  # calamine's errors: XML, a number it cannot parse
            raise SliceError(_reason(exc)) from None
        start, fault = sheet.start, None
        try:
            values = sheet.to_python()
        except Exception:  # a cell calamine cannot give: the rows before it, then which
            values, fault = _up_to_fault(sheet)
        return Slice(start, sheet.end[1] + 1 if sheet.end is not None else 0, values, special,
                     done, fault)

    def _pieces(self) -> Generator[tuple[bytes, bytes, bytes, float], None, None]:  # float-ok: share read
        """``(sheet opening, whole rows, closing, part of the XML read)``, slice by slice."""
        with zipfile.ZipFile(self.path) as archive, archive.open(self.part) as stream:
            total = max(archive.getinfo(self.part).file_size, 1)
            data, read = b"", 0
            while (m := _SHEET_DATA.search(data)) is None:
                block = stream.read(_HEAD)
                if not block:
                    return  # no rows: a sheet without sheetData holds none
                data += block
                read += len(block)
            root = _ROOT.search(data, 0, m.start())
            if root is None:
                raise SliceError(f"{self.part}: no <worksheet> before its <sheetData>")
            if m.group(2):  # <sheetData/>: no rows
                return
            opening = _DIMENSION.sub(b"", data[:m.end()])
            closing = b"</%ssheetData></%s>" % (m.group(1), root.group(1))
            data = data[m.end():]
            size = FIRST_SLICE
            while True:
                block = stream.read(max(_HEAD, size - len(data)))
                read += len(block)
                data += block
                if block and len(data) < size:
                    continue
                cut = xlsxcells.rows_end(data)
                if cut > 0:
                    yield opening, data[:cut], closing, min(read / total, 1.0)
                    data = data[cut:]
                    size = SLICE
                if not block:
                    return
                if cut == 0:
                    size = len(data) + _HEAD  # a row longer than a slice: read on


def _reason(exc: Exception) -> str:
    return str(exc).strip() or type(exc).__name__


def _up_to_fault(sheet: Any) -> tuple[list[list[Any]], tuple[int, str] | None]:
    """The rows of ``sheet`` from its first cell's up to one calamine cannot give, and that
    row (1-based) and why. calamine's row iterator starts at the sheet's row 1, each row
    from the first column holding a value."""
    start_row = sheet.start[0]
    rows: list[list[Any]] = []
    number = 0
    try:
        for number, row in enumerate(sheet.iter_rows(), start=1):  # noqa: B007 - used after
            if number > start_row:
                rows.append(row)
    except Exception as exc:
        return rows, (number + 1, _reason(exc))
    return rows, None


class _SharedStrings:
    """A workbook's shared strings, cut into its items once, for the slices that name them."""

    def __init__(self, xml: bytes | None) -> None:
        self.whole = xml or b""
        self.items: list[bytes] = []
        self.head = self.tail = self.empty = b""
        if not xml:
            return
        first = _SI.search(xml)
        if first is None:
            return
        prefix = re.escape(first.group(1))
        items = re.findall(rb"<%ssi(?:\s[^>]*)?(?:/>|>.*?</%ssi>)" % (prefix, prefix), xml, re.S)
        opened = sum(xml.count(b"<%ssi%s" % (first.group(1), end)) for end in (b">", b" ", b"/"))
        if len(items) != opened:
            return  # not cut as expected: each slice gets them all
        self.items = items
        self.head = xml[:first.start()]
        self.tail = xml[xml.rfind(items[-1]) + len(items[-1]):]
        self.empty = b"<%ssi/>" % first.group(1)

    def naming(self, rows: bytes) -> bytes:
        """The shared strings for a slice of rows: those its cells name, the others empty."""
        if not self.items:
            return self.whole
        found = set(_SHARED.findall(rows))
        if b"" in found or b"t='s'" in rows:
            return self.whole  # spelt otherwise somewhere: give them all
        if not found:
            return self.head + self.tail
        named: list[bytes] = [self.head]
        items, empty, last = self.items, self.empty, -1
        for i in sorted(map(int, found)):
            if i >= len(items):
                break  # no such string: calamine says what it says of it
            if i > last + 1:
                named.append(empty * (i - last - 1))
            named.append(items[i])
            last = i
        named.append(self.tail)
        return b"".join(named)
