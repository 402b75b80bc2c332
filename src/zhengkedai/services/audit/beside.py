"""Checks run in a second process, beside the others: `zkd verify` on two cores.

The checks that are the database's own work (the record digests, the loans'
replay) run in a child process forked at the start, over a connection of its
own, while this process runs the rest; their problems come back through a pipe
and take their place in the report as if run here, so the report is the same.

Only what is committed is seen by another connection, so a transaction that
has written anything runs every check itself (:func:`start` says None), and
so does an in-memory database. If the child fails in any way (an error, killed,
a partial answer), its checks are run here after all: it can only save time.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Sequence

from zhengkedai.db.engine import make_engine, sqlite_path
from zhengkedai.db.uow import UnitOfWork

Check = Callable[[UnitOfWork], list[str]]


class Beside:
    """A child process running ``checks``; :meth:`problems` waits for what each found."""

    def __init__(self, uow: UnitOfWork, checks: Sequence[Check], pid: int, fd: int) -> None:
        self.uow, self.checks, self.pid, self.fd = uow, list(checks), pid, fd
        self._found: list[list[str]] | None = None

    def problems(self) -> list[list[str]]:
        """What each check found, in the order given (run here if the child could not)."""
        if self._found is None:
            self._found = self._collect()
            if self._found is None:
                self._found = [check(self.uow) for check in self.checks]
        return self._found

    def _collect(self) -> list[list[str]] | None:
        parts = []
        try:
            while chunk := os.read(self.fd, 1 << 16):
                parts.append(chunk)
        finally:
            os.close(self.fd)
            _pid, status = os.waitpid(self.pid, 0)
        if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return None
        try:
            found = json.loads(b"".join(parts))
        except ValueError:
            return None
        if not (isinstance(found, list) and len(found) == len(self.checks)):
            return None
        return [[str(p) for p in one] for one in found]

    def abandon(self) -> None:
        """Stop the child (this process failed, its answer is not wanted)."""
        if self._found is None:
            self._found = []
            os.close(self.fd)
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)


def start(uow: UnitOfWork, checks: Sequence[Check]) -> Beside | None:
    """Fork a child running ``checks`` over its own connection, or None where it cannot."""
    url = uow.engine.url.render_as_string(hide_password=False)
    if (not checks or not hasattr(os, "fork") or _written(uow)
            or (uow.engine.dialect.name == "sqlite" and sqlite_path(url) is None)):
        return None
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read)
        code = 1
        try:
            engine = make_engine(url, create=False, reader=True)
            with UnitOfWork(engine) as own:
                found = [check(own) for check in checks]
            data = json.dumps(found, ensure_ascii=False).encode("utf-8")
            view = memoryview(data)
            while view:
                view = view[os.write(write, view):]
            code = 0
        except BaseException:  # noqa: BLE001 - the parent runs the checks itself
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    return Beside(uow, checks, pid, read)


def _written(uow: UnitOfWork) -> bool:
    """Whether the transaction has written something another connection cannot see."""
    s = uow.s
    if (s.new or s.dirty or s.deleted or uow.records.written or uow.records.deleted
            or uow.records.new_files):
        return True
    if not s.in_transaction():
        return False
    conn = s.connection()
    if conn.dialect.name == "sqlite":
        changes = conn.connection.dbapi_connection.total_changes  # type: ignore[union-attr]
        return bool(changes != conn.info.get("changes_at_begin", -1))
    return conn.exec_driver_sql("SELECT txid_current_if_assigned()").scalar() is not None
