"""Workbooks as Excel writes them, made from openpyxl's.

openpyxl writes every string inline in the sheet (``t="inlineStr"``); Excel
keeps each distinct string once, in ``xl/sharedStrings.xml``, and a cell holds
its index (``t="s"``). :func:`with_shared_strings` rewrites a workbook the
first way into the second, so tests and benchmarks read both.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

_INLINE = re.compile(rb'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?) t="inlineStr">'
                     rb'<is><t(?: xml:space="preserve")?>([^<]*)</t></is></c>')
_CHARACTER = re.compile(rb"&#([0-9]+);")  # openpyxl's spelling of 贷; Excel writes UTF-8
_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SST_TYPE = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
_SST_CONTENT = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def with_shared_strings(path: Path, out: Path | None = None, *,
                        order: str = "first seen") -> Path:
    """The workbook at ``path`` (openpyxl's) with its strings shared, as Excel saves it.

    ``order``: the strings in ``sharedStrings.xml`` in the order first seen in
    the sheets (Excel's), or ``"reversed"`` (any order is valid).
    """
    out = out or path
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    strings: dict[bytes, int] = {}

    def shared(m: re.Match[bytes]) -> bytes:
        index = strings.setdefault(_CHARACTER.sub(_utf8, m.group(3)), len(strings))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (m.group(1), m.group(2), index)

    for name in sorted(parts):
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            parts[name] = _INLINE.sub(shared, parts[name])
    texts = list(strings)
    if order == "reversed":
        parts = {name: _reindex(data, len(texts)) if name.startswith("xl/worksheets/")
                 and name.endswith(".xml") else data for name, data in parts.items()}
        texts.reverse()
    items = b"".join(b"<si><t>%s</t></si>" % t if t.strip() == t else
                     b'<si><t xml:space="preserve">%s</t></si>' % t for t in texts)
    parts["xl/sharedStrings.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="%s" count="%d" '
        b'uniqueCount="%d">%s</sst>' % (_MAIN, len(texts), len(texts), items))
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="%s"/></Types>'
        % _SST_CONTENT)
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = parts[rels].replace(
        b"</Relationships>", b'<Relationship Id="rIdSst" Type="%s" Target="sharedStrings.xml"/>'
        b"</Relationships>" % _SST_TYPE)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out


def _utf8(m: re.Match[bytes]) -> bytes:
    code = int(m.group(1))
    return chr(code).encode() if code >= 128 else m.group(0)


def _reindex(sheet: bytes, count: int) -> bytes:
    return re.sub(rb't="s"><v>([0-9]+)</v>',
                  lambda m: b't="s"><v>%d</v>' % (count - 1 - int(m.group(1))), sheet)
