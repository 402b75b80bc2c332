"""Running the Alembic migrations from code (``zkd init``, tests).

Alembic is imported when a migration runs, not with this module: importing it
cost every ``zkd`` command a fifth of a second, and only ``zkd init`` needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine

from .. import resources

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.migrations()))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to ``revision``; at head on PostgreSQL, also apply SPEC 10's roles and grants.

    The grants are applied after every upgrade (see :mod:`zhengkedai.db.access`),
    in the same transaction, so tables added by any revision are covered.
    """
    from alembic import command

    from . import access

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        if revision == "head":
            access.apply(conn)


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
