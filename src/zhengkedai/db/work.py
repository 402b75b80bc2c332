"""What a repository needs of the unit of work: its session and the ledger lock.

The unit of work (:mod:`zhengkedai.db.uow`) exposes the repositories
(``uow.claims``, ``uow.subsidies``); they name it by this protocol rather than
by importing it, so neither module imports the other back.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.orm import Session


class Work(Protocol):
    @property
    def s(self) -> Session: ...

    def lock_ledger(self) -> Any: ...
