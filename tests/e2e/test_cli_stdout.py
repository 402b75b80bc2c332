"""``-o -``: standard output where the content can go there, a clear refusal where it cannot;
never a file literally named ``-``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_cli_claims import two_claims  # noqa: F401 - a fixture
from tests.e2e.test_journal_export import ledger  # noqa: F401 - a fixture
from zhengkedai.db.engine import sqlite_path
from zhengkedai.imports.templates import template_csv

from .test_cli_submit import LOAN_HEAD, counts, loan_line, write


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working folder, where a file named ``-`` would appear."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_journal_export_to_dash_writes_the_export_to_standard_output(ledger, here, tmp_path,  # noqa: F811
                                                                     fmt) -> None:
    r = ledger("journal", "export", "--format", fmt, "-o", "-")
    assert r.exit_code == 0, r.stderr
    assert not (here / "-").exists()
    out = tmp_path / f"journal.{fmt}"
    assert ledger("journal", "export", "--format", fmt, "-o", str(out)).exit_code == 0
    assert r.stdout_bytes == out.read_bytes()  # the same bytes as the file
    head = json.loads(ledger("verify", "--format", "json").output)["chain_head"]
    # what was written is said on stderr, so standard output holds the export alone
    assert r.stderr.strip() == (f"Wrote 3 journal entries to standard output; chain head {head} "
                                "at entry #3.")


def test_the_jsonl_on_standard_output_is_one_entry_a_line(ledger, here) -> None:  # noqa: F811
    r = ledger("journal", "export", "-o", "-")
    assert [json.loads(line)["seq"] for line in r.stdout.splitlines()] == [1, 2, 3]


def test_a_csv_template_goes_to_standard_output_and_an_xlsx_one_is_refused(zkd, here) -> None:
    r = zkd("template", "loans", "-o", "-")
    assert r.exit_code == 0, r.stderr
    assert r.stdout_bytes == template_csv("loans")  # what `-o loans.csv` would hold
    assert r.stdout_bytes.decode("utf-8-sig").startswith("贷款编号,企业名称,")
    r = zkd("template", "loans", "--xlsx", "-o", "-")
    assert r.exit_code == 2 and r.stdout == ""
    assert "an XLSX workbook cannot go to standard output; name a file (-o loans.xlsx)" \
        in r.stderr
    assert list(here.iterdir()) == []


def test_an_errors_csv_to_dash_is_refused_before_the_file_is_read(zkd, here, db_url,
                                                                   tmp_path) -> None:
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    good = write(tmp_path, "good.csv", LOAN_HEAD + "\n" + loan_line("A1", 1) + "\n")
    r = zkd("submit", str(good), "--institution", "ZZB", "--errors", "-")
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Invalid value for '--errors'" in lines[0]
    assert "the errors themselves are printed on standard error" in lines[0]
    assert counts(db_url) == (0, 0, 0)  # nothing imported
    assert list(here.iterdir()) == []


@pytest.mark.parametrize("args", [("statement", "2025-03"), ("claims", "notice", "1"),
                                  ("demo",)])
def test_a_folder_of_files_cannot_go_to_standard_output(two_claims, here, args) -> None:  # noqa: F811
    r = two_claims(*args, "-o", "-")
    assert r.exit_code == 2 and r.stdout == ""
    assert "'-' (standard output) cannot hold a folder of files; name a folder" in r.stderr
    assert list(here.iterdir()) == []


def test_the_refusal_is_in_chinese_by_default(zkd, here, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name in ("ZKD_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    r = zkd("statement", "2025-03", "-o", "-")
    assert r.exit_code == 2
    assert "“-”（标准输出）不能存放一组文件；请指定文件夹" in r.stderr


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # only SQLite's ledger is a file
def test_a_journal_export_naming_the_ledger_itself_is_refused_and_the_ledger_is_intact(
        ledger, db_url) -> None:  # noqa: F811
    path = sqlite_path(db_url)
    assert path is not None
    before = path.read_bytes()
    r = ledger("journal", "export", "-o", str(path))
    assert r.exit_code == 1
    assert r.stderr.strip() == (f"Error: {path} is the ledger's own database; choose another "
                                "name for the journal export")
    assert path.read_bytes() == before
    assert ledger("verify").exit_code == 0
