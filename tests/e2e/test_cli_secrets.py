"""The database password never shows; a new SQLite ledger is its owner's alone."""

from __future__ import annotations

import stat

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from zhengkedai_cli.main import main

SECRET = "hunter2-s3cret"


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_a_new_sqlite_ledger_is_readable_by_its_owner_only(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ZKD_OPERATOR", "admin")
    path = tmp_path / "ledger.db"
    r = run("init", "--db", f"sqlite:///{path}")
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("url", [
    f"mysql://zkd:{SECRET}@db.example/ledger",
    f"postgresql://zkd:{SECRET}@127.0.0.1:1/ledger",
])
def test_a_refused_or_unreachable_database_url_never_shows_its_password(url) -> None:
    r = run("institution", "list", "--db", url)
    assert r.exit_code in (1, 2), r.output
    assert r.stderr.startswith("Error: ") and SECRET not in r.output + r.stderr


def test_init_prints_the_url_with_its_password_masked(db_url) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("a SQLite URL has no password")
    # the test server trusts local logins, so any password connects
    url = make_url(db_url).set(password=SECRET).render_as_string(hide_password=False)
    r = run("init", "--db", url)
    assert r.exit_code == 0, r.output
    assert SECRET not in r.output and "***" in r.output
