"""Shared fixtures: a migrated database on SQLite and, with ZKD_TEST_POSTGRES_URL, on PostgreSQL.

Every integration and end-to-end test that takes ``db_url`` (or ``engine``,
``uow``) runs once per backend. PostgreSQL tests use a database of their own,
created for the session and dropped after, so the ``test`` database is left alone.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import openpyxl.cell.cell  # noqa: F401 - imported before any frozen clock: it keys formats by type
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from zhengkedai.context import Actor
from zhengkedai.db import access, migrate
from zhengkedai.db.engine import make_engine
from zhengkedai.db.models import Base
from zhengkedai.db.uow import UnitOfWork

PG_URL = os.environ.get("ZKD_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

FROZEN = dt.datetime(2025, 7, 1, 9, 30, 0)


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests read zkd's messages in English (ZKD_LANG=en); a test of Chinese sets zh itself."""
    monkeypatch.setenv("ZKD_LANG", "en")


@pytest.fixture(autouse=True)
def signing_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own key folder: no test reads or writes ~/.zhengkedai/signing/."""
    folder = tmp_path_factory.mktemp("signing")
    monkeypatch.setenv("ZKD_SIGNING_DIR", str(folder))
    monkeypatch.delenv("ZKD_SIGNING_PASSPHRASE", raising=False)
    return folder


class FrozenClock:
    """A clock the test moves by hand."""

    def __init__(self, start: dt.datetime = FROZEN) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += dt.timedelta(**kwargs)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def actor(clock: FrozenClock) -> Actor:
    return Actor(operator="tester", clock=clock)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    if not PG_URL:
        yield None
        return
    admin_url = make_url(PG_URL).set(drivername="postgresql+psycopg")
    name = f"zkd_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        pytest.exit(f"ZKD_TEST_POSTGRES_URL is set but PostgreSQL is not usable: {exc}", 2)
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
        ), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        # group roles are cluster-wide: each run's go with its database
        access.drop_group_roles(conn, name)
    admin.dispose()


def _reset_postgres(url: str) -> None:
    """Empty every table (or rebuild the schema if a test moved it off head)."""
    engine = make_engine(url)
    try:
        heads = {migrate.current_revision(engine)}
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(migrate.alembic_config(engine))
        if heads == set(script.get_heads()):
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            with engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                conn.execute(text(
                    "INSERT INTO ledger_head (id, last_seq, last_hash) VALUES (1, 0, :h)"
                ), {"h": "0" * 64})
        else:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            migrate.upgrade(engine)
    finally:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path,
           pg_database: str | None) -> str:
    """A freshly migrated, empty database, once per backend."""
    if request.param == "sqlite":
        path = tmp_path / "zkd.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    assert pg_database is not None
    _reset_postgres(pg_database)
    return pg_database


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def uow(engine) -> Iterator[UnitOfWork]:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as u:
        yield u


@pytest.fixture
def zkd_frozen(db_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``zkd ARGS`` with the clock frozen at 2026-01-15 (so 2025 months can close)."""
    from click.testing import CliRunner
    from freezegun import freeze_time

    from zhengkedai_cli.main import main

    monkeypatch.setenv("ZKD_DATABASE_URL", db_url)
    if db_url.startswith("sqlite"):  # on PostgreSQL the operator is the login (SPEC 10)
        monkeypatch.setenv("ZKD_OPERATOR", "clerk")
    else:
        monkeypatch.delenv("ZKD_OPERATOR", raising=False)
    runner = CliRunner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        with freeze_time("2026-01-15 08:00:00"):
            return runner.invoke(main, list(args), catch_exceptions=False)

    return run
