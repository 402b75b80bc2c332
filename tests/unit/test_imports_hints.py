"""Hints for the mistakes spreadsheets make for clerks (SPEC 12), and their Chinese words."""

from __future__ import annotations

from decimal import Decimal

import pytest

from zhengkedai.imports.columns import Amount, CellError, Code, CreditCode

EXCEL_ADVICE = "format the column as text and export again"


@pytest.mark.parametrize("cell", [
    Decimal("914101000000000000"),  # an 18-digit code read back from a number cell
    914101000000000000,
    "9.14101E+17",  # the same number as Excel shows it, saved to CSV
    "914101000000000000",  # the rounded digits, saved to CSV
])
def test_a_credit_code_excel_turned_into_a_number_gets_the_advice_to_use_text(cell) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CellError, match=EXCEL_ADVICE):
        CreditCode().parse(cell)


@pytest.mark.parametrize("cell", [
    Decimal("2.02500010002000E+18"),  # 2025000100020003001 typed into a number cell
    2025000100020000,  # 16 digits: Excel kept 15 of 2025000100020003
])
def test_a_long_loan_number_in_a_number_cell_is_refused_not_stored_rounded(cell) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CellError, match=EXCEL_ADVICE):
        Code().parse(cell)


@pytest.mark.parametrize("cell, code", [(12345, "12345"), (202500010002000, "202500010002000"),
                                        ("2025000100020003001", "2025000100020003001")])
def test_a_loan_number_excel_keeps_whole_is_taken(cell, code) -> None:  # type: ignore[no-untyped-def]
    assert Code().parse(cell) == code


def test_a_mistyped_credit_code_written_as_text_gets_no_excel_advice() -> None:
    with pytest.raises(CellError) as exc:
        CreditCode().parse("91410100000000019X")
    assert EXCEL_ADVICE not in str(exc.value)


def test_the_excel_advice_is_in_chinese_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZKD_LANG", raising=False)
    with pytest.raises(CellError, match="请将该列设置为文本后重新导出"):
        CreditCode().parse("9.14101E+17")


@pytest.mark.parametrize("cell, unit", [("1,000,000元", "元"), ("100万元", "万元"), ("100万", "万元"),
                                        ("¥5000 元", "元")])
def test_a_unit_written_into_an_amount_cell_is_said_to_belong_in_the_header(cell, unit) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CellError) as exc:
        Amount().parse(cell)
    assert f"the unit {unit} belongs in the column header" in str(exc.value)
    assert "separators" not in str(exc.value)


def test_misplaced_separators_are_still_named_when_there_is_no_unit() -> None:
    with pytest.raises(CellError, match="misplaced thousands separators"):
        Amount().parse("1,00,000")


def test_an_amount_refusal_is_in_chinese_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZKD_LANG", raising=False)
    with pytest.raises(CellError, match="单位“元”应写在列标题中"):
        Amount().parse("1,000,000元")
