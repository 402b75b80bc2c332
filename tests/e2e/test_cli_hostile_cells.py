"""Cells that would be read as something else are refused, naming the character, and write nothing."""

from __future__ import annotations

import pytest

from .test_cli_submit import EVENT_HEAD, LOAN_HEAD, counts, loan_line, write


@pytest.fixture
def clerk(zkd_frozen):  # type: ignore[no-untyped-def]
    zkd = zkd_frozen
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    return zkd


@pytest.mark.parametrize(("cell", "named"), [
    ("A\x001", "U+0000"),
    ("A\u200b1", "U+200B ZERO WIDTH SPACE"),
    ("A\ufeff1", "U+FEFF"),
    ("A\u200f1", "RIGHT-TO-LEFT MARK"),
])
def test_a_loan_number_with_a_nul_or_an_invisible_character_is_refused_and_nothing_is_written(
        clerk, db_url, tmp_path, cell, named) -> None:
    path = write(tmp_path, "loans.csv", "\n".join([LOAN_HEAD, loan_line("A0", 1),
                                                   loan_line(cell, 2)]) + "\n")
    r = clerk("submit", str(path), "--institution", "ZZB")
    assert r.exit_code == 2, r.stderr
    assert "loans.csv:3: 贷款编号" in r.stderr and named in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("Error: loans.csv rejected: 1 error")
    assert counts(db_url) == (0, 0, 0)


def test_a_nul_in_a_note_is_refused_on_every_database(clerk, db_url, tmp_path) -> None:
    loans = write(tmp_path, "loans.csv", LOAN_HEAD + "\n" + loan_line("L1", 1) + "\n")
    assert clerk("submit", str(loans), "--institution", "ZZB").exit_code == 0
    events = write(tmp_path, "events.csv",
                   f"{EVENT_HEAD}\nL1,还款,2025-03-01,100,\"first\x00second\"\n")
    r = clerk("submit", str(events), "--institution", "ZZB")
    assert r.exit_code == 2, r.stderr
    assert "备注" in r.stderr and "U+0000" in r.stderr
    assert counts(db_url) == (1, 1, 0)


@pytest.mark.parametrize(("principal", "reason"), [
    ("1000000¹", "digit form '¹' (U+00B9 SUPERSCRIPT ONE)"),
    ("①000000", "CIRCLED DIGIT ONE"),
    ("१000000", "DEVANAGARI DIGIT ONE"),
    ("+1000000", "is not a number"),
    (".5", "is not a number"),
    ("RMB1000000", "is not a number"),
    ("#DIV/0!", "spreadsheet error value"),
])
def test_an_amount_in_a_spelling_the_spec_does_not_list_is_refused(
        clerk, db_url, tmp_path, principal, reason) -> None:
    path = write(tmp_path, "loans.csv", LOAN_HEAD + "\n" + loan_line("A1", 1, principal=principal)
                 + "\n")
    r = clerk("submit", str(path), "--institution", "ZZB")
    assert r.exit_code == 2, r.stderr
    assert "贷款金额" in r.stderr and reason in r.stderr
    assert counts(db_url) == (0, 0, 0)


def test_full_width_amounts_and_codes_are_still_read_as_their_ascii_twins(clerk, db_url,
                                                                          tmp_path) -> None:
    path = write(tmp_path, "loans.csv", LOAN_HEAD + "\n"
                 + loan_line("ＦＷ１", 1, principal="１,０００,０００.００") + "\n")
    r = clerk("submit", str(path), "--institution", "ZZB")
    assert r.exit_code == 0, r.stderr
    assert counts(db_url) == (1, 1, 0)


def test_a_date_with_two_kinds_of_separator_is_refused(clerk, db_url, tmp_path) -> None:
    path = write(tmp_path, "loans.csv", LOAN_HEAD + "\n"
                 + loan_line("A1", 1, disbursed="2025-6/8") + "\n")
    r = clerk("submit", str(path), "--institution", "ZZB")
    assert r.exit_code == 2 and "'2025-6/8' is not a date like" in r.stderr
