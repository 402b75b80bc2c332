"""Alembic environment: the schema is ``zhengkedai.db.models.Base.metadata``.

The URL comes from the Alembic config (set by ``zkd init`` and the tests), or
from ``ZKD_DATABASE_URL`` when alembic is run by hand.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from zhengkedai.db.engine import make_engine, resolve_url
from zhengkedai.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=resolve_url(config.get_main_option("sqlalchemy.url")),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    engine.pool = pool.NullPool(engine.pool._creator)  # type: ignore[attr-defined]
    with engine.connect() as conn:
        _run(conn)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
