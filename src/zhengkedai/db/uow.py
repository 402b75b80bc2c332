"""The unit of work: one database transaction per command.

Services get a :class:`UnitOfWork`, act, and call :meth:`commit`; anything
raised before that rolls back, so a refused command changes nothing. Claims and
subsidies are read and written through its repositories (``uow.claims``,
``uow.subsidies``).
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from .claims_repo import ClaimsRepo
from .digests import Tracker
from .engine import is_sqlite
from .models import LedgerHead
from .subsidies_repo import SubsidiesRepo


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session: Session | None = None
        self._locked = False

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self.engine, expire_on_commit=False, autoflush=False)
        self._locked = False
        # every covered row this transaction writes is digested as it commits (db.digests)
        self.records = Tracker()
        event.listen(self.session, "after_flush", self.records.after_flush)
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

    @property
    def claims(self) -> ClaimsRepo:
        """The compensation claims, as domain objects (``db.claims_repo``)."""
        return ClaimsRepo(self)

    @property
    def subsidies(self) -> SubsidiesRepo:
        """The subsidy applications, as domain objects (``db.subsidies_repo``)."""
        return SubsidiesRepo(self)

    def commit(self) -> None:
        self.s.flush()
        self.records.seal(self.s)
        self.s.commit()
        self._locked = False

    def rollback(self) -> None:
        self.s.rollback()
        self.records.clear()
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
