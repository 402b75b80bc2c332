"""Bulk writes: many rows into one table, inside the session's transaction.

The import path's writer, written once for every table it fills (loans,
events). Rows come as columns (one list per column, one value a row), as the
file reader produces them, and go to the driver, not through SQLAlchemy,
whose per-row parameter handling cost twice the insert itself:

- on PostgreSQL, ``COPY … FROM STDIN`` on the session's own connection (the
  same transaction, rolled back with it); but PostgreSQL refuses ``COPY
  FROM`` into a table whose row-level security applies to the login (a
  bank's, SPEC 10), and those rows go in by an ``INSERT`` executemany;
- on SQLite, multi-row ``INSERT … VALUES (…), (…)`` statements of up to 500
  rows (a third faster than an executemany of one row at a time).

Values are converted by the table columns' own bind processors, once per
distinct value (a file has few distinct dates, kinds and flags), so what is
stored is what ``insert(table)`` would store.

:meth:`BulkWriter.write_or_check` is the optimistic write: a batch is written
in a savepoint, and only if the database refuses it (a unique index is the
rule the batch may break) is it rolled back and handed to the caller's
row-by-row check, whose clean rows are then written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.exc import IntegrityError

Columns = Sequence[Sequence[Any]]
"""One sequence of values per column of the writer, all of one length."""


class BulkWriter:
    """Writes rows given as columns into ``table``'s ``names`` columns."""

    def __init__(self, conn: Connection, table: Table, names: Sequence[str]) -> None:
        self.conn = conn
        dialect = conn.dialect
        self.postgresql = dialect.name == "postgresql"
        self.width = len(names)
        self.processors: list[tuple[int, Any, dict[Any, Any]]] = [
            (i, process, {}) for i, name in enumerate(names)
            if (process := table.c[name].type._cached_bind_processor(dialect))]
        self.refused = (IntegrityError, dialect.loaded_dbapi.IntegrityError)
        listed = ", ".join(names)
        if self.postgresql:
            self.copy = not conn.exec_driver_sql(
                f"SELECT row_security_active('{table.name}')").scalar()
            self.sql = (f"COPY {table.name} ({listed}) FROM STDIN" if self.copy else
                        f"INSERT INTO {table.name} ({listed}) VALUES ("
                        + ", ".join("%s" for _ in names) + ")")
            return
        driver = conn.connection.driver_connection
        # as many rows a statement as SQLite's limit on bound values allows, up to 500
        limit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)  # type: ignore[union-attr]
        self.step = max(1, min(500, limit // self.width))
        self.sql = f"INSERT INTO {table.name} ({listed}) VALUES "
        self.marks = "(" + ", ".join("?" for _ in names) + ")"

    def write(self, columns: Columns) -> None:
        """Insert the rows; the values are as ``insert(table)`` would take them."""
        values = list(columns)
        if not values or not values[0]:
            return
        n = len(values[0])
        for i, process, memo in self.processors:
            if len(memo) > 4096:
                memo.clear()
            for v in set(values[i]).difference(memo):
                memo[v] = process(v)
            values[i] = list(map(memo.__getitem__, values[i]))
        driver = self.conn.connection.driver_connection
        if self.postgresql:
            with driver.cursor() as cursor:  # type: ignore[union-attr]
                if not self.copy:
                    cursor.executemany(self.sql, list(zip(*values, strict=True)))
                    return
                with cursor.copy(self.sql) as copy:
                    for row in zip(*values, strict=True):
                        copy.write_row(row)
            return
        # the batch's values row after row, in one flat list: one slice
        # assignment a column, then a statement per `step` rows
        width = self.width
        flat: list[Any] = [None] * (n * width)
        for i, column in enumerate(values):
            flat[i::width] = column
        cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            full = self.sql + ", ".join([self.marks] * self.step)
            for start in range(0, n, self.step):
                count = min(self.step, n - start)
                sql = full if count == self.step else self.sql + ", ".join([self.marks] * count)
                cursor.execute(sql, flat[start * width:(start + count) * width])
        finally:
            cursor.close()

    def try_write(self, columns: Columns) -> bool:
        """:meth:`write` if the database takes every row; else write nothing, return False.

        The batch is written in a savepoint, so a refusal (an ``IntegrityError``:
        a unique index) undoes it and the transaction goes on.
        """
        # plain SQL to the driver: SQLAlchemy's begin_nested() cost a tenth of
        # the write, compiling the SAVEPOINT statements for every batch
        driver = self.conn.connection.driver_connection
        savepoint = driver.cursor()  # type: ignore[union-attr]
        try:
            savepoint.execute("SAVEPOINT zkd_bulk")
            try:
                self.write(columns)
            except self.refused:
                savepoint.execute("ROLLBACK TO SAVEPOINT zkd_bulk")
                return False
            finally:
                savepoint.execute("RELEASE SAVEPOINT zkd_bulk")
            return True
        finally:
            savepoint.close()

    def write_or_check(self, columns: Columns, check: Callable[[], Columns | None]) -> bool:
        """Write the batch optimistically; if it is refused, write what ``check`` keeps.

        ``check`` runs only after a refusal (everything of the batch undone):
        it checks the batch row by row, records its errors, and returns the
        columns of the rows still to write (or None for none). Returns whether
        the optimistic write went through.
        """
        if self.try_write(columns):
            return True
        kept = check()
        if kept is not None:
            self.write(kept)
        return False


def analyze(conn: Connection, *tables: str) -> None:
    """Refresh PostgreSQL's statistics of ``tables`` after a large write.

    Right after a large import the planner still counts the tables as they
    were, and chooses plans for a few rows (events filed right after a
    million-loan import ran 4.8× slower until ``ANALYZE``). SQLite keeps no
    statistics unless asked (``ANALYZE`` there would fix plans that are good now).
    """
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        conn.exec_driver_sql(f"ANALYZE {table}")
