"""Whole files through read_file: encodings, XLSX cells, headers, row rules, error CSV."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from zhengkedai.domain.loans import EventType, LoanType
from zhengkedai.imports.eligibility import DEFAULT_RULES, EligibilityRules
from zhengkedai.imports.parse import read_file
from zhengkedai.imports.readers import FileRejected, detect_encoding
from zhengkedai.imports.records import EventRecord, LoanRecord, SubsidyKind, SubsidyRecord
from zhengkedai.imports.rowerrors import RowError, write_errors_csv
from zhengkedai.imports.schema import FileKind
from zhengkedai.imports.uscc import make_uscc

LOAN_HEADER = ["贷款编号", "企业名称", "统一社会信用代码", "上年度营业收入", "高新技术企业",
               "连续两年盈利", "贷款类型", "贷款金额", "年利率", "放款日期", "到期日期"]
CODE = make_uscc("410100", 1)


def loan(no="L001", *, code=CODE, revenue="12,000,000.00", principal="1,000,000.00",
         rate="3.85%", disbursed="2025-06-01", maturity="2026/5/31", loan_type="信用"):
    return [no, "郑州某某科技有限公司", code, revenue, "是", "否", loan_type, principal, rate,
            disbursed, maturity]


def write_csv(path: Path, rows, encoding="utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def write_xlsx(path: Path, rows, title="Sheet1", extra_sheets=()) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for name in extra_sheets:
        wb.create_sheet(name)
    wb.save(path)
    return path


def records(parsed):
    return [r for batch in parsed.batches(2) for r in batch]


# -- encodings -----------------------------------------------------------------------------

@pytest.mark.parametrize(("encoding", "reported"), [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")])
def test_csv_in_each_bank_encoding_reads_the_same_and_says_which(tmp_path, encoding, reported):
    path = write_csv(tmp_path / "loans.csv", [LOAN_HEADER, loan()], encoding)
    parsed = read_file(path)
    assert parsed.encoding == reported
    assert parsed.check() == []
    [row] = records(parsed)
    assert row.record.enterprise_name == "郑州某某科技有限公司"
    assert row.row == 2


def test_a_gb18030_file_whose_only_non_ascii_is_late_is_still_detected(tmp_path):
    rows = [LOAN_HEADER] + [loan(f"L{i}") for i in range(3000)]
    rows[-1][1] = "郑州最后一家公司"
    path = write_csv(tmp_path / "late.csv", rows, "gb18030")
    assert detect_encoding(path) == "gb18030"


def test_utf16_and_undecodable_bytes_are_refused_in_one_line(tmp_path):
    u16 = tmp_path / "u16.csv"
    u16.write_bytes("贷款编号,金额\n".encode("utf-16"))
    with pytest.raises(FileRejected, match="UTF-16"):
        read_file(u16)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x80\x80\xff\xfe\xff")
    with pytest.raises(FileRejected, match="not UTF-8 or GB18030") as exc:
        read_file(bad)
    assert "\n" not in str(exc.value)


# -- headers -------------------------------------------------------------------------------

def test_title_rows_above_the_header_are_skipped_and_mentioned(tmp_path):
    path = write_csv(tmp_path / "t.csv", [["郑州银行 郑科贷贷款台账"], ["2025年6月"], [],
                                          LOAN_HEADER, loan()])
    parsed = read_file(path)
    assert parsed.header.row == 4
    assert "skipped 2 title rows above the header (row 4)" in parsed.notes
    assert [r.row for r in records(parsed)] == [5]


def test_headers_match_by_key_or_chinese_in_any_order_with_spaces_and_full_width(tmp_path):
    header = [" loan_no ", "ENTERPRISE_NAME", "统一社会信用代码", "上年度 营业收入", "高新技术企业",
              "连续两年盈利", "ｌｏａｎ＿ｔｙｐｅ", "贷款金额（万元）", "annual_rate", "放款日期",
              "到期日期"]
    order = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    row = loan(principal="100")
    path = write_csv(tmp_path / "h.csv", [[header[i] for i in order], [row[i] for i in order]])
    parsed = read_file(path)
    assert parsed.kind is FileKind.LOANS
    assert parsed.check() == []
    assert records(parsed)[0].record.principal == 100_000_000


@pytest.mark.parametrize("header", ["贷款金额(元)", "principal (万元)", "贷款金额 （ 万元 ）"])
def test_a_unit_in_the_header_scales_that_amount_column(tmp_path, header):
    head = [header if h == "贷款金额" else h for h in LOAN_HEADER]
    path = write_csv(tmp_path / "u.csv", [head, loan(principal="1.5")])
    [row] = records(read_file(path))
    expected = 150 if "(元)" in header else 1_500_000
    assert row.record.principal == expected


@pytest.mark.parametrize("header", ["年利率(%)", "年利率（％）", "annual_rate (%)"])
def test_a_percent_sign_in_the_rate_header_reads_the_rate_as_without_it(tmp_path, header):
    head = [header if h == "年利率" else h for h in LOAN_HEADER]
    path = write_csv(tmp_path / "r.csv", [head, loan("A", rate="3.85"), loan("B", rate="4.1%")])
    parsed = read_file(path)
    assert parsed.header.problems == ()
    assert [r.record.annual_rate for r in records(parsed)] == [Decimal("3.85"), Decimal("4.1")]


def test_another_unit_on_the_rate_header_is_still_a_header_problem(tmp_path):
    head = [("年利率(‰)" if h == "年利率" else h) for h in LOAN_HEADER]
    [problem, *_] = read_file(write_csv(tmp_path / "r.csv", [head, loan()])).header.problems
    assert problem.message == "column 年利率 (annual_rate) is not an amount and takes no unit (‰)"


def test_header_problems_are_all_reported_at_the_header_row(tmp_path):
    head = [h for h in LOAN_HEADER if h != "年利率"] + ["客户经理", "贷款金额"]
    head[3] = "上年度营业收入(美元)"
    path = write_csv(tmp_path / "p.csv", [["标题"], head])
    parsed = read_file(path)
    errors = parsed.check()
    messages = [(e.row, e.column, e.message.split(";")[0]) for e in errors]
    assert messages == [
        (2, "上年度营业收入(美元)", "column 上年度营业收入 (revenue_prev_year): unknown unit '美元'"),
        (2, "贷款金额", "column 贷款金额 (principal) appears twice ('贷款金额' and '贷款金额')"),
        (2, "上年度营业收入 (revenue_prev_year), 年利率 (annual_rate)",
         "missing required columns 上年度营业收入 (revenue_prev_year), 年利率 (annual_rate)"),
    ]
    # the expected columns are named once, in the one missing-columns error
    assert sum(e.message.count("expected columns: 贷款编号 (loan_no)") for e in errors) == 1
    assert "ignored 1 column not in a loans file: '客户经理'" in parsed.notes


def test_a_file_without_any_known_header_is_rejected_with_the_expected_columns(tmp_path):
    path = write_csv(tmp_path / "x.csv", [["a", "b"], ["1", "2"]])
    with pytest.raises(FileRejected, match=r"no header row found .*贷款编号 \(loan_no\)"):
        read_file(path)


def test_the_kind_is_told_by_the_headers(tmp_path):
    events = write_csv(tmp_path / "e.csv", [["贷款编号", "事件类型", "发生日期", "金额"]])
    subsidies = write_csv(tmp_path / "s.csv", [["kind", "beneficiary", "basis", "period",
                                                "reference"]])
    assert read_file(events).kind is FileKind.EVENTS
    assert read_file(subsidies).kind is FileKind.SUBSIDIES


# -- rows ----------------------------------------------------------------------------------

def test_every_error_of_the_file_is_collected_in_one_pass(tmp_path):
    path = write_csv(tmp_path / "bad.csv", [
        LOAN_HEADER,
        loan("L1", principal="1.234.5", rate="abc"),
        loan("L2"),
        loan("L1", maturity="2025-06-01"),
        loan("L4", code=CODE[:17] + "X", disbursed="2025/13/1"),
    ])
    errors = read_file(path).check()
    got = {(e.row, e.column, e.value) for e in errors}
    assert got == {
        (2, "贷款金额", "1.234.5"), (2, "年利率", "abc"),
        (4, "到期日期", "2025-06-01"), (4, "贷款编号", "L1"),
        (5, "统一社会信用代码", CODE[:17] + "X"), (5, "放款日期", "2025/13/1"),
    }
    dup = next(e for e in errors if e.column == "贷款编号")
    assert dup.message == "loan number L1 repeats row 2 of this file"
    assert all(e.file == "bad.csv" for e in errors)


def test_an_enterprise_outside_zhengzhou_is_ineligible_with_the_rule_named(tmp_path):
    path = write_csv(tmp_path / "e.csv", [LOAN_HEADER, loan(code=make_uscc("410200", 3))])
    [error] = read_file(path).check()
    assert error.message == ("enterprise not registered in Zhengzhou: division code 410200 does "
                             "not begin with 4101 (郑州市科技型企业贷款风险补偿实施方案"
                             "（郑政办〔2018〕97号）: 在郑州市注册)")


def test_revenue_one_fen_over_the_limit_is_ineligible_and_the_limit_itself_is_not(tmp_path):
    path = write_csv(tmp_path / "r.csv", [LOAN_HEADER, loan("A", revenue="400,000,000.00"),
                                          loan("B", revenue="400,000,000.01")])
    [error] = read_file(path).check()
    assert error.row == 3
    assert error.message.startswith("prior-year revenue 400,000,000.01 exceeds 400,000,000.00 (")


def test_eligibility_parameters_come_from_the_policy_in_force_on_disbursement(tmp_path):
    path = write_csv(tmp_path / "p.csv", [LOAN_HEADER, loan("A", disbursed="2025-06-01"),
                                          loan("B", disbursed="2019-06-01")])

    def rules_on(day: dt.date) -> EligibilityRules:
        limit = 1_000_000_000 if day >= dt.date(2025, 1, 1) else 40_000_000_000
        return DEFAULT_RULES(day).model_copy(update={"revenue_max": limit})

    [error] = read_file(path, eligibility=rules_on).check()
    assert error.row == 2 and "exceeds 10,000,000.00" in error.message


def test_valid_loan_rows_become_records_equal_to_pydantic_validated_ones(tmp_path):
    path = write_csv(tmp_path / "ok.csv", [LOAN_HEADER + ["担保机构", "担保费", "产学研合作"],
                                           loan() + ["GZ01", "¥12,000", "Y"]])
    [row] = records(read_file(path))
    rec = row.record
    assert isinstance(rec, LoanRecord)
    assert rec == LoanRecord.model_validate(rec.model_dump())
    assert rec.loan_type is LoanType.CREDIT and rec.annual_rate == Decimal("3.85")
    assert rec.guarantee_fee == 1_200_000 and rec.research_cooperation is True
    assert rec.collateral_value == 0 and rec.district is None
    assert rec.to_loan("ZZBANK").enterprise.revenue_prev_year == 1_200_000_000


def test_event_rows_allow_a_zero_overdue_level_but_no_zero_repayment(tmp_path):
    path = write_csv(tmp_path / "ev.csv", [["贷款编号", "事件类型", "发生日期", "金额", "备注"],
                                           ["L1", "逾期", "2025-07-01", "0", ""],
                                           ["L1", "还款", "2025-07-02", "0", "x"],
                                           ["L1", "repayment", "2025年7月3日", "500", "部分还款"]])
    parsed = read_file(path)
    [error] = parsed.check()
    assert (error.row, error.column) == (3, "金额")
    assert "only overdue may be 0" in error.message
    results = [r.record for r in parsed.results() if r.record]
    assert results[0] == EventRecord(loan_no="L1", event=EventType.OVERDUE,
                                  occurred_on=dt.date(2025, 7, 1), amount=0, note=None)
    assert results[1].amount == 50000 and results[1].note == "部分还款"


SUB_HEADER = ["补助类型", "受益方", "计算基数", "被投企业", "所属年度", "凭证号"]


def test_subsidy_rows_check_investee_beneficiary_and_repeated_references(tmp_path):
    ent, other = make_uscc("410100", 11), make_uscc("410100", 12)
    path = write_csv(tmp_path / "s.csv", [
        SUB_HEADER,
        ["担保费补助", ent, "10,000", "", "2025", "V1"],
        ["融资补助", ent, "10,000", "", "2025", "V1"],  # another kind: fine
        ["担保费补助", ent, "10,000", "", "2025", "V1"],  # repeats row 2
        ["投资风险补助", "VC01", "500000", "", "2025", "V2"],  # investee missing
        ["投资风险补助", "VC01", "500000", make_uscc("410200", 1), "2025", "V3"],
        ["融资补助", "VC01", "500000", other, "2025", "V4"],
        ["investment_risk", "VC01", "500000", other, "2025年度", "V5"],
    ])
    parsed = read_file(path)
    errors = {(e.row, e.column): e.message for e in parsed.check()}
    assert errors[(4, "凭证号")] == "reference V1 repeats row 2 for the same beneficiary and guarantee_fee"
    assert "needs the investee's credit code" in errors[(5, "被投企业")]
    assert errors[(6, "被投企业")].startswith("investee not registered in Zhengzhou")
    assert "a financing subsidy goes to an enterprise" in errors[(7, "受益方")]
    assert "an investee is given only for investment_risk" in errors[(7, "被投企业")]
    assert len(errors) == 5
    ok = [r.record for r in parsed.results() if r.record]
    assert ok[-1] == SubsidyRecord(kind=SubsidyKind.INVESTMENT_RISK, beneficiary="VC01",
                                basis=50_000_000, investee=other, period=2025, reference="V5")


def test_a_guarantee_fee_or_financing_subsidy_goes_to_a_zhengzhou_enterprise(tmp_path):
    outside, inside = make_uscc("410200", 21), make_uscc("410100", 22)
    path = write_csv(tmp_path / "s.csv", [
        SUB_HEADER,
        ["担保费补助", outside, "10,000", "", "2025", "V1"],
        ["融资补助", outside, "10,000", "", "2025", "V2"],
        ["融资补助", inside, "10,000", "", "2025", "V3"],
    ])
    errors = [(e.row, e.column, e.message) for e in read_file(path).check()]
    why = ("beneficiary not registered in Zhengzhou: division code 410200 does not begin with "
           "4101 (郑州市科技型企业贷款风险补偿实施方案（郑政办〔2018〕97号）: 在郑州市注册)")
    assert errors == [(2, "受益方", why), (3, "受益方", why)]


def test_a_value_right_of_the_last_header_is_reported_once(tmp_path):
    path = write_csv(tmp_path / "x.csv", [LOAN_HEADER, loan("A") + ["", "stray"],
                                          loan("B") + ["", "stray"]])
    [error] = read_file(path).check()
    assert (error.row, error.column, error.value) == (2, "column 13", "stray")


def test_batches_refuse_a_file_with_errors(tmp_path):
    path = write_csv(tmp_path / "x.csv", [LOAN_HEADER, loan(principal="0")])
    with pytest.raises(FileRejected, match="greater than 0"):
        list(read_file(path).batches())


def test_batches_come_in_file_order_and_size(tmp_path):
    path = write_csv(tmp_path / "x.csv", [LOAN_HEADER] + [loan(f"L{i}") for i in range(5)])
    parsed = read_file(path)
    sizes = [len(b) for b in parsed.batches(2)]
    assert sizes == [2, 2, 1]
    assert [r.record.loan_no for b in parsed.batches(2) for r in b] == [f"L{i}" for i in range(5)]
    assert parsed.count_rows() == 5


# -- XLSX ----------------------------------------------------------------------------------

def test_xlsx_with_real_dates_numbers_and_numbers_as_text(tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [
        ["郑科贷贷款台账"],
        LOAN_HEADER,
        ["L1", "甲公司", CODE, 12000000, "是", "否", "信用", 1000000.5, 3.85,
         dt.datetime(2025, 6, 1), dt.date(2026, 5, 31)],
        ["L2", "乙公司", CODE, "12,000,000.00", True, False, "credit", "1000000.50", "3.85%",
         45809, "2026年5月31日"],
    ])
    parsed = read_file(path)
    assert parsed.check() == []
    assert "skipped 1 title row above the header (row 2)" in parsed.notes
    a, b = (r.record for r in records(parsed))
    assert a.principal == b.principal == 100_000_050
    assert a.disbursed_on == b.disbursed_on == dt.date(2025, 6, 1)
    assert a.maturity_on == b.maturity_on == dt.date(2026, 5, 31)
    assert a.annual_rate == b.annual_rate == Decimal("3.85")
    assert a.high_tech is b.high_tech is True


def test_date_serials_of_a_1904_workbook_count_from_1904(tmp_path):
    from openpyxl import Workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = Workbook()
    wb.epoch = CALENDAR_MAC_1904  # older Mac Excel's date system
    ws = wb.active
    ws.append(LOAN_HEADER)
    ws.append(loan(disbursed=44347, maturity=dt.date(2026, 5, 31)))  # serial; a real date cell
    wb.save(tmp_path / "mac.xlsx")
    parsed = read_file(tmp_path / "mac.xlsx")
    assert "read sheet 'Sheet' of the workbook, whose date serials count from 1904" in parsed.notes
    [row] = records(parsed)
    assert (row.record.disbursed_on, row.record.maturity_on) == (dt.date(2025, 6, 1),
                                                                 dt.date(2026, 5, 31))


def test_an_xlsx_percent_cell_means_what_it_shows(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(LOAN_HEADER)
    ws.append(loan())
    ws["I2"] = 0.0385
    ws["I2"].number_format = "0.00%"
    wb.save(tmp_path / "p.xlsx")
    [row] = records(read_file(tmp_path / "p.xlsx"))
    assert row.record.annual_rate == Decimal("3.85")


def test_an_xlsx_float_amount_with_binary_noise_is_refused_not_rounded(tmp_path):
    bad = loan()
    bad[7] = 1000 / 3  # float-ok: the test makes what a spreadsheet formula would
    path = write_xlsx(tmp_path / "f.xlsx", [LOAN_HEADER, bad])
    [error] = read_file(path).check()
    assert "more than 2 decimals" in error.message
    assert error.value == "333.333333333333"  # as Excel shows it: 15 significant digits


def with_stored_numbers(path: Path, stored: dict[str, str]) -> Path:
    """The workbook with number cells stored as Excel stores formula results (17 digits);
    openpyxl itself writes a float shortened."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for shown, kept in stored.items():
        sheet = sheet.replace(f"<v>{shown}</v>", f"<v>{kept}</v>")
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_an_xlsx_float_is_read_as_excel_shows_it_to_15_significant_digits(tmp_path):
    # what formulas leave in a sheet, which Excel shows as 1,234.56, 0.3 and 12,000,000
    noisy = loan("A", principal=1234.56, rate=0.3, revenue=12000000.5)
    genuine = loan("B", principal=1234.567)  # a real third decimal
    path = write_xlsx(tmp_path / "n.xlsx", [LOAN_HEADER, noisy, genuine])
    parsed = read_file(with_stored_numbers(path, {
        "1234.56": "1234.5600000000002", "0.3": "0.30000000000000004",
        "12000000.5": "12000000.499999998"}))
    [error] = parsed.check()
    assert (error.row, error.value) == (3, "1234.567") and "more than 2 decimals" in error.message
    [a] = [r.record for r in parsed.results() if r.record]
    assert (a.principal, a.revenue_prev_year, a.annual_rate) == (
        123_456, 1_200_000_050, Decimal("0.3"))


def test_a_csv_amount_with_float_noise_is_text_and_refused(tmp_path):
    path = write_csv(tmp_path / "n.csv", [LOAN_HEADER, loan(principal="1234.5600000000001")])
    [error] = read_file(path).check()
    assert "more than 2 decimals" in error.message


def test_a_named_sheet_is_read_and_an_unknown_one_lists_the_sheets(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "封面"
    ws = wb.create_sheet("台账")
    ws.append(LOAN_HEADER)
    ws.append(loan())
    wb.save(tmp_path / "s.xlsx")
    assert len(records(read_file(tmp_path / "s.xlsx", sheet="台账"))) == 1
    with pytest.raises(FileRejected, match="no sheet named '明细'; its sheets are '封面', '台账'"):
        read_file(tmp_path / "s.xlsx", sheet="明细")


def test_a_damaged_xlsx_or_an_old_xls_is_refused_in_one_line(tmp_path):
    (tmp_path / "d.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FileRejected, match="not a readable XLSX"):
        read_file(tmp_path / "d.xlsx")
    (tmp_path / "o.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(FileRejected, match="old binary XLS"):
        read_file(tmp_path / "o.xls")


# -- error CSV -----------------------------------------------------------------------------

def test_the_error_csv_opens_in_excel_with_chinese_and_no_formulas(tmp_path):
    errors = [RowError("a.csv", 3, "贷款金额", "=HYPERLINK(1)", "不是金额"),
              RowError("a.csv", 4, "金额", "-5", "must be 0 or more")]
    assert write_errors_csv(errors, tmp_path / "e.csv") == 2
    raw = (tmp_path / "e.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader((tmp_path / "e.csv").open(encoding="utf-8-sig")))
    assert rows == [["file", "row", "column", "value", "message"],
                    ["a.csv", "3", "贷款金额", "'=HYPERLINK(1)", "不是金额"],
                    ["a.csv", "4", "金额", "-5", "must be 0 or more"]]
    assert str(errors[0]) == "a.csv:3: 贷款金额 '=HYPERLINK(1)': 不是金额"


def test_columns_an_export_adds_are_ignored_and_named_in_one_note(tmp_path):
    head = ["序号", *LOAN_HEADER, "客户经理", "备注"]
    rows = [["1", *loan("A")], ["2", *loan("B"), "张三", "续贷"]]
    parsed = read_file(write_csv(tmp_path / "x.csv", [head, *rows]))
    assert parsed.header.problems == ()
    assert "ignored 3 columns not in a loans file: '序号', '客户经理', '备注'" in parsed.notes
    assert [r.record.loan_no for r in records(parsed)] == ["A", "B"]


def test_strict_refuses_the_columns_it_would_otherwise_ignore(tmp_path):
    path = write_csv(tmp_path / "x.csv", [[*LOAN_HEADER, "客户经理"], loan("A")])
    [problem] = read_file(path, strict=True).header.problems
    assert problem.message == ("columns not in a loans file: '客户经理' "
                               "(--strict refuses them)")


def test_a_near_miss_header_gets_a_suggestion(tmp_path):
    head = ["社会信用代码" if h == "统一社会信用代码" else h for h in LOAN_HEADER]
    parsed = read_file(write_csv(tmp_path / "x.csv", [head, loan("A")]))
    [problem] = parsed.header.problems
    assert problem.message.startswith(
        "missing required column 统一社会信用代码 (credit_code) "
        "(the file has '社会信用代码': did you mean 统一社会信用代码?); expected columns: ")
    # the near miss is told with the missing column, not also as an ignored column
    assert not any("ignored" in note for note in parsed.notes)


@pytest.mark.parametrize("label", ["合计", "总计", "小计", "合 计", "合计："])
def test_a_totals_row_is_skipped_wherever_its_label_stands(tmp_path, label):
    total = ["" for _ in LOAN_HEADER]
    total[0 if label != "小计" else 1] = label
    total[LOAN_HEADER.index("贷款金额")] = "2,000,000"
    parsed = read_file(write_csv(tmp_path / "x.csv", [LOAN_HEADER, loan("A"), loan("B"), total]))
    assert parsed.check() == []
    assert [r.record.loan_no for r in records(parsed)] == ["A", "B"]
    assert [c.totals for c in parsed.chunks()] == [(4,)]
    assert parsed.count_rows() == 2


# -- hostile workbooks ---------------------------------------------------------------------

def _workbook_with(tmp_path, name="w.xlsx", first=None):  # type: ignore[no-untyped-def]
    import openpyxl

    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "台账"
    for row in (LOAN_HEADER, loan("VISIBLE")):
        data.append(row)
    if first is not None:
        first(wb)
    path = tmp_path / name
    wb.save(path)
    return path


def test_hidden_and_very_hidden_sheets_are_skipped_and_named(tmp_path):
    def hide(wb):  # type: ignore[no-untyped-def]
        for title, state in (("草稿", "hidden"), ("攻击", "veryHidden")):
            ws = wb.create_sheet(title, 0)
            ws.sheet_state = state
            for row in (LOAN_HEADER, loan("HIDDEN")):
                ws.append(row)

    parsed = read_file(_workbook_with(tmp_path, first=hide))
    assert [r.record.loan_no for r in records(parsed)] == ["VISIBLE"]
    assert parsed.notes[0] == ("read sheet '台账' of the workbook; skipped hidden sheets "
                               "'攻击', '草稿'")


def test_a_chart_sheet_first_is_skipped_and_refused_when_named(tmp_path):
    from openpyxl.chart import BarChart, Reference

    def chart(wb):  # type: ignore[no-untyped-def]
        sheet = wb.create_chartsheet("图表", 0)
        bars = BarChart()
        bars.add_data(Reference(wb["台账"], min_col=11, min_row=1, max_row=2))
        sheet.add_chart(bars)

    path = _workbook_with(tmp_path, first=chart)
    assert [r.record.loan_no for r in records(read_file(path))] == ["VISIBLE"]
    with pytest.raises(FileRejected, match="'图表' is a chart sheet, which holds no rows"):
        read_file(path, sheet="图表")


def test_an_xlsx_saved_as_csv_is_read_as_the_workbook_it_is(tmp_path):
    path = _workbook_with(tmp_path, name="loans.csv")
    parsed = read_file(path)
    assert [r.record.loan_no for r in records(parsed)] == ["VISIBLE"]
    text = write_csv(tmp_path / "text.xlsx", [LOAN_HEADER, loan("TEXT")])
    parsed = read_file(text)
    assert [r.record.loan_no for r in records(parsed)] == ["TEXT"]
    assert "named .xlsx, but it holds text" in parsed.notes[0]


def test_a_zip_bomb_is_refused_at_once_without_unpacking_it(tmp_path):
    import time
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            block = b"<row>" + b" " * (1 << 20) + b"</row>"
            for _ in range(300):  # 300 MB of spaces, a few hundred KB packed
                f.write(block)
    assert path.stat().st_size < 2 << 20
    start = time.monotonic()
    with pytest.raises(FileRejected, match="sheet1.xml would unpack .* times larger"):
        read_file(path)
    assert time.monotonic() - start < 1


def test_a_workbook_too_large_to_unpack_is_refused(tmp_path, monkeypatch):
    import zhengkedai.imports.readers as readers

    monkeypatch.setattr(readers, "MAX_UNPACKED", 1000)
    with pytest.raises(FileRejected, match="would unpack to 0 MB, more than the 0 MB"):
        read_file(_workbook_with(tmp_path))


def test_a_sheet_with_too_many_cells_is_refused(tmp_path, monkeypatch):
    import zhengkedai.imports.readers as readers

    monkeypatch.setattr(readers, "MAX_CELLS", 20)
    path = _workbook_with(tmp_path)
    with pytest.raises(FileRejected, match="more than 20 cells \\(at row 2\\)"):
        read_file(path).check()


def test_a_zip_that_is_not_a_workbook_is_refused_in_words(tmp_path):
    import zipfile

    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(FileRejected, match="a zip archive but not an XLSX workbook"):
        read_file(path)
