"""Cell parsers: every value spelling of SPEC 2, and the refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengkedai.domain import money
from zhengkedai.domain.loans import EVENT_TYPE_ZH, LOAN_TYPE_ZH, EventType, LoanType
from zhengkedai.imports.columns import (
    Amount,
    CellError,
    Choice,
    Code,
    CreditCode,
    Date,
    Optional,
    Percent,
    Text,
    Year,
    YesNo,
)
from zhengkedai.imports.records import SUBSIDY_KIND_ZH, SubsidyKind
from zhengkedai.imports.uscc import make_uscc

NONNEG = Amount("nonnegative")
POSITIVE = Amount("positive")
WAN = Amount("positive").with_unit(Decimal(10_000))


@pytest.mark.parametrize("text", [
    "1234.5", "1234.50", "1,234.50", "¥1,234.50", "￥1234.50", "１２３４.５０", " 1234.5 ",
    "１,２３４.５", "¥ 1,234.50",
])
def test_every_amount_spelling_of_the_spec_is_read_as_the_same_fen(text):
    assert NONNEG.parse(text) == 123450


def test_a_wan_yuan_header_scales_the_amount():
    assert WAN.parse("123.45") == 123_450_000
    assert WAN.parse("0.000001") == 1


def test_more_than_two_decimals_after_unit_conversion_is_refused():
    with pytest.raises(CellError, match="more than 2 decimals"):
        WAN.parse("0.0000001")
    with pytest.raises(CellError, match="more than 2 decimals"):
        NONNEG.parse("1.234")


@pytest.mark.parametrize(("text", "reason"), [
    ("1.234.5", "not a number"),
    ("12a4", "not a number"),
    ("1,23,4.5", "misplaced thousands separators"),
    ("1_234", "not a number"),
    ("", "required value is empty"),
    ("  ", "required value is empty"),
    ("-5", "must be 0 or more"),
    ("-¥5", "must be 0 or more"),
    ("+5", "not a number"),
    (".5", "not a number"),
    ("5.", "not a number"),
    ("RMB100", "not a number"),
    ("CNY100", "not a number"),
    ("#DIV/0!", "spreadsheet error value"),
    ("1000000¹", "digit form '¹'"),
    ("①", "digit form"),
    ("५००", "DEVANAGARI DIGIT FIVE"),
    ("1\u200b000", "ZERO WIDTH SPACE"),
    ("10\x0000", "U\\+0000"),
])
def test_amounts_that_would_need_a_guess_are_refused(text, reason):
    with pytest.raises(CellError, match=reason):
        NONNEG.parse(text)


def test_an_events_negative_amount_is_told_what_its_column_allows():
    from zhengkedai.imports.schema import EVENT_FIELDS

    amount = next(f.column for f in EVENT_FIELDS if f.key == "amount")
    with pytest.raises(CellError, match=r"^must be greater than 0 \(only an overdue level may be 0\)$"):
        amount.parse("-5")
    assert amount.parse("0") == 0  # an overdue level; the row's own rule refuses 0 for the others


def test_zero_is_an_amount_but_not_a_positive_one():
    assert NONNEG.parse("0") == 0
    with pytest.raises(CellError, match="greater than 0"):
        POSITIVE.parse("0.00")


def test_number_cells_from_a_spreadsheet_are_exact():
    assert NONNEG.parse(1234) == 123400
    assert NONNEG.parse(Decimal("1234.5")) == 123450
    with pytest.raises(CellError, match="more than 2 decimals"):
        NONNEG.parse(Decimal("0.30000000000000004"))
    with pytest.raises(CellError):
        NONNEG.parse(True)
    with pytest.raises(CellError):
        NONNEG.parse(Decimal("NaN"))


@given(st.integers(0, 10**12 - 1), st.sampled_from(["", ".5", ".05", ".50"]),
       st.booleans())
def test_the_fast_path_agrees_with_the_money_module(whole, tail, grouped):
    text = (f"{whole:,}" if grouped else str(whole)) + tail
    expected = money.parse_yuan(text)
    assert NONNEG.parse(text) == expected


@pytest.mark.parametrize(("cell", "percent"), [
    ("3.85", "3.85"), ("3.85%", "3.85"), ("３.８５％", "3.85"), (" 4.35 % ", "4.35"),
    (Decimal("3.85"), "3.85"), (4, "4"), ("0", "0"),
])
def test_percent_with_or_without_the_sign(cell, percent):
    assert Percent().parse(cell) == Decimal(percent)


@pytest.mark.parametrize("cell", ["3.85%%", "abc", "-1", "101", "3,85", "1.1234567"])
def test_bad_percentages_are_refused(cell):
    with pytest.raises(CellError):
        Percent().parse(cell)


@pytest.mark.parametrize("cell", [
    "2025-06-01", "2025/6/1", "2025/06/01", "2025-6-1", "2025年6月1日", "２０２５年６月１日",
    "2025年06月01日", "2025/6/1 0:00", "2025-06-01 00:00:00",
    dt.datetime(2025, 6, 1), dt.datetime(2025, 6, 1, 13, 5), dt.date(2025, 6, 1), 45809,
    Decimal(45809),
])
def test_every_date_spelling_reads_as_the_same_day(cell):
    assert Date().parse(cell) == dt.date(2025, 6, 1)


def test_excel_serials_count_from_the_1900_system():
    assert Date().parse(61) == dt.date(1900, 3, 1)
    assert Date().parse(44927) == dt.date(2023, 1, 1)


def test_excel_serials_of_the_1904_system_count_from_1904():
    mac = Date(serial_epoch=dt.date(1904, 1, 1))
    assert mac.parse(0) == dt.date(1904, 1, 1)
    assert mac.parse(44347) == dt.date(2025, 6, 1)
    assert mac.parse(2_957_003) == dt.date(9999, 12, 31)
    with pytest.raises(CellError, match="not a date serial in range"):
        mac.parse(2_957_004)
    assert mac.parse("2025-06-01") == dt.date(2025, 6, 1)  # text is text in either system


@pytest.mark.parametrize(("cell", "reason"), [
    ("2025-02-30", "not a calendar date"),
    ("2025.6.1", "not a date like"),
    ("20250601", "not a date like"),
    ("6/1/2025", "not a date like"),
    ("45809", "not a date like"),  # serials only from number cells
    (Decimal("45809.5"), "whole-day"),
    (dt.time(12, 0), "not a date"),
    (True, "not a date"),
])
def test_dates_that_would_need_a_guess_are_refused(cell, reason):
    with pytest.raises(CellError, match=reason):
        Date().parse(cell)


@pytest.mark.parametrize(("cell", "value"), [
    ("是", True), ("否", False), ("Y", True), ("n", False), ("TRUE", True), ("false", False),
    ("1", True), ("0", False), (1, True), (0, False), (True, True), ("Yes", True), ("ｙ", True),
])
def test_yes_no_spellings(cell, value):
    assert YesNo().parse(cell) is value


def test_an_unclear_yes_no_is_refused():
    with pytest.raises(CellError, match="not yes/no"):
        YesNo().parse("maybe")


@pytest.mark.parametrize(("cell", "member"), [
    ("信用", LoanType.CREDIT), ("credit", LoanType.CREDIT), ("IP_Pledge", LoanType.IP_PLEDGE),
    ("知识产权质押", LoanType.IP_PLEDGE), ("抵押", LoanType.COLLATERAL), ("担保", LoanType.GUARANTEED),
    ("保证保险", LoanType.INSURED), (" insured ", LoanType.INSURED),
])
def test_loan_types_in_chinese_or_english(cell, member):
    assert Choice(LoanType, LOAN_TYPE_ZH).parse(cell) is member


def test_event_types_and_subsidy_kinds_in_chinese_or_english():
    events = Choice(EventType, EVENT_TYPE_ZH)
    assert [events.parse(s) for s in ("还款", "逾期", "损失确认", "追偿回收", "LOSS")] == [
        EventType.REPAYMENT, EventType.OVERDUE, EventType.LOSS, EventType.RECOVERY,
        EventType.LOSS]
    kinds = Choice(SubsidyKind, SUBSIDY_KIND_ZH)
    assert kinds.parse("投资风险补助") is SubsidyKind.INVESTMENT_RISK
    assert kinds.parse("guarantee_fee") is SubsidyKind.GUARANTEE_FEE


def test_an_unknown_choice_lists_the_choices():
    with pytest.raises(CellError, match="信用 credit"):
        Choice(LoanType, LOAN_TYPE_ZH).parse("质押")


def test_years():
    assert Year().parse("2025") == 2025
    assert Year().parse("2025年") == 2025
    assert Year().parse("2025年度") == 2025
    assert Year().parse(2025) == 2025
    for bad in ("25", "1800", "2025-01", dt.date(2025, 1, 1)):
        with pytest.raises(CellError):
            Year().parse(bad)


def test_text_code_and_credit_code_columns():
    assert Text().parse("  郑州某某科技有限公司（郑州） ") == "郑州某某科技有限公司（郑州）"
    assert Code().parse(" ＬＮ-001 ") == "LN-001"
    assert Code().parse(20250001) == "20250001"
    with pytest.raises(CellError, match="spaces"):
        Code().parse("LN 001")
    assert CreditCode().parse(make_uscc("410100", 5).lower()) == make_uscc("410100", 5)
    with pytest.raises(CellError, match="check character"):
        CreditCode().parse(make_uscc("410100", 5)[:17] + "1")


def test_optional_columns_take_their_default_when_empty():
    assert Optional(NONNEG, 0).parse(None) == 0
    assert Optional(NONNEG, 0).parse("  ") == 0
    assert Optional(YesNo(), False).parse("") is False
    assert Optional(Text()).parse("") is None
    assert Optional(NONNEG, 0).parse("5") == 500


def test_an_amount_cell_above_a_trillion_yuan_is_refused_on_the_fast_path_too():
    assert NONNEG.parse("1,000,000,000,000.00") == 10**14
    with pytest.raises(CellError, match="the largest amount zkd takes"):
        NONNEG.parse("1000000000000.01")


@pytest.mark.parametrize(("cell", "reason"), [
    ("LN\u200b001", "U\\+200B ZERO WIDTH SPACE"),
    ("LN\u200d001", "ZERO WIDTH JOINER"),
    ("\ufeffLN001", "ZERO WIDTH NO-BREAK SPACE"),
    ("LN\x00001", "U\\+0000"),
    ("LN\u202e001", "RIGHT-TO-LEFT OVERRIDE"),
    ("LN-00¹", "digit form '¹'"),
    ("LN-①", "CIRCLED DIGIT ONE"),
    ("LN-٣", "ARABIC-INDIC DIGIT THREE"),
    ("#N/A", "spreadsheet error value"),
])
def test_a_code_with_an_invisible_character_or_a_foreign_digit_is_refused_naming_it(cell, reason):
    with pytest.raises(CellError, match=reason):
        Code().parse(cell)


def test_a_name_keeps_its_chinese_numerals_but_not_a_hidden_character():
    assert Text().parse("郑州第一科技有限公司") == "郑州第一科技有限公司"
    assert Text().parse("备注第一行\n第二行") == "备注第一行\n第二行"
    for bad in ("郑州\u200b科技", "郑州\x00科技", "#VALUE!"):
        with pytest.raises(CellError):
            Text().parse(bad)


@pytest.mark.parametrize("cell", ["2025-6/8", "2025/6-8", "２０２５-0६-01", "2025-06-0¹"])
def test_a_date_with_mixed_separators_or_foreign_digits_is_refused(cell):
    with pytest.raises(CellError):
        Date().parse(cell)


def test_a_credit_code_and_a_year_refuse_foreign_digits_that_nfkc_would_fold():
    code = make_uscc("410100", 5)
    with pytest.raises(CellError, match="digit form"):
        CreditCode().parse(code[:-1] + "⁹")
    with pytest.raises(CellError, match="digit form"):
        Year().parse("202⁵")
