"""Creating or upgrading a database: Alembic to head, then the bundled policies."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from zhengkedai.context import Actor
from zhengkedai.db import digests, migrate
from zhengkedai.db.models import RecordDigestRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.services import policies


@dataclass(frozen=True)
class InitResult:
    revision_before: str | None
    revision_after: str | None
    notes: tuple[str, ...]


def init_database(engine: Engine, actor: Actor) -> InitResult:
    """Migrate to head, then store the bundled policies (idempotent: init may run again)."""
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    notes = []
    with UnitOfWork(engine) as uow:
        if before is not None and not uow.s.execute(
                select(func.count()).select_from(RecordDigestRow)).scalar():
            # a ledger kept before record digests: its records are sealed as they stand
            digests.backfill(uow.s.connection())
            notes.append("Recorded a digest of every stored record as it stands, so that "
                         "`zkd verify` sees any later change made outside zkd.")
        notes += policies.load_bundled(uow, actor)
        uow.commit()
    return InitResult(before, after, tuple(notes))
