"""A pack's loan-list attachments, written by a second process beside the statements.

An institution's loan list (``2025-06_ZZB_loans.csv``) is every loan it filed:
at a million loans, as much work as all the month's statements together, and
the database's, not this process's. So it is written in a child process forked
before the statements are computed (:mod:`zhengkedai.services.audit.beside`),
over a connection of its own, into a temporary folder; the pack then takes each
file from there, in its place among the pack's files, and seals it like the
others. Where no child can run (an in-memory database, a transaction that has
written) or the child fails, each list is written here, as it is taken: the
same bytes, only without the second core.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from zhengkedai.db.uow import UnitOfWork
from zhengkedai.services.audit import beside
from zhengkedai.services.statements.common import Month
from zhengkedai.services.statements.institutions import loans_attachment

READ = 1 << 20  # bytes taken from a written list at a time


class LoanLists:
    """The loan lists of ``codes`` (institution codes) for ``month``, started at once."""

    def __init__(self, uow: UnitOfWork, month: Month, codes: Sequence[str]) -> None:
        self.uow, self.month, self.codes = uow, month, list(codes)
        self.folder = Path(tempfile.mkdtemp(prefix="zkd-loan-lists-"))
        jobs = [self._job(code) for code in self.codes]
        self.child = beside.start(uow, jobs)
        self.taken: set[str] = set()
        if self.child is None:
            self.close()
        else:
            atexit.register(self.close)

    def _job(self, code: str) -> beside.Check:
        def write(own: UnitOfWork) -> list[str]:
            path = self.folder / f"{code}.csv"
            with open(path, "wb") as out:
                for chunk in loans_attachment(own, self.month, code):
                    out.write(chunk)
            return [str(path)]
        return write

    def content(self, code: str) -> Iterator[bytes]:
        """The list of ``code`` in chunks: as the child wrote it, or written now."""
        path = self._written(code)
        if path is None:
            yield from loans_attachment(self.uow, self.month, code)
            return
        try:
            with open(path, "rb") as f:
                while chunk := f.read(READ):
                    yield chunk
        finally:
            path.unlink(missing_ok=True)
            self.taken.add(code)
            if self.taken >= set(self.codes):
                self.close()

    def _written(self, code: str) -> Path | None:
        if self.child is None or code not in self.codes:
            return None
        found = self.child.problems()[self.codes.index(code)]  # waits for the child
        path = Path(found[0]) if len(found) == 1 else None
        return path if path is not None and path.parent == self.folder and path.is_file() \
            else None

    def close(self) -> None:
        """Stop the child if its lists were not all taken, and remove what it wrote."""
        if self.child is not None:
            self.child.abandon()
        shutil.rmtree(self.folder, ignore_errors=True)
        atexit.unregister(self.close)
