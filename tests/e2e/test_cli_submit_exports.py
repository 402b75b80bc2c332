"""Files as banks export them (extra columns, totals rows, near-miss headers), and the receipt."""

from __future__ import annotations

import csv
import hashlib
import json
import re

import pytest

from .test_cli_submit import EVENT_HEAD, LOAN_HEAD, counts, loan_line, write


@pytest.fixture
def clerk(zkd_frozen):  # type: ignore[no-untyped-def]
    zkd = zkd_frozen
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    return zkd


def export(rows: list[str]) -> str:
    """A bank's export: 序号 first, 客户经理 and 备注 last, a 合计 row at the bottom."""
    lines = ["序号," + LOAN_HEAD + ",客户经理,备注"]
    lines += [f"{i},{row},张经理," for i, row in enumerate(rows, start=1)]
    lines.append("合计," + "," * 10 + '"2,000,000.00"' + "," * 7)
    return "\n".join(lines) + "\n"


def test_an_export_with_its_own_columns_and_a_totals_row_is_accepted_with_notes(
        clerk, db_url, tmp_path) -> None:
    path = write(tmp_path, "export.csv", export([loan_line("E1", 1), loan_line("E2", 2)]))
    r = clerk("submit", str(path), "--institution", "ZZB")
    assert r.exit_code == 0, r.stderr
    assert ("export.csv: ignored 3 columns not in a loans file: '序号', '客户经理', '备注'"
            in r.stderr)
    assert "export.csv: skipped 1 totals row (合计/总计/小计): row 4" in r.stderr
    assert "2 rows" in r.output
    assert counts(db_url) == (1, 2, 0)


def test_strict_refuses_an_export_with_columns_of_its_own(clerk, db_url, tmp_path) -> None:
    path = write(tmp_path, "export.csv", export([loan_line("E1", 1)]))
    r = clerk("submit", str(path), "--institution", "ZZB", "--strict")
    assert r.exit_code == 2
    assert "columns not in a loans file: '序号', '客户经理', '备注' (--strict refuses them)" in r.stderr
    assert counts(db_url) == (0, 0, 0)


def test_a_near_miss_header_is_refused_once_with_a_suggestion(clerk, tmp_path) -> None:
    head = LOAN_HEAD.replace("统一社会信用代码", "社会信用代码")
    path = write(tmp_path, "loans.csv", head + "\n" + loan_line("A1", 1) + "\n")
    r = clerk("submit", str(path), "--institution", "ZZB")
    assert r.exit_code == 2
    assert ("missing required column 统一社会信用代码 (credit_code) (the file has '社会信用代码': "
            "did you mean 统一社会信用代码?); expected columns:") in r.stderr
    assert r.stderr.count("expected columns") == 1
    assert "ignored" not in r.stderr


def test_the_receipt_gives_the_principal_total_and_the_sha256(clerk, tmp_path) -> None:
    path = write(tmp_path, "loans.csv", "\n".join(
        [LOAN_HEAD, loan_line("A1", 1, principal="1,000,000"),
         loan_line("A2", 2, principal="234.56")]) + "\n")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    dry = clerk("submit", str(path), "--institution", "ZZB", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "principal (贷款金额) total 1,000,234.56 in 2 rows" in dry.output
    assert f"SHA-256 {sha}" in dry.output and "nothing was written" in dry.output
    r = clerk("submit", str(path), "--institution", "ZZB")
    assert r.exit_code == 0, r.stderr
    assert "(file #" in r.output
    assert "principal (贷款金额) total 1,000,234.56 in 2 rows" in r.output
    assert f"SHA-256 {sha}" in r.output


def test_the_receipt_of_events_totals_each_kind(clerk, tmp_path) -> None:
    loans = write(tmp_path, "loans.csv", "\n".join([LOAN_HEAD, loan_line("A1", 1),
                                                    loan_line("A2", 2)]) + "\n")
    assert clerk("submit", str(loans), "--institution", "ZZB").exit_code == 0
    events = write(tmp_path, "events.csv", "\n".join([
        EVENT_HEAD, "A1,还款,2025-02-01,100,", "A2,还款,2025-02-01,50.5,",
        "A1,逾期,2025-03-01,1000,"]) + "\n")
    r = clerk("submit", str(events), "--institution", "ZZB")
    assert r.exit_code == 0, r.stderr
    assert "repayment (还款) total 150.50 in 2 rows" in r.output
    assert "overdue (逾期) total 1,000.00 in 1 row" in r.output


def test_with_an_errors_file_only_the_first_twenty_errors_are_printed(clerk, tmp_path) -> None:
    lines = [LOAN_HEAD] + [loan_line(f"B{i}", i, principal="x") for i in range(1, 31)]
    path = write(tmp_path, "bad.csv", "\n".join(lines) + "\n")
    errors = tmp_path / "errors.csv"
    r = clerk("submit", str(path), "--institution", "ZZB", "--errors", str(errors))
    assert r.exit_code == 2
    assert sum(1 for line in r.stderr.splitlines() if re.match(r"bad\.csv:\d", line)) == 20
    assert f"… and 10 more error(s) in {errors}" in r.stderr
    assert len(list(csv.reader(errors.read_text(encoding="utf-8-sig").splitlines()))) == 31
    every = clerk("submit", str(path), "--institution", "ZZB")
    assert sum(1 for line in every.stderr.splitlines() if re.match(r"bad\.csv:\d", line)) == 30


# -- dates of things done (the clock is frozen at 2026-01-15 08:00 UTC, 16:00 in Zhengzhou) --

def test_a_loan_disbursed_after_today_is_refused_but_a_far_maturity_is_not(
        clerk, db_url, tmp_path) -> None:
    path = write(tmp_path, "loans.csv", "\n".join([
        LOAN_HEAD, loan_line("A1", 1, disbursed="2026-01-15").replace(",2026-01-10,", ",2036-01-10,"),
        loan_line("A2", 2, disbursed="2026-01-16").replace(",2026-01-10,", ",2036-01-10,")]) + "\n")
    r = clerk("submit", str(path), "--institution", "ZZB")
    assert r.exit_code == 2
    assert ("loans.csv:3: 放款日期 '2026-01-16': 2026-01-16 is after today (2026-01-15); "
            "a date of something done cannot be in the future") in r.stderr
    assert "loans.csv:2" not in r.stderr  # today itself is fine, and so is a maturity in 2036
    assert counts(db_url) == (0, 0, 0)


def test_an_event_dated_after_today_is_refused(clerk, db_url, tmp_path) -> None:
    loans = write(tmp_path, "loans.csv", LOAN_HEAD + "\n" + loan_line("A1", 1) + "\n")
    assert clerk("submit", str(loans), "--institution", "ZZB").exit_code == 0
    events = write(tmp_path, "events.csv", f"{EVENT_HEAD}\nA1,还款,2026-02-01,100,\n")
    r = clerk("submit", str(events), "--institution", "ZZB")
    assert r.exit_code == 2 and "2026-02-01 is after today (2026-01-15)" in r.stderr
    assert counts(db_url) == (1, 1, 0)


SUBSIDY_HEAD = "补助类型,受益方,计算基数,被投企业,所属年度,凭证号"


def test_a_subsidy_application_is_dated_by_its_application_date_column(clerk, tmp_path) -> None:
    from zhengkedai.imports.uscc import make_uscc

    code = make_uscc("410100", 3)
    path = write(tmp_path, "subsidies.csv", "\n".join([
        SUBSIDY_HEAD + ",申请日期",
        f"融资补助,{code},\"10,000\",,2025,RZ-1,2025-12-20",
        f"融资补助,{code},\"10,000\",,2025,RZ-2,"]) + "\n")
    r = clerk("submit", str(path))
    assert r.exit_code == 0, r.stderr
    assert "basis (计算基数) total 20,000.00 in 2 rows" in r.output
    listed = json.loads(clerk("subsidies", "list", "--format", "json").output)
    assert [s["submitted_on"] for s in listed] == ["2025-12-20", "2026-01-15"]
    future = write(tmp_path, "future.csv", SUBSIDY_HEAD + ",申请日期\n"
                   f"融资补助,{code},\"10,000\",,2025,RZ-3,2026-01-16\n")
    r = clerk("submit", str(future))
    assert r.exit_code == 2 and "申请日期 '2026-01-16': 2026-01-16 is after today" in r.stderr


# -- idempotent by content ------------------------------------------------------------

def test_events_re_saved_with_other_bytes_book_nothing_twice(clerk, db_url, tmp_path) -> None:
    loans = write(tmp_path, "loans.csv", "\n".join([LOAN_HEAD, loan_line("A1", 1),
                                                    loan_line("A2", 2)]) + "\n")
    assert clerk("submit", str(loans), "--institution", "ZZB").exit_code == 0
    rows = [EVENT_HEAD, "A1,还款,2025-02-01,100,", "A2,损失确认,2025-03-01,5000,"]
    first = write(tmp_path, "2025-03_events.csv", "\n".join(rows) + "\n")
    assert clerk("submit", str(first), "--institution", "ZZB").exit_code == 0
    assert counts(db_url) == (2, 2, 2)
    # the same rows as a spreadsheet saves them again: CRLF, no BOM, other bytes
    again = tmp_path / "2025-03_events (2).csv"
    again.write_bytes("\r\n".join(rows).encode("utf-8") + b"\r\n")
    r = clerk("submit", str(again), "--institution", "ZZB")
    assert r.exit_code == 2, r.stderr
    assert ("2025-03_events (2).csv:2: 贷款编号 (loan_no) 'A1': the same repayment of 100.00 on 2025-02-01 "
            "for loan A1 was already filed by ZZB (in 2025-03_events.csv, row 2)") in r.stderr
    assert "(in 2025-03_events.csv, row 3)" in r.stderr
    assert counts(db_url) == (2, 2, 2)
    assert "C2" not in clerk("claims", "list").output


def test_subsidies_re_saved_are_refused_naming_the_earlier_file_and_row(clerk, tmp_path) -> None:
    from zhengkedai.imports.uscc import make_uscc

    text = f"{SUBSIDY_HEAD}\n融资补助,{make_uscc('410100', 3)},\"10,000\",,2025,RZ-1\n"
    first = write(tmp_path, "subsidies.csv", text)
    assert clerk("submit", str(first)).exit_code == 0
    again = write(tmp_path, "subsidies_resaved.csv", text, encoding="gb18030")
    r = clerk("submit", str(again))
    assert r.exit_code == 2
    assert "voucher RZ-1 was already filed for" in r.stderr
    assert "(in subsidies.csv, row 2)" in r.stderr


def test_a_bank_clerk_reads_the_ledger_s_refusals_of_rows_in_chinese(
        clerk, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name in ("ZKD_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    loans = write(tmp_path, "loans.csv", "\n".join([LOAN_HEAD, loan_line("A1", 1)]) + "\n")
    assert clerk("submit", str(loans), "--institution", "ZZB").exit_code == 0
    first = write(tmp_path, "2025-03_events.csv", EVENT_HEAD + "\nA1,还款,2025-02-01,100,\n")
    assert clerk("submit", str(first), "--institution", "ZZB").exit_code == 0
    again = write(tmp_path, "again.csv", "\n".join([
        EVENT_HEAD, "A1,还款,2025-02-01,100,", "B9,还款,2025-02-01,100,"]) + "\n")
    r = clerk("submit", str(again), "--institution", "ZZB")
    assert r.exit_code == 2
    assert ("贷款 A1 于 2025-02-01 的同一笔还款 100.00 已由 ZZB 报送过"
            "（见 2025-03_events.csv 第 2 行）") in r.stderr
    assert "ZZB 未报送过贷款 B9" in r.stderr
    assert "already filed" not in r.stderr and "has been filed" not in r.stderr
    loans_again = write(tmp_path, "loans2.csv",
                        "\n".join([LOAN_HEAD, loan_line("A3", 3), loan_line("A1", 2)]) + "\n")
    r = clerk("submit", str(loans_again), "--institution", "ZZB")
    assert r.exit_code == 2 and "贷款 A1 已由 ZZB 报送过（见 loans.csv 第 2 行）" in r.stderr, r.stderr
