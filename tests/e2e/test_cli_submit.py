"""A bank clerk submitting files: accepted whole, rejected whole with every error, never twice."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from zhengkedai.db.engine import make_engine
from zhengkedai.db.models import ImportFileRow, LoanEventRow, LoanRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.imports.uscc import make_uscc

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
LOAN_HEAD = ("贷款编号,企业名称,统一社会信用代码,所属区县,上年度营业收入,高新技术企业,连续两年盈利,"
             "产学研合作,贷款类型,抵质押物评估值,贷款金额,年利率,放款日期,到期日期,担保机构,担保费")
EVENT_HEAD = "贷款编号,事件类型,发生日期,金额,备注"


def counts(db_url: str) -> tuple[int, int, int]:
    engine = make_engine(db_url)
    with UnitOfWork(engine) as uow:
        out = tuple(uow.s.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in (ImportFileRow, LoanRow, LoanEventRow))
    engine.dispose()
    return out  # type: ignore[return-value]


def loan_line(no: str, seq: int = 1, principal: str = "1,000,000", disbursed: str = "2025-01-10",
              kind: str = "抵押", division: str = "410100", revenue: str = "10,000,000") -> str:
    return (f"{no},测试科技有限公司{seq},{make_uscc(division, seq)},金水区,\"{revenue}\",否,否,否,{kind},"
            f"0,\"{principal}\",3.85,{disbursed},2026-01-10,,")


@pytest.fixture
def clerk(zkd_frozen):  # type: ignore[no-untyped-def]
    zkd = zkd_frozen
    for args in (("ZZB", "郑州银行", "bank"), ("ZYB", "中原银行", "bank"),
                 ("ZZDB", "郑州担保", "guarantor"), ("ZZVC", "郑州科创投资", "investor")):
        assert zkd("institution", "add", args[0], "--name", args[1], "--kind", args[2]).exit_code == 0
    return zkd


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8-sig") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_the_sample_files_are_accepted_and_each_row_keeps_its_source(clerk, db_url) -> None:
    r = clerk("submit", str(SAMPLES / "2025-01_ZZB_loans.csv"), "--institution", "ZZB")
    assert r.exit_code == 0, r.stderr
    assert "6 rows" in r.output and "UTF-8 with BOM" in r.stderr
    r = clerk("submit", str(SAMPLES / "2025-02_ZYB_loans.xlsx"), "--institution", "ZYB")
    assert r.exit_code == 0, r.stderr
    assert "skipped 1 title row" in r.stderr
    r = clerk("submit", str(SAMPLES / "2025-06_ZYB_loans.csv"), "--institution", "ZYB")
    assert r.exit_code == 0 and "GB18030" in r.stderr
    engine = make_engine(db_url)
    with UnitOfWork(engine) as uow:
        loan = uow.s.execute(select(LoanRow).where(LoanRow.loan_no == "ZZB-2025-001")).scalar_one()
        assert loan.principal_fen == 300_000_000  # 300 万元
        source = uow.s.get(ImportFileRow, loan.file_id)
        assert (source.filename, loan.file_row, source.filer) == ("2025-01_ZZB_loans.csv", 2, "ZZB")
        assert source.row_count == 6 and len(source.sha256) == 64
        xl = uow.s.execute(select(LoanRow).where(LoanRow.loan_no == "ZYB-25-01")).scalar_one()
        assert xl.file_row == 3  # below the title row and the header
    engine.dispose()


def test_the_same_file_twice_changes_nothing_and_says_when_it_was_first_accepted(clerk, db_url) -> None:
    path = str(SAMPLES / "2025-01_ZZB_loans.csv")
    assert clerk("submit", path, "--institution", "ZZB").exit_code == 0
    before = counts(db_url)
    again = clerk("submit", path, "--institution", "ZZB")
    assert again.exit_code == 0
    # frozen at 08:00 UTC: 16:00 in Zhengzhou
    assert "already accepted at 2026-01-15 16:00 (UTC+8)" in again.output
    assert "nothing changed" in again.output
    assert counts(db_url) == before


def test_a_bad_file_is_rejected_whole_with_every_error_listed_and_saved(clerk, db_url, tmp_path) -> None:
    text = "\n".join([
        LOAN_HEAD,
        loan_line("A1", 1),
        loan_line("A2", 2, principal="1.2.3"),
        loan_line("A3", 3, division="410200"),
        loan_line("A1", 4),
        loan_line("A5", 5, revenue="400,000,000.01"),
    ]) + "\n"
    path = write(tmp_path, "bad_loans.csv", text)
    errors_csv = tmp_path / "errors.csv"
    r = clerk("submit", str(path), "--institution", "ZZB", "--errors", str(errors_csv))
    assert r.exit_code != 0
    lines = r.stderr.strip().splitlines()
    assert lines[-1].startswith("Error: bad_loans.csv rejected: 4 errors in 5 rows")
    body = "\n".join(lines)
    assert "bad_loans.csv:3" in body and "贷款金额" in body
    assert "bad_loans.csv:4" in body and "410200" in body and "4101" in body
    assert "bad_loans.csv:5" in body and "A1" in body
    assert "bad_loans.csv:6" in body and "400,000,000.00" in body
    raw = errors_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [int(r["row"]) for r in rows] == [3, 4, 5, 6]
    assert set(rows[0]) == {"file", "row", "column", "value", "message"}
    assert counts(db_url) == (0, 0, 0)


def test_events_are_checked_against_the_books_in_file_order(clerk, db_url, tmp_path) -> None:
    loans = write(tmp_path, "loans.csv", "\n".join([LOAN_HEAD, loan_line("L1", 1),
                                                     loan_line("L2", 2)]) + "\n")
    assert clerk("submit", str(loans), "--institution", "ZZB").exit_code == 0
    other = write(tmp_path, "other.csv", "\n".join([LOAN_HEAD, loan_line("Y1", 3)]) + "\n")
    assert clerk("submit", str(other), "--institution", "ZYB").exit_code == 0
    text = "\n".join([
        EVENT_HEAD,
        "L1,还款,2025-03-01,600000,",          # fine: 400,000 left
        "L1,损失确认,2025-03-02,400000.01,",    # above what is left
        "NOPE,还款,2025-03-01,1,",              # unknown
        "Y1,还款,2025-03-01,1,",                # another bank's loan
        "L2,逾期,2025-01-05,100,",              # before disbursement
        "L2,追偿回收,2025-03-01,100,",          # no loss yet
    ]) + "\n"
    r = clerk("submit", str(write(tmp_path, "events.csv", text)), "--institution", "ZZB")
    assert r.exit_code != 0
    err = r.stderr
    assert "events.csv:3" in err and "exceeds the outstanding principal 400,000.00" in err
    assert "events.csv:4" in err and "no loan NOPE" in err
    assert "events.csv:5" in err and "another institution (ZYB)" in err
    assert "events.csv:6" in err and "before the loan's disbursement on 2025-01-10" in err
    assert "events.csv:7" in err and "confirmed loss" in err
    assert "events.csv:2" not in err
    assert counts(db_url)[2] == 0


def test_an_event_in_a_closed_month_is_refused(clerk, tmp_path) -> None:
    loans = write(tmp_path, "loans.csv", "\n".join([LOAN_HEAD, loan_line("L1", 1)]) + "\n")
    assert clerk("submit", str(loans), "--institution", "ZZB").exit_code == 0
    assert clerk("close", "2025-01").exit_code == 0
    events = write(tmp_path, "ev.csv", EVENT_HEAD + "\nL1,还款,2025-01-20,100,\n")
    r = clerk("submit", str(events), "--institution", "ZZB")
    assert r.exit_code != 0 and "month 2025-01 is closed" in r.stderr


def test_a_loss_opens_a_claim_and_a_dry_run_writes_nothing(clerk, db_url, tmp_path) -> None:
    loans = write(tmp_path, "loans.csv", "\n".join([LOAN_HEAD, loan_line("L1", 1)]) + "\n")
    assert clerk("submit", str(loans), "--institution", "ZZB").exit_code == 0
    events = write(tmp_path, "ev.csv", EVENT_HEAD + "\nL1,损失确认,2025-06-20,\"1,000,000\",核销\n")
    dry = clerk("submit", str(events), "--institution", "ZZB", "--dry-run")
    assert dry.exit_code == 0 and "nothing was written" in dry.output
    assert counts(db_url)[2] == 0
    r = clerk("submit", str(events), "--institution", "ZZB")
    assert r.exit_code == 0 and "computed 800,000.00" in r.output
    listed = json.loads(clerk("claims", "list", "--format", "json").output)
    assert (listed[0]["loss"], listed[0]["amount"]) == ("1000000.00", "800000.00")


def test_loans_and_events_need_their_bank_and_subsidies_do_not(clerk, tmp_path) -> None:
    r = clerk("submit", str(SAMPLES / "2025-01_ZZB_loans.csv"))
    assert r.exit_code != 0 and "--institution" in r.stderr
    r = clerk("submit", str(SAMPLES / "2025-03_staff_subsidies.csv"), "--institution", "ZZB")
    assert r.exit_code != 0 and "programme staff" in r.stderr
    r = clerk("submit", str(SAMPLES / "2025-03_staff_subsidies.csv"))
    assert r.exit_code == 0, r.stderr
    assert "filed subsidy" in r.output


def test_a_template_filled_in_by_a_clerk_is_accepted(clerk, tmp_path) -> None:
    path = tmp_path / "loans.csv"
    assert clerk("template", "loans", "-o", str(path)).exit_code == 0
    header = path.read_text(encoding="utf-8-sig").strip()
    path.write_text(header + "\n" + loan_line("T1", 7) + "\n", encoding="utf-8-sig")
    r = clerk("submit", str(path), "--institution", "ZZB")
    assert r.exit_code == 0, r.stderr
    xlsx = tmp_path / "loans.xlsx"
    assert clerk("template", "loans", "--xlsx", "-o", str(xlsx)).exit_code == 0
    assert xlsx.stat().st_size > 0


def test_an_xlsx_template_filled_from_its_drop_downs_is_accepted(clerk, tmp_path) -> None:
    import datetime as dt

    from openpyxl import load_workbook

    xlsx = tmp_path / "贷款台账.xlsx"
    assert clerk("template", "loans", "--xlsx", "-o", str(xlsx)).exit_code == 0
    wb = load_workbook(xlsx)
    ws = wb.worksheets[0]
    row = {"贷款编号": "0001", "企业名称": "测试科技有限公司", "统一社会信用代码": make_uscc("410100", 3),
           "上年度营业收入": 10_000_000, "高新技术企业": "是", "连续两年盈利": "否",
           "产学研合作": "否", "贷款类型": "知识产权质押", "抵质押物评估值": 1_200_000,
           "贷款金额": 1_000_000, "年利率": 3.85, "放款日期": dt.datetime(2025, 6, 3),
           "到期日期": dt.datetime(2026, 6, 3)}
    for cell in ws[1]:
        if cell.value in row:
            ws.cell(2, cell.column, row[cell.value])
    wb.save(xlsx)
    r = clerk("submit", str(xlsx), "--institution", "ZZB")
    assert r.exit_code == 0, r.stderr
    assert "1 row" in r.output
    doc = json.loads(clerk("loans", "show", "0001", "--format", "json").output)
    assert doc["loan_no"] == "0001"  # a number-like loan number stays text


def test_a_file_that_is_not_a_programme_file_gets_one_clear_line(clerk, tmp_path) -> None:
    path = write(tmp_path, "notes.csv", "hello,world\n1,2\n")
    r = clerk("submit", str(path), "--institution", "ZZB")
    assert r.exit_code != 0
    assert r.stderr.strip().splitlines()[-1].startswith("Error:")
    assert "Traceback" not in r.stderr
    missing = clerk("submit", str(tmp_path / "none.csv"), "--institution", "ZZB")
    assert missing.exit_code != 0 and "no such file" in missing.stderr




def test_an_error_after_the_first_written_batch_still_leaves_nothing_behind(clerk, db_url, tmp_path) -> None:
    lines = [LOAN_HEAD] + [loan_line(f"B{i}", i) for i in range(1, 1201)]
    lines.append(loan_line("BAD", 1201, disbursed="2025-13-01"))
    path = write(tmp_path, "big.csv", "\n".join(lines) + "\n")
    r = clerk("submit", str(path), "--institution", "ZZB")
    assert r.exit_code != 0 and "big.csv:1202" in r.stderr
    assert counts(db_url) == (0, 0, 0)
    fixed = write(tmp_path, "big_fixed.csv", "\n".join(lines[:-1]) + "\n")
    assert clerk("submit", str(fixed), "--institution", "ZZB").exit_code == 0
    assert counts(db_url) == (1, 1200, 0)


def test_a_loan_number_repeated_a_thousand_rows_later_is_found_and_nothing_is_written(clerk, db_url, tmp_path) -> None:
    lines = [LOAN_HEAD] + [loan_line(f"R{i}", i) for i in range(1, 1501)]
    lines.append(loan_line("R7", 1501))            # repeats data row 7 (file row 8)
    lines.append(loan_line("X1", 1502, principal="0"))  # refused ...
    lines.append(loan_line("X1", 1503))            # ... and still the first X1
    r = clerk("submit", str(write(tmp_path, "rep.csv", "\n".join(lines) + "\n")),
              "--institution", "ZZB")
    assert r.exit_code != 0
    assert "rep.csv:1502" in r.stderr and "repeats row 8 of this file" in r.stderr
    assert "rep.csv:1504" in r.stderr and "repeats row 1503 of this file" in r.stderr
    assert counts(db_url) == (0, 0, 0)


def test_a_dry_run_says_which_claims_it_would_open(clerk, db_url, tmp_path) -> None:
    loans = write(tmp_path, "loans.csv", "\n".join([LOAN_HEAD, loan_line("L1", 1)]) + "\n")
    assert clerk("submit", str(loans), "--institution", "ZZB").exit_code == 0
    events = write(tmp_path, "ev.csv", EVENT_HEAD + "\nL1,损失确认,2025-06-20,\"500,000\",\n")
    dry = clerk("submit", str(events), "--institution", "ZZB", "--dry-run")
    assert dry.exit_code == 0 and "would open a claim: computed 400,000.00" in dry.output
    assert counts(db_url) == (1, 1, 0)
    assert json.loads(clerk("claims", "list", "--format", "json").output) == []


def _submit_in_another_process(url: str, path: str, barrier, results) -> None:  # type: ignore[no-untyped-def]
    from zhengkedai.context import Actor
    from zhengkedai.services.files import importing

    engine = make_engine(url)
    barrier.wait()
    try:
        with UnitOfWork(engine) as uow:
            result = importing.submit(uow, Actor(operator="clerk"), Path(path), institution="ZZB")
            uow.commit()
        results.put("duplicate" if result.duplicate_of is not None else "accepted")
    except Exception as exc:  # noqa: BLE001
        results.put(f"error: {exc!r}")
    finally:
        engine.dispose()


def test_the_same_file_submitted_twice_at_once_is_accepted_once(clerk, db_url, tmp_path) -> None:
    import multiprocessing as mp

    lines = [LOAN_HEAD] + [loan_line(f"P{i}", i) for i in range(1, 301)]
    path = write(tmp_path, "twice.csv", "\n".join(lines) + "\n")
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_submit_in_another_process, args=(db_url, str(path), barrier, results))
             for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert sorted(results.get(timeout=5) for _ in procs) == ["accepted", "duplicate"]
    assert counts(db_url) == (1, 300, 0)


SUB_HEAD = "补助类型,受益方,计算基数,被投企业,所属年度,凭证号"


@pytest.mark.parametrize(("name", "head", "rows", "institution", "header_problem"), [
    ("loans.csv", LOAN_HEAD.replace("贷款金额", "贷款金额(美元)"),
     [loan_line("H1", 1), loan_line("H2", 2, disbursed="2025-13-01")], "ZZB", "贷款金额(美元)"),
    ("events.csv", "贷款编号,事件类型,发生日期,备注",
     ["L1,还款,2025-03-01,", "L1,还款,2025-13-01,"], "ZZB", "金额 (amount)"),
    ("subsidies.csv", SUB_HEAD.replace(",凭证号", ""),
     [f"担保费补助,{make_uscc('410100', 1)},100,,2025", f"担保费补助,{make_uscc('410100', 2)},x,,2025"],
     None, "凭证号 (reference)"),
], ids=["loans", "events", "subsidies"])
def test_a_header_problem_rejects_the_file_with_every_row_error_too(
        clerk, db_url, tmp_path, name, head, rows, institution, header_problem) -> None:
    path = write(tmp_path, name, "\n".join([head, *rows]) + "\n")
    errors_csv = tmp_path / "errors.csv"
    args = ["submit", str(path), "--errors", str(errors_csv)]
    r = clerk(*args, *(["--institution", institution] if institution else []))
    assert r.exit_code == 2, r.stderr
    assert "internal error" not in r.stderr
    assert f"{name}:1: {header_problem}" in r.stderr
    assert f"{name}:3:" in r.stderr  # the bad row's own cell error
    listed = list(csv.DictReader(errors_csv.read_text("utf-8-sig").splitlines()))
    assert {int(e["row"]) for e in listed} == {1, 3}
    assert r.stderr.strip().splitlines()[-1] == (
        f"Error: {name} rejected: {len(listed)} errors in 2 rows; nothing was written")
    assert counts(db_url) == (0, 0, 0)



def test_an_errors_csv_or_template_that_cannot_be_written_is_one_clear_line(clerk, db_url, tmp_path) -> None:
    nowhere = tmp_path / "no-such-folder"
    bad = write(tmp_path, "bad.csv", "\n".join([LOAN_HEAD, loan_line("A1", 1, principal="x")]) + "\n")
    good = write(tmp_path, "good.csv", "\n".join([LOAN_HEAD, loan_line("A1", 1)]) + "\n")
    for path in (bad, good):
        r = clerk("submit", str(path), "--institution", "ZZB", "--errors", str(nowhere / "e.csv"))
        assert r.exit_code not in (0, 3), r.stderr
        last = r.stderr.strip().splitlines()[-1]
        assert last.startswith("Error: ") and str(nowhere / "e.csv") in last
        assert "No such file or directory" in last and "internal error" not in last
    assert counts(db_url) == (0, 0, 0)
    for extra in ([], ["--xlsx"]):
        r = clerk("template", "loans", *extra, "-o", str(nowhere / "x"))
        assert r.exit_code not in (0, 3)
        assert r.stderr.strip() == (f"Error: cannot write the template {nowhere / 'x'}: "
                                    "No such file or directory")


def test_an_errors_csv_that_fails_while_written_still_rejects_in_one_line(clerk, tmp_path, monkeypatch) -> None:
    import zhengkedai_cli.files

    def full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zhengkedai_cli.files, "write_errors_csv", full)
    bad = write(tmp_path, "bad.csv", "\n".join([LOAN_HEAD, loan_line("A1", 1, principal="x")]) + "\n")
    r = clerk("submit", str(bad), "--institution", "ZZB", "--errors", str(tmp_path / "e.csv"))
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines()[-1] == (
        "Error: bad.csv rejected: 1 error in 1 row; nothing was written; cannot write the "
        f"errors CSV {tmp_path / 'e.csv'}: No space left on device")


def test_the_errors_csv_always_tells_of_this_run_not_an_older_one(clerk, tmp_path) -> None:
    errors_csv = tmp_path / "e.csv"
    bad = write(tmp_path, "bad.csv", "\n".join([LOAN_HEAD, loan_line("A1", 1, principal="x")]) + "\n")
    good = write(tmp_path, "good.csv", "\n".join([LOAN_HEAD, loan_line("A1", 1)]) + "\n")
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(b"\x81\x30" + "贷款编号".encode("utf-16-le"))

    def run(path: Path, *args: str) -> list[list[str]]:
        errors_csv.write_text("file,row,column,value,message\nold.csv,9,x,y,an older run\n")
        clerk("submit", str(path), "--errors", str(errors_csv), *args)
        raw = errors_csv.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        return list(csv.reader(raw.decode("utf-8-sig").splitlines()))

    head = ["file", "row", "column", "value", "message"]
    assert run(bad, "--institution", "ZZB")[1][:2] == ["bad.csv", "2"]
    assert run(good, "--institution", "ZZB", "--dry-run") == [head]
    assert run(good, "--institution", "ZZB") == [head]
    assert run(good, "--institution", "ZZB") == [head]  # the same file again: nothing changed
    [_, refused] = run(good)
    assert refused[:4] == ["good.csv", "0", "", ""] and "--institution" in refused[4]
    [_, refused] = run(gbk, "--institution", "ZZB")
    assert refused[:2] == ["gbk.csv", "0"] and "not UTF-8 or GB18030" in refused[4]


def test_a_refused_file_still_says_how_it_was_read(clerk, tmp_path) -> None:
    titled = "郑州银行贷款台账\n" + LOAN_HEAD + "\n"
    bad = write(tmp_path, "bad.csv", titled + loan_line("A1", 1, principal="x") + "\n", "gb18030")
    r = clerk("submit", str(bad), "--institution", "ZZB")
    assert r.exit_code == 2
    assert "bad.csv: read as CSV, GB18030" in r.stderr
    assert "bad.csv: skipped 1 title row above the header (row 2)" in r.stderr
    r = clerk("submit", str(bad))  # no --institution: refused before any row is read
    assert r.exit_code == 1 and "bad.csv: read as CSV, GB18030" in r.stderr
    r = clerk("submit", str(write(tmp_path, "empty.csv", titled, "gb18030")), "--institution", "ZZB")
    assert "has a header but no rows" in r.stderr and "skipped 1 title row" in r.stderr
    r = clerk("submit", str(write(tmp_path, "notes.csv", "标题\n甲,乙\n", "gb18030")))
    assert "no header row found" in r.stderr and "notes.csv: read as CSV, GB18030" in r.stderr


def test_a_claim_is_reported_as_the_whole_file_leaves_it(clerk, tmp_path) -> None:
    loans = write(tmp_path, "loans.csv", "\n".join([LOAN_HEAD, loan_line("L1", 1)]) + "\n")
    assert clerk("submit", str(loans), "--institution", "ZZB").exit_code == 0
    events = write(tmp_path, "ev.csv", EVENT_HEAD + "\nL1,损失确认,2025-06-20,\"1,000,000\",\n"
                                                    "L1,追偿回收,2025-06-25,\"100,000\",\n")
    dry = clerk("submit", str(events), "--institution", "ZZB", "--dry-run")
    assert dry.exit_code == 0 and "would open a claim: computed 720,000.00" in dry.output
    r = clerk("submit", str(events), "--institution", "ZZB")
    assert r.exit_code == 0 and "computed 720,000.00" in r.output
    assert "800,000.00" not in r.output


def test_an_institution_code_in_the_wrong_case_is_refused_with_a_hint(clerk, db_url) -> None:
    r = clerk("submit", str(SAMPLES / "2025-01_ZZB_loans.csv"), "--institution", "zzb")
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines()[-1] == "Error: no institution 'zzb'; did you mean ZZB?"
    r = clerk("submit", str(SAMPLES / "2025-01_ZZB_loans.csv"), "--institution", "XYZ")
    assert "no institution 'XYZ'; register it with `zkd institution add`" in r.stderr
    assert counts(db_url) == (0, 0, 0)
