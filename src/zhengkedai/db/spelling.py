"""Amounts and dates spelt by the database as zkd spells them in CSV and JSON.

A loan list of a million rows is written fastest when the database hands over
each cell already spelt: ``1234.50`` for an amount in fen
(:func:`zhengkedai.domain.money.format_plain`) and ``2025-06-30`` for a date
(ISO), the same text the Python spelling gives — ``tests`` hold the two to each
other on both databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, String, case, cast, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from zhengkedai.domain.money import FEN_PER_YUAN


class plain_amount(FunctionElement[str]):  # noqa: N801 (an SQL function, named as one)
    """``format_plain(x)`` in SQL: an integer amount in fen as ``[-]yuan.ff``."""

    type = String()
    inherit_cache = True
    name = "plain_amount"


@compiles(plain_amount)
def _plain_sqlite(element: plain_amount, compiler: Any, **kw: Any) -> str:
    [x] = element.clauses
    x = cast(x, BigInteger)
    return compiler.process(func.printf("%s%d.%02d", _sign(x), _yuan(x),
                                        func.abs(x) % FEN_PER_YUAN), **kw)


@compiles(plain_amount, "postgresql")
def _plain_postgresql(element: plain_amount, compiler: Any, **kw: Any) -> str:
    [x] = element.clauses
    x = cast(x, BigInteger)  # a sum of bigints is numeric on PostgreSQL
    spelt = (_sign(x) + cast(_yuan(x), String) + "."
             + func.lpad(cast(func.abs(x) % FEN_PER_YUAN, String), 2, "0"))
    return compiler.process(spelt, **kw)


def _yuan(x: ColumnElement[Any]) -> ColumnElement[int]:
    """Whole yuan of ``|x|``: integer division (``//`` is FLOOR(), a float, on SQLite)."""
    return func.abs(x).op("/", return_type=BigInteger)(FEN_PER_YUAN)


def _sign(x: ColumnElement[Any]) -> ColumnElement[str]:
    return case((x < 0, "-"), else_="")


class iso_date(FunctionElement[str]):  # noqa: N801
    """A date as ``YYYY-MM-DD`` (whatever the server's date style)."""

    type = String()
    inherit_cache = True
    name = "iso_date"


@compiles(iso_date)
def _date_sqlite(element: iso_date, compiler: Any, **kw: Any) -> str:
    [d] = element.clauses  # SQLite keeps a date as its ISO text
    return compiler.process(cast(d, String), **kw)


@compiles(iso_date, "postgresql")
def _date_postgresql(element: iso_date, compiler: Any, **kw: Any) -> str:
    [d] = element.clauses
    return compiler.process(func.to_char(d, "YYYY-MM-DD"), **kw)
