"""``zkd user`` on SQLite: a one-office ledger records people, enforces nothing, names them."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from zhengkedai_cli.main import main


def test_on_sqlite_people_are_recorded_and_the_office_works_as_one(
        tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ZKD_DATABASE_URL", f"sqlite:///{tmp_path / 'zkd.db'}")
    monkeypatch.setenv("ZKD_OPERATOR", "wang")
    runner = CliRunner()

    def zkd(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    assert zkd("init").exit_code == 0
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    r = zkd("user", "add", "zzb_li", "--role", "bank", "--institution", "ZZB", "--name", "李明",
            "--password-stdin", input="pw\n")
    assert r.exit_code == 0 and "SQLite: no login, nothing enforced" in r.output
    assert zkd("user", "add", "wang", "--role", "finance", "--name", "王芳").exit_code == 0
    r = zkd("user", "add", "li", "--role", "bank", "--name", "某")
    assert r.exit_code == 1 and "give --institution CODE" in r.stderr
    r = zkd("user", "add", "Bad Name", "--role", "auditor", "--name", "某")
    assert r.exit_code == 1 and "lower-case letters" in r.stderr
    # no rights are checked: the bank person's login may book a deposit here
    r = zkd("--operator", "zzb_li", "reserve", "deposit", "100", "--source", "city",
            "--at", "ZZB", "--on", "2025-01-02", "--ref", "R1")
    assert r.exit_code == 0, r.output
    assert zkd("user", "disable", "zzb_li").exit_code == 0
    rows = json.loads(zkd("user", "list", "--format", "json").output)
    assert [(p["login"], p["name"], p["role"], p["institution"], p["status"]) for p in rows] == [
        ("wang", "王芳", "finance", "", "active"), ("zzb_li", "李明", "bank", "ZZB", "disabled")]
    r = zkd("statement", "2025-01", "--format", "json", "-o", str(tmp_path / "out"))
    assert r.exit_code == 0, r.output
    text = "".join(p.read_text("utf-8") for p in (tmp_path / "out").glob("*.json"))
    assert "编制：王芳" in text and "李明" in text  # the deposit's operator, by name
