from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.engine import make_url

from zhengkedai_cli.main import main


@pytest.fixture
def operator(db_url: str) -> str:
    """Who the ``zkd`` fixture acts as: 'clerk' on SQLite, the database login on PostgreSQL."""
    return "clerk" if db_url.startswith("sqlite") else str(make_url(db_url).username)


@pytest.fixture
def chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Chinese session, the default (SPEC 12): no language chosen by any variable."""
    for name in ("ZKD_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def zkd(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run ``zkd ARGS`` against the test database, as the operator 'clerk' (on PostgreSQL: the login)."""
    monkeypatch.setenv("ZKD_DATABASE_URL", db_url)
    if db_url.startswith("sqlite"):  # on PostgreSQL the operator is the login (SPEC 10)
        monkeypatch.setenv("ZKD_OPERATOR", "clerk")
    else:
        monkeypatch.delenv("ZKD_OPERATOR", raising=False)
    monkeypatch.delenv("ZKD_DEBUG", raising=False)
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return run
