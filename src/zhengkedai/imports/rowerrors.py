"""Row errors: a bad cell or row of an input file, as data.

A :class:`RowError` is ``(file, row, column, value, message)``: ``row`` is the
1-based row number as a spreadsheet shows it (0 for the file as a whole),
``column`` the header as written in the file (or the SPEC's Chinese header
with its key when the column is missing), ``value`` the cell as text. Errors
are collected for a whole file in one pass and never raised one by one.

The error CSV is UTF-8 with a BOM so that Excel opens it with Chinese intact;
cells that Excel would run as formulas are prefixed with ``'``.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from .readers import Cell

ERROR_CSV_COLUMNS = ("file", "row", "column", "value", "message")


class RowError(NamedTuple):
    """One reason a file is rejected. Immutable."""

    file: str
    row: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row else self.file
        col = f" {self.column}" if self.column else ""
        val = f" {self.value!r}" if self.value else ""
        return f"{where}:{col}{val}: {self.message}"


def cell_text(cell: Cell) -> str:
    """A cell as it would be shown back to the user."""
    if cell is None:
        return ""
    if isinstance(cell, dt.datetime) and cell.time() == dt.time():
        return cell.date().isoformat()
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    if isinstance(cell, Decimal):
        return format(cell, "f") if cell.is_finite() else str(cell)
    return str(cell)


def _excel_safe(text: str) -> str:
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            Decimal(text)
        except ArithmeticError:
            return "'" + text
    return text


def write_errors_csv(errors: Iterable[RowError], path: str | Path) -> int:
    """Write ``errors`` as CSV (UTF-8 with BOM): file,row,column,value,message.

    Returns:
        The number of errors written.
    """
    count = 0
    with Path(path).open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(ERROR_CSV_COLUMNS)
        for e in errors:
            writer.writerow((e.file, e.row, _excel_safe(e.column), _excel_safe(e.value),
                             _excel_safe(e.message)))
            count += 1
    return count
