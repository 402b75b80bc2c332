"""The one CSV writer: every CSV zkd writes goes through it (SPEC 4).

Text from bank files (loan numbers, enterprise names, districts) and from
people (reasons, memos) ends up in listings, statements and the errors file;
a spreadsheet would run a cell that begins with ``=``, ``+``, ``-`` or ``@``
(or a tab or carriage return before one) as a formula. Such a cell is written
with a leading apostrophe, which spreadsheets take as "this is text" and do
not show. A number stays a number: ``-5.00`` (a negative amount) is left alone.

Pure: rows in, text or bytes out. Writing the bytes to a file is
:func:`zhengkedai.render.files.write_atomic`'s job.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable
from typing import Any

BOM = "\ufeff"
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?")


def safe_cell(value: Any) -> str:
    """``value`` as a CSV cell that no spreadsheet runs as a formula (None is empty)."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text[:1] in _DANGEROUS and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(rows: Iterable[Iterable[Any]], *, lineterminator: str = "\r\n",
             text_columns: Collection[int] | None = None) -> str:
    """``rows`` as CSV text, every cell made safe by :func:`safe_cell`.

    ``text_columns``: only the cells of these columns (by position) can hold text
    from outside; the others are zkd's own spellings of numbers, dates and labels,
    written as they are (a loan list of a million rows need not test each amount).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    if text_columns is None:
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
    else:
        text = tuple(text_columns)
        for row in rows:
            # most rows have no cell to change: look before building a new row
            for n in text:
                value = row[n]
                if value and str(value)[:1] in _DANGEROUS:
                    row = [safe_cell(v) if n in text else v for n, v in enumerate(row)]
                    break
            writer.writerow(row)
    return buffer.getvalue()


def csv_bytes(rows: Iterable[Iterable[Any]], *, bom: bool = True,
              lineterminator: str = "\r\n", text_columns: Collection[int] | None = None
              ) -> bytes:
    """``rows`` as UTF-8 CSV bytes (with a BOM by default, so Excel reads Chinese)."""
    return ((BOM if bom else "") + csv_text(rows, lineterminator=lineterminator,
                                           text_columns=text_columns)).encode("utf-8")
