"""No CSV zkd writes runs a bank's text as a spreadsheet formula: listings, statements, errors."""

from __future__ import annotations

import csv
import io
import re

import pytest

from zhengkedai.imports.uscc import make_uscc

from .test_cli_submit import EVENT_HEAD, LOAN_HEAD, write

HYPERLINK = '=HYPERLINK("http://evil.example/?x","open")'
CALC = "=cmd|' /C calc'!A0"
NUMBER = re.compile(r"[+-]?[0-9][0-9,]*(\.[0-9]+)?")


def formula_cells(text: str) -> list[str]:
    """Cells that a spreadsheet would run (numbers excepted)."""
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not NUMBER.fullmatch(cell)]


@pytest.fixture
def hostile_claim(zkd_frozen, tmp_path):  # type: ignore[no-untyped-def]
    """A loan numbered =HYPERLINK(…) of a firm named =cmd|…, with a loss that opened a claim."""
    zkd = zkd_frozen
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    loan = (f'"{HYPERLINK.replace(chr(34), chr(34) * 2)}",{CALC},{make_uscc("410100", 1)},'
            f"@district,10000000,否,否,否,抵押,0,1000000,3.85,2025-01-10,2026-01-10,,")
    r = zkd("submit", str(write(tmp_path, "loans.csv", f"{LOAN_HEAD}\n{loan}\n")),
            "--institution", "ZZB")
    assert r.exit_code == 0, r.stderr
    events = f'{EVENT_HEAD}\n"{HYPERLINK.replace(chr(34), chr(34) * 2)}",损失确认,2025-03-01,500000,\n'
    r = zkd("submit", str(write(tmp_path, "events.csv", events)), "--institution", "ZZB")
    assert r.exit_code == 0, r.stderr
    return zkd


def test_a_loan_number_that_is_a_formula_is_text_in_the_claims_csv(hostile_claim) -> None:
    r = hostile_claim("claims", "list", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert rows[0]["loan_no"] == "'" + HYPERLINK
    assert formula_cells(r.output) == []
    # JSON is for programs, not spreadsheets: the loan number is as filed
    assert HYPERLINK.replace('"', '\\"') in hostile_claim("claims", "list", "--format", "json").output


def test_no_statement_csv_has_a_cell_a_spreadsheet_would_run(hostile_claim, tmp_path) -> None:
    out = tmp_path / "statements"
    r = hostile_claim("statement", "2025-03", "--format", "csv", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    texts = {p.name: p.read_text(encoding="utf-8-sig") for p in out.glob("*.csv")}
    assert texts and any("'" + HYPERLINK.replace('"', '""') in t or "'" + HYPERLINK in t
                         for t in texts.values())
    for name, text in texts.items():
        assert formula_cells(text) == [], name


def test_the_errors_csv_neutralises_its_file_name_column_too(zkd_frozen, tmp_path) -> None:
    zkd = zkd_frozen
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    path = write(tmp_path, "=1+2.csv", f"{EVENT_HEAD}\n{HYPERLINK.replace(',', '')},还款,2025-03-01,1,\n")
    errors = tmp_path / "errors.csv"
    r = zkd("submit", str(path), "--institution", "ZZB", "--errors", str(errors))
    assert r.exit_code != 0
    text = errors.read_text(encoding="utf-8-sig")
    assert "'=1+2.csv" in text
    assert formula_cells(text) == []
