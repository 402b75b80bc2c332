"""The spellings of a statement's typed values, shared by every renderer.

One function per target so that PDF, CSV and JSON show the same figure in the
form each reader expects, and no renderer formats a number on its own:

=========  ==================  ====================  ==============
kind       PDF (:func:`display`)  CSV (:func:`plain`)   JSON (:func:`json_value`)
=========  ==================  ====================  ==============
amount     ``1,234.50``        ``1234.50``           ``"1234.50"``
percent    ``4.25%``           ``4.25``              ``"4.25"``
int        ``1,234``           ``1234``              ``1234``
date       ``2025-06-30``      ``2025-06-30``        ``"2025-06-30"``
text       as is               as is                 as is
=========  ==================  ====================  ==============

``None`` is a blank cell everywhere (``""``, or JSON ``null``), except a
percent in the PDF: ``—``, a ratio with nothing to divide by. Nothing here
rounds: a percent keeps the places it was given and gains zeros up to two.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from zhengkedai.domain.money import format_grouped, format_plain
from zhengkedai.domain.statement import CellValue, ColumnKind, check_value

_TWO_PLACES = Decimal("0.01")
NO_RATIO = "—"  # the PDF's spelling of a percent that has no value (0 ÷ 0)


def format_percent(value: Decimal) -> str:
    """``Decimal("4.2")`` → ``"4.20"``; ``Decimal("5.0042")`` → ``"5.0042"``: zeros added, never rounded."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        value = value.quantize(_TWO_PLACES)  # exact: only appends zeros
    return f"{value:f}"


def plain(kind: ColumnKind, value: CellValue) -> str:
    """The CSV spelling: machine-readable, no grouping, no unit signs."""
    check_value(kind, value, "cell")
    if value is None:
        return ""
    if kind == "amount":
        assert isinstance(value, int)
        return format_plain(value)
    if kind == "percent":
        assert isinstance(value, Decimal)
        return format_percent(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def json_value(kind: ColumnKind, value: CellValue) -> str | int | None:
    """The JSON spelling: amounts and percents as exact strings, counts as numbers."""
    if value is None:
        return None
    if kind == "int":
        check_value(kind, value, "cell")
        assert isinstance(value, int)
        return value
    return plain(kind, value)


def display(kind: ColumnKind, value: CellValue) -> str:
    """The PDF spelling: thousands separators, two decimals, a ``%`` sign.

    A percent with no value is a ratio of nothing (an overdue ratio with no
    principal outstanding): ``—``, so it does not read as a figure left out.
    """
    check_value(kind, value, "cell")
    if value is None:
        return NO_RATIO if kind == "percent" else ""
    if kind == "amount":
        assert isinstance(value, int)
        return format_grouped(value)
    if kind == "int":
        return f"{value:,}"
    if kind == "percent":
        assert isinstance(value, Decimal)
        return format_percent(value) + "%"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def display_timestamp(moment: dt.datetime) -> str:
    """``2025-07-01 09:30:00`` (with ``+08:00`` when the time carries a zone)."""
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    offset = moment.strftime("%z")
    return f"{text} {offset[:3]}:{offset[3:]}" if offset else text
