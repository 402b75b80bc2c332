"""What calamine does not tell of a workbook: its parts, and the sheet's special cells.

python-calamine (:mod:`.readers` reads XLSX with it) gives each cell's value,
but not its number format, and an error cell (``#DIV/0!``, ``#N/A``) as an
empty one. Two things the reader must still know, found here in the
workbook's XML:

- the cells formatted as a percentage, so that 0.0385 shown as 3.85% is read
  as 3.85% (:func:`percent_styles` from ``xl/styles.xml``, then the cells
  carrying one of those styles);
- the error cells and their text, so that an error is refused as the
  spreadsheet error it is, never taken for a blank optional cell.

:class:`CellFinder` reads the sheet's XML a slice of whole rows at a time, as
:mod:`.xlsxsheet` cuts it for calamine (``bytes.find`` and one regular
expression for Excel's spelling of a percent cell: a few seconds for 250 MB of
XML), and keeps only those cells: nothing like a second reading of the rows.
Attributes with spaces around their ``=``, which no spreadsheet program
writes, are not seen.

Also here: the sheet names and their parts (:func:`sheet_parts`), the
workbook's styles and shared strings parts (:func:`book_part`), the date
system (:func:`uses_1904`), read from the small ``workbook.xml``, and where
a piece of sheet XML's last whole row ends (:func:`rows_end`).
"""

from __future__ import annotations

import functools
import posixpath
import re
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree import ElementTree

from ..i18n import _

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOCUMENT = "/officeDocument"

# Excel's built-in number formats that show a percentage (0% and 0.00%)
_BUILTIN_PERCENT = frozenset({9, 10})
_COLUMNS = 1 << 14  # Excel's 16,384 columns: a cell's key is row × this + column

_TAG_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_ATTRIBUTE = re.compile(rb"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v(?:\s[^>]*)?>([^<]*)<")
_CELL_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?c>")
_ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?row>")
_REFERENCE = re.compile(rb"([A-Z]{1,3})([0-9]{1,7})")


class SheetXmlError(ValueError):
    """The sheet's XML is not as a spreadsheet writes it; the message says how."""


@dataclass
class SpecialCells:
    """The percent-formatted and the error cells of a sheet, by 1-based row and 0-based column."""

    percent: array = field(default_factory=lambda: array("q"))  # sorted keys row × _COLUMNS + col
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> '#N/A'

    def __bool__(self) -> bool:
        return bool(self.percent) or bool(self.errors)

    def rows(self) -> Iterator[tuple[int, list[int], dict[int, str]]]:
        """``(row, percent columns, {column: error text})`` for each row that has any, in order."""
        keys = sorted(set(self.percent.tolist()) | {r * _COLUMNS + c for r, c in self.errors})
        i, n = 0, len(keys)
        while i < n:
            row = keys[i] // _COLUMNS
            percent: list[int] = []
            errors: dict[int, str] = {}
            while i < n and keys[i] // _COLUMNS == row:
                column = keys[i] % _COLUMNS
                if (row, column) in self.errors:
                    errors[column] = self.errors[row, column]
                else:
                    percent.append(column)
                i += 1
            yield row, percent, errors


def _part(archive: zipfile.ZipFile, name: str) -> ElementTree.Element | None:
    try:
        data = archive.read(name)
    except KeyError:
        return None
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise SheetXmlError(f"{name}: {exc}") from None


def workbook_part(archive: zipfile.ZipFile) -> str:
    """The workbook's own part: what ``_rels/.rels`` names, else ``xl/workbook.xml``."""
    rels = _part(archive, "_rels/.rels")
    if rels is not None:
        for rel in rels.iter(f"{_PKG_REL}Relationship"):
            if rel.get("Type", "").endswith(_OFFICE_DOCUMENT) and rel.get("Target"):
                return rel.get("Target", "").lstrip("/")
    return "xl/workbook.xml"


def _relationships(archive: zipfile.ZipFile) -> tuple[ElementTree.Element | None,
                                                     dict[str, tuple[str, str]]]:
    """The workbook's XML, and its relationships: ``Id`` -> (``Type``, the part it names)."""
    book = workbook_part(archive)
    workbook = _part(archive, book)
    rels = _part(archive, posixpath.join(posixpath.dirname(book), "_rels",
                                         posixpath.basename(book) + ".rels"))
    targets = {}
    for rel in rels.iter(f"{_PKG_REL}Relationship") if rels is not None else ():
        target = rel.get("Target", "")
        targets[rel.get("Id", "")] = (
            rel.get("Type", ""),
            target.lstrip("/") if target.startswith("/") else
            posixpath.normpath(posixpath.join(posixpath.dirname(book), target)))
    return workbook, targets


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's name -> the part holding its XML, in workbook order."""
    workbook, targets = _relationships(archive)
    if workbook is None or not targets:
        return {}
    return {sheet.get("name", ""): targets.get(sheet.get(f"{_REL}id", ""), ("", ""))[1]
            for sheet in workbook.iter(f"{_MAIN}sheet")}


def book_part(archive: zipfile.ZipFile, kind: str) -> str | None:
    """The workbook's part of ``kind`` (``"sharedStrings"``, ``"styles"``) if it has one."""
    _workbook, targets = _relationships(archive)
    names = set(archive.namelist())
    found = [part for type_, part in targets.values() if type_.endswith("/" + kind)]
    for part in (*found, f"xl/{kind}.xml"):
        if part in names:
            return part
    return None


def uses_1904(archive: zipfile.ZipFile) -> bool:
    """Whether the workbook counts date serials from 1904 (``<workbookPr date1904="1"/>``)."""
    workbook = _part(archive, workbook_part(archive))
    if workbook is None:
        return False
    properties = workbook.find(f"{_MAIN}workbookPr")
    value = properties.get("date1904", "") if properties is not None else ""
    return value.strip().lower() in ("1", "true")


def percent_styles(archive: zipfile.ZipFile) -> frozenset[int]:
    """The cell styles (indexes into ``cellXfs``) whose number format shows a percentage:
    Excel's built-in 0% and 0.00%, or a custom format with a ``%`` in it."""
    part = book_part(archive, "styles")
    styles = _part(archive, part) if part is not None else None
    if styles is None:
        return frozenset()
    formats = set(_BUILTIN_PERCENT)
    for fmt in styles.iter(f"{_MAIN}numFmt"):
        try:
            number = int(fmt.get("numFmtId", ""))
        except ValueError:
            continue
        if "%" in fmt.get("formatCode", ""):
            formats.add(number)
        else:
            formats.discard(number)  # a built-in number given another format
    xfs = styles.find(f"{_MAIN}cellXfs")
    if xfs is None:
        return frozenset()
    found = set()
    for index, xf in enumerate(xfs.iter(f"{_MAIN}xf")):
        try:
            if int(xf.get("numFmtId", "0")) in formats:
                found.add(index)
        except ValueError:
            continue
    return frozenset(found)


class CellFinder:
    """Finds a sheet's error cells, and its cells in one of the ``percent`` styles, in
    its XML a piece of whole rows at a time (a cell's tag and value never straddle two)."""

    def __init__(self, percent: frozenset[int]) -> None:
        self.percent = percent
        # what every XML writer spells (no spaces around "="): searched for as bytes,
        # then each found tag is read whole
        self._errors = [b't="e"', b"t='e'"]
        self._styles = [str(s).encode() for s in sorted(percent)]
        self._needles = [b"s=" + q + style + q for q in (b'"', b"'") for style in self._styles]
        # Excel's own spelling of such a cell, read by the regular expression alone
        self._excel = re.compile(rb'r="([A-Z]{1,3})([0-9]{1,7})" s="(?:%s)"'
                                 % b"|".join(self._styles))

    def find(self, piece: bytes) -> SpecialCells:
        """The special cells of ``piece``, whole rows of the sheet's XML.

        Raises:
            SheetXmlError: such a cell without its reference (``r="B7"``), which every
                spreadsheet program writes.
        """
        found = SpecialCells()
        percent_keys: list[int] = []
        # a writer quoting attributes with ' is rare: look for those only if there
        quoted = 1 if piece.find(b"='") < 0 else 2
        _scan(piece, self._errors[:quoted], self.percent, found, percent_keys)
        if self._styles:
            cells = self._excel.findall(piece)
            needles = self._needles[:len(self._styles) * quoted]
            if len(cells) == sum(piece.count(n) for n in needles):
                percent_keys.extend(int(row) * _COLUMNS + _column(letters)
                                    for letters, row in cells)
            else:  # spelt otherwise, or a row's style: each tag read whole
                _scan(piece, self._needles, self.percent, found, percent_keys)
        found.percent = array("q", sorted(set(percent_keys)))
        return found


@functools.lru_cache(maxsize=1024)
def _column(letters: bytes) -> int:
    """``b"A"`` -> 0, ``b"AB"`` -> 27."""
    column = 0
    for letter in letters:
        column = column * 26 + letter - 64
    return column - 1


def rows_end(data: bytes) -> int:
    """Where the last whole row of ``data`` ends (after its ``</row>``), or 0.

    Exact: a ``<`` is never text in XML, so the last ``<`` before a ``row>`` opens
    the end tag it seems to be, or something else.
    """
    at = data.rfind(b"row>")
    while at > 0:
        opening = data.rfind(b"<", 0, at)
        if opening >= 0 and _ROW_END.fullmatch(data, opening, at + 4):
            return at + 4
        at = data.rfind(b"row>", 0, at)
    return 0


def _scan(piece: bytes, needles: list[bytes], percent: frozenset[int], found: SpecialCells,
          percent_keys: list[int]) -> None:
    seen: set[int] = set()
    for needle in needles:
        at = piece.find(needle)
        while at >= 0:
            start = piece.rfind(b"<", 0, at)
            if start >= 0 and start not in seen:
                end = piece.find(b">", at)
                tag = piece[start:end + 1] if end >= 0 else b""
                if end >= 0 and b">" not in piece[start:at] and _TAG_START.match(tag):
                    seen.add(start)
                    _cell(piece, tag, end, percent, found, percent_keys)
            at = piece.find(needle, at + 1)


def _cell(piece: bytes, tag: bytes, end: int, percent: frozenset[int], found: SpecialCells,
          percent_keys: list[int]) -> None:
    attributes = {m.group(1).split(b":")[-1]: m.group(2) if m.group(2) is not None else m.group(3)
                  for m in _ATTRIBUTE.finditer(tag)}
    error = attributes.get(b"t", b"").strip() == b"e"
    try:
        style = int(attributes.get(b"s", b"0"))
    except ValueError:
        style = 0
    if not error and style not in percent:
        return
    reference = _REFERENCE.fullmatch(attributes.get(b"r", b"").strip().upper())
    if reference is None:
        raise SheetXmlError(_("a percent or error cell without its reference (r=\"B7\"), "
                              "which spreadsheet programs always write"))
    row, column = int(reference.group(2)), _column(reference.group(1))
    if error:
        close = _CELL_END.search(piece, end + 1) if not tag.endswith(b"/>") else None
        value = _VALUE.search(piece, end + 1, close.start()) if close else None
        text = value.group(1).decode("utf-8", "replace").strip() if value else ""
        if text:
            found.errors[row, column] = _unescape(text)
        return
    percent_keys.append(row * _COLUMNS + column)


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))
