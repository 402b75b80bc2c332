"""Row errors: a bad cell or row of an input file, as data.

A :class:`RowError` is ``(file, row, column, value, message)``: ``row`` is the
1-based row number as a spreadsheet shows it (0 for the file as a whole),
``column`` the header as written in the file (or the SPEC's Chinese header
with its key when the column is missing), ``value`` the cell as text. Errors
are collected for a whole file in one pass and never raised one by one.

The error CSV is UTF-8 with a BOM so that Excel opens it with Chinese intact;
it goes through the one CSV writer (:mod:`zhengkedai.render.csvfile`), so
that no cell, the file name included, runs as a formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from ..i18n import _, is_chinese
from ..outputs import write_atomic
from ..render.csvfile import csv_bytes
from .readers import Cell

ERROR_CSV_COLUMNS = ("file", "row", "column", "value", "message")
# the header in Chinese, the default language (SPEC 12); either header is ours
ERROR_CSV_COLUMNS_ZH = ("文件", "行号", "列名", "内容", "错误原因")


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


def write_errors_csv(errors: Iterable[RowError], path: str | Path) -> int:
    """Write ``errors`` as CSV (UTF-8 with BOM): file,row,column,value,message.

    The header is in the current language: 文件,行号,列名,内容,错误原因 in Chinese.

    The file is written through a temporary name and renamed.

    Returns:
        The number of errors written.

    Raises:
        OutputRefused: the file cannot be written.
    """
    rows = [tuple(e) for e in errors]
    header = ERROR_CSV_COLUMNS_ZH if is_chinese() else ERROR_CSV_COLUMNS
    write_atomic(Path(path), csv_bytes([header, *rows]), what=_("the errors CSV"))
    return len(rows)


def is_errors_csv(path: str | Path) -> bool:
    """Whether ``path`` holds an errors CSV that zkd wrote (its first line is our header,
    in Chinese or in English).

    Only such a file is rewritten by ``--errors PATH``; anything else is left alone.
    """
    try:
        with Path(path).open("rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    first = head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].rstrip(b"\r")
    return first in (",".join(ERROR_CSV_COLUMNS).encode(),
                     ",".join(ERROR_CSV_COLUMNS_ZH).encode())
