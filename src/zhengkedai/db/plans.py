"""Nudges to SQLite's query planner, where it would choose a worse index.

SQLite plans without statistics (zkd does not ANALYZE an embedded ledger), so it
prefers an index matched by equality over one matched by a range, however few
rows the range holds: "the institution's loans withdrawn since the close" went
through the institution's index (a fifth of a million loans) instead of the
withdrawn rows' own (a handful). :func:`not_indexed` keeps a term out of the
index choice; PostgreSQL, which has statistics, gets the term as it is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class not_indexed(FunctionElement[Any]):  # noqa: N801 (an SQL expression, named as one)
    """``column`` that SQLite will not look up through an index (``+column``)."""

    inherit_cache = True
    name = "not_indexed"

    def __init__(self, column: ColumnElement[Any] | QueryableAttribute[Any]) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(not_indexed)
def _unary_plus(element: not_indexed, compiler: Any, **kw: Any) -> str:
    [column] = element.clauses
    return "+" + compiler.process(column, **kw)


@compiles(not_indexed, "postgresql")
def _as_is(element: not_indexed, compiler: Any, **kw: Any) -> str:
    [column] = element.clauses
    return compiler.process(column, **kw)
