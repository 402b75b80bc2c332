"""The unit of work: one database transaction per command.

Services get a :class:`UnitOfWork`, act, and call :meth:`commit`; anything
raised before that rolls back, so a refused command changes nothing.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from .engine import is_sqlite
from .models import LedgerHead


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session: Session | None = None
        self._locked = False

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self.engine, expire_on_commit=False, autoflush=False)
        self._locked = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self.session is not None
        if exc_type is not None:
            self.session.rollback()
        self.session.close()
        self.session = None

    @property
    def s(self) -> Session:
        assert self.session is not None, "use the unit of work in a with block"
        return self.session

    def commit(self) -> None:
        self.s.commit()
        self._locked = False

    def rollback(self) -> None:
        self.s.rollback()
        self._locked = False

    def lock_ledger(self) -> LedgerHead:
        """Serialise writers: the chain head, locked until this transaction ends.

        On SQLite the transaction already holds the write lock (BEGIN IMMEDIATE);
        on PostgreSQL this is a row lock that a second writer waits on.
        """
        stmt = select(LedgerHead).where(LedgerHead.id == 1)
        if not is_sqlite(self.engine):
            stmt = stmt.with_for_update()
        head = self.s.execute(stmt).scalar_one()
        if not self._locked:
            self.s.refresh(head)
        self._locked = True
        return head
