"""Running the Alembic migrations from code (``zkd init``, tests).

Alembic is imported when a migration runs, not with this module: importing it
cost every ``zkd`` command a fifth of a second, and only ``zkd init`` needs it.
"""

from __future__ import annotations

from collections.abc import Callable
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

    def step(cfg: Config) -> None:
        command.upgrade(cfg, revision)
        if revision == "head":
            access.apply(cfg.attributes["connection"])

    _run(engine, step)


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    _run(engine, lambda cfg: command.downgrade(cfg, revision))


def _run(engine: Engine, step: Callable[[Config], None]) -> None:
    """Run ``step`` in one transaction; on SQLite with foreign keys off, then checked.

    A SQLite migration that changes a table's constraints rebuilds the table
    (copy, drop, rename); with foreign keys on, dropping a table other tables
    refer to fails. SQLite's documented procedure: turn them off outside the
    transaction, migrate, check them with ``PRAGMA foreign_key_check``.
    """
    cfg = alembic_config(engine)
    with engine.connect() as conn:
        sqlite = engine.dialect.name == "sqlite"
        raw = conn.connection.driver_connection
        if sqlite:
            raw.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                step(cfg)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise RuntimeError(f"migration left a broken foreign key: {tuple(broken)}")
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
