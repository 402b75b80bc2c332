"""What a repository needs of the unit of work: its session and the ledger lock.

The unit of work (:mod:`zhengkedai.db.uow`) exposes the repositories
(``uow.claims``, ``uow.subsidies``); they name it by this protocol rather than
by importing it, so neither module imports the other back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy.orm import Session

from ..domain.errors import NotFound


class Work(Protocol):
    @property
    def s(self) -> Session: ...

    def lock_ledger(self) -> Any: ...


def read_row(work: Work, row_class: type[Any], key: int, *, lock: bool, missing: str) -> Any:
    """The stored row ``key`` of ``row_class``; with ``lock``, the ledger lock is taken first
    and the row read afresh (what a concurrent writer committed, not this session's copy).

    Raises:
        NotFound: no such row (``missing`` says so, in the reader's words).
    """
    if lock:
        work.lock_ledger()
    found = work.s.get(row_class, key, populate_existing=lock)
    if found is None:
        raise NotFound(missing)
    return found


def write_changed(work: Work, row: Any, values: Mapping[str, Any]) -> None:
    """Set on ``row`` the ``values`` that differ (so an unchanged row is not dirtied) and
    flush, through the session, where the record digests note the write."""
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
    work.s.flush()
