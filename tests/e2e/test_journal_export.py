"""``zkd journal export`` and the standalone script that recomputes the chain from it (SPEC 13)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "recompute_chain.py"


@pytest.fixture
def ledger(zkd, db_url):  # type: ignore[no-untyped-def]
    """Three entries; on SQLite, one by an operator whose name a spreadsheet would run as a
    formula (on PostgreSQL the operator is the login, and a login cannot be typed in)."""
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    for amount, source, ref in (("1,000.50", "city", "CZ-1"), ("2000", "district:金水区", "QX-1")):
        r = zkd("reserve", "deposit", amount, "--source", source, "--at", "ZZB",
                "--on", "2025-01-02", "--ref", ref)
        assert r.exit_code == 0, r.output
    who = ["--operator", "=HYPERLINK(\"x\")"] if db_url.startswith("sqlite") else []
    r = zkd("reverse", "2", "--reason", "录错金额", "--on", "2025-01-03", *who)
    assert r.exit_code == 0, r.output
    return zkd


def _recompute(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True,
                          text=True, check=False)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_the_script_recomputes_the_same_chain_head_as_zkd_from_an_export(ledger, tmp_path,
                                                                          fmt) -> None:
    out = tmp_path / f"journal.{fmt}"
    r = ledger("journal", "export", "--format", fmt, "-o", str(out))
    assert r.exit_code == 0, r.output
    head = json.loads(ledger("verify", "--format", "json").output)["chain_head"]
    assert f"Wrote 3 journal entries to {out}; chain head {head} at entry #3." in r.output
    done = _recompute(out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"OK: 3 entries, chain head {head} at entry #3"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_csv_export_has_a_row_per_line_and_no_cell_a_spreadsheet_would_run(ledger,
                                                                               tmp_path) -> None:
    out = tmp_path / "journal.csv"
    ledger("journal", "export", "--format", "csv", "-o", str(out))
    text = out.read_text(encoding="utf-8-sig")
    rows = text.splitlines()
    assert rows[0].startswith("seq,date,kind,memo,key,source,reverses,operator,created_at,"
                              "line_no,account,amount_fen,prev_hash,hash")
    assert len(rows) == 1 + 6  # three entries of two lines each
    reversal = [row for row in rows[1:] if row.startswith("3,")]
    assert len(reversal) == 2 and all(',"\'=HYPERLINK' in row for row in reversal)
    assert not any(",=" in row for row in rows[1:])


def test_the_jsonl_export_holds_each_entry_with_its_lines_and_both_hashes(ledger,
                                                                         tmp_path) -> None:
    out = tmp_path / "journal.jsonl"
    ledger("journal", "export", "-o", str(out))
    entries = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert entries[0]["prev_hash"] == "0" * 64
    assert [e["prev_hash"] for e in entries[1:]] == [e["hash"] for e in entries[:-1]]
    assert entries[2]["reverses"] == 2
    assert sorted(amount for _, amount in entries[0]["lines"]) == [-100050, 100050]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_the_script_fails_on_a_tampered_export(ledger, tmp_path, fmt) -> None:
    out = tmp_path / f"journal.{fmt}"
    ledger("journal", "export", "--format", fmt, "-o", str(out))
    text = out.read_text(encoding="utf-8")
    tampered = text.replace("200000", "200001", 1) if fmt == "jsonl" else text.replace(
        ",200000,", ",200001,", 1)
    assert tampered != text
    out.write_text(tampered, encoding="utf-8")
    done = _recompute(out)
    assert done.returncode == 1
    assert "entry #2: content does not match its hash" in done.stderr


def test_the_script_names_an_entry_dropped_from_the_middle(ledger, tmp_path) -> None:
    out = tmp_path / "journal.jsonl"
    ledger("journal", "export", "-o", str(out))
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text(lines[0] + lines[2], encoding="utf-8")
    done = _recompute(out)
    assert done.returncode == 1
    assert "entry #3: expected entry #2 here" in done.stderr
