"""Where zkd writes: never over the ledger or a file not its own, always through a temporary name;
and ``verify --pack`` reads only the pack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zhengkedai.db.engine import sqlite_path

from .test_cli_submit import LOAN_HEAD, counts, loan_line, write


@pytest.fixture
def clerk(zkd_frozen):  # type: ignore[no-untyped-def]
    zkd = zkd_frozen
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    return zkd


def bad_file(tmp_path: Path) -> Path:
    return write(tmp_path, "bad.csv", LOAN_HEAD + "\n" + loan_line("A1", 1, principal="x") + "\n")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # only SQLite's ledger is a file
def test_an_errors_path_naming_the_ledger_itself_is_refused_and_the_ledger_is_intact(
        clerk, db_url, tmp_path) -> None:
    ledger = sqlite_path(db_url)
    assert ledger is not None
    before = ledger.read_bytes()
    r = clerk("submit", str(bad_file(tmp_path)), "--institution", "ZZB", "--errors", str(ledger))
    assert r.exit_code == 1
    assert r.stderr.strip() == (f"Error: {ledger} is the ledger's own database; choose another "
                                "name for the errors CSV")
    assert ledger.read_bytes() == before
    assert clerk("institution", "list").exit_code == 0


def test_an_errors_path_naming_a_file_that_is_not_an_errors_csv_is_left_alone(
        clerk, db_url, tmp_path) -> None:
    precious = tmp_path / "budget.csv"
    precious.write_text("部门,金额\n科技局,100\n", encoding="utf-8")
    for source in (bad_file(tmp_path),
                   write(tmp_path, "good.csv", LOAN_HEAD + "\n" + loan_line("A1", 1) + "\n")):
        r = clerk("submit", str(source), "--institution", "ZZB", "--errors", str(precious))
        assert r.exit_code == 1
        assert "budget.csv already exists and is not the errors CSV written by zkd" in r.stderr
    assert precious.read_text(encoding="utf-8") == "部门,金额\n科技局,100\n"
    assert counts(db_url) == (0, 0, 0)


def test_an_errors_csv_written_before_is_rewritten_and_no_temporary_file_is_left(
        clerk, tmp_path) -> None:
    errors = tmp_path / "out" / "errors.csv"
    errors.parent.mkdir()
    for _ in range(2):
        r = clerk("submit", str(bad_file(tmp_path)), "--institution", "ZZB", "--errors", str(errors))
        assert r.exit_code == 2
        assert "1 error(s) written to" in r.stderr
    assert [p.name for p in errors.parent.iterdir()] == ["errors.csv"]
    assert errors.read_text(encoding="utf-8-sig").startswith("file,row,column,value,message")


def test_a_template_is_not_written_over_an_existing_file(clerk, tmp_path) -> None:
    mine = tmp_path / "loans.csv"
    mine.write_text("my own notes", encoding="utf-8")
    r = clerk("template", "loans", "-o", str(mine))
    assert r.exit_code == 1
    assert "already exists" in r.stderr and mine.read_text(encoding="utf-8") == "my own notes"


@pytest.fixture
def pack(clerk, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    assert clerk("reserve", "deposit", "1,000", "--source", "city", "--at", "ZZB",
                 "--on", "2025-01-02", "--ref", "CZ-1").exit_code == 0
    out = tmp_path / "pack"
    r = clerk("statement", "2025-01", "--format", "csv", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary file left
    return out


@pytest.mark.parametrize("name", ["../secret.csv", "/etc/hostname", "sub/x.csv", ".."])
def test_verify_pack_reads_nothing_outside_the_pack(clerk, pack, tmp_path, name) -> None:
    (tmp_path / "secret.csv").write_text("outside", encoding="utf-8")
    manifest = pack / "2025-01_manifest.json"
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    doc["files"].append({"name": name, "sha256": "0" * 64})
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    r = clerk("verify", "--pack", str(pack))
    assert r.exit_code == 1
    assert "a plain file name in the pack" in r.stderr and "Traceback" not in r.stderr


def test_a_link_in_the_pack_pointing_outside_it_is_not_read(clerk, pack, tmp_path) -> None:
    (tmp_path / "secret.csv").write_text("outside", encoding="utf-8")
    target = pack / "2025-01_reserve.csv"
    target.unlink()
    target.symlink_to(tmp_path / "secret.csv")
    r = clerk("verify", "--pack", str(pack))
    assert r.exit_code == 1 and "2025-01_reserve.csv: listed in the manifest, missing" in r.stderr


@pytest.mark.parametrize("content", [
    "not json", "[]", '{"files": ["a"], "chain": {}}', '{"files": [], "chain": {"head": "x"}}',
    '{"files": [{"name": "a"}], "chain": {"last_seq": 0, "head": "x"}}',
    '{"files": [], "chain": {"last_seq": "x", "head": "y"}}',
])
def test_a_malformed_manifest_is_a_named_problem_not_a_crash(clerk, pack, content) -> None:
    (pack / "2025-01_manifest.json").write_text(content, encoding="utf-8")
    r = clerk("verify", "--pack", str(pack))
    assert r.exit_code == 1, r.stderr
    assert "2025-01_manifest.json: malformed manifest" in r.stderr
