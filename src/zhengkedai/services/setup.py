"""Creating or upgrading a database: Alembic to head, then the default policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from ..context import Actor
from ..db import migrate
from ..db.uow import UnitOfWork


@dataclass(frozen=True)
class InitResult:
    revision_before: str | None
    revision_after: str | None
    notes: tuple[str, ...]


# Steps run after the schema is at head, each in its own transaction (e.g. loading
# the default policy); they must be idempotent: init may run any number of times.
AFTER_MIGRATE: list[Callable[[UnitOfWork, Actor], str | None]] = []


def init_database(engine: Engine, actor: Actor) -> InitResult:
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    notes = []
    for step in AFTER_MIGRATE:
        with UnitOfWork(engine) as uow:
            note = step(uow, actor)
            uow.commit()
        if note:
            notes.append(note)
    return InitResult(before, after, tuple(notes))
from . import policies as _policies  # noqa: E402,F401  (registers its policy-loading step)
