"""A pack's loan-list attachments, written by other processes beside the statements.

An institution's loan list (``2025-06_ZZB_loans.csv``) is every loan it filed:
at a million loans, more work than all the month's statements together, and
most of it the database's. So the lists are written in child processes forked
before the statements are computed (:mod:`zhengkedai.services.audit.beside`),
one a core, each over a connection of its own, into a temporary folder; the
pack then takes each file from there, in its place among the pack's files, and
seals it like the others. Where no child can run (an in-memory database, a
transaction that has written) or one fails, each list is written here, as it
is taken: the same bytes, only without the other cores.

A child reads what is committed when it starts, as the statements read what is
committed when they are computed, a moment apart: a file filed by a bank in
that moment shows in an open month's draft lists and not in its statements (or
the other way round), as it would between two runs. A closed month's figures
do not move with what is filed later.
"""

from __future__ import annotations

import atexit
import os
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
    """The loan lists of ``codes`` (institution codes) for ``month``, started at once: in
    as many children as there are cores (the lists shared out in turn), at most one a list."""

    def __init__(self, uow: UnitOfWork, month: Month, codes: Sequence[str]) -> None:
        self.uow, self.month, self.codes = uow, month, list(codes)
        self.folder = Path(tempfile.mkdtemp(prefix="zkd-loan-lists-"))
        self.taken: set[str] = set()
        share = max(1, min(len(self.codes), os.cpu_count() or 1))
        shares = [self.codes[n::share] for n in range(share)]
        # each list's child and its place among that child's jobs
        self.where = {code: (n, i) for n, codes_of in enumerate(shares)
                      for i, code in enumerate(codes_of)}
        self.children: list[beside.Beside] = []
        for codes_of in shares:
            child = beside.start(uow, [self._job(code) for code in codes_of])
            if child is None:
                break
            self.children.append(child)
        if len(self.children) < len(shares):  # one could not start: none is used
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
        """The list of ``code`` in chunks: as a child wrote it, or written now."""
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
        if not self.children or code not in self.where:
            return None
        child, job = self.where[code]
        found = self.children[child].problems()[job]  # waits for that child
        path = Path(found[0]) if len(found) == 1 else None
        return path if path is not None and path.parent == self.folder and path.is_file() \
            else None

    def close(self) -> None:
        """Stop the children whose lists were not all taken, and remove what they wrote."""
        for child in self.children:
            child.abandon()
        self.children = []
        shutil.rmtree(self.folder, ignore_errors=True)
        atexit.unregister(self.close)
