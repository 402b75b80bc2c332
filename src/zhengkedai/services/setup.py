"""Creating or upgrading a database: Alembic to head, then the bundled policies."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from zhengkedai.context import Actor
from zhengkedai.db import migrate
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
    with UnitOfWork(engine) as uow:
        note = policies.load_bundled(uow, actor)
        uow.commit()
    return InitResult(before, after, (note,) if note else ())
