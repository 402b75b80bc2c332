from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengkedai.domain.money import (
    AmountError,
    apply_ratio,
    format_grouped,
    format_plain,
    parse_yuan,
    unit_factor,
)


@pytest.mark.parametrize("text, fen", [
    ("1234.5", 123450),
    ("1,234.50", 123450),
    ("¥1,234.50", 123450),
    ("￥1234.50", 123450),
    ("１２３４.５０", 123450),
    ("0.01", 1),
    ("5000000", 500000000),
    (" 12 ", 1200),
    ("¥ 1,234.50", 123450),
])
def test_every_accepted_spelling_parses_to_exact_fen(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["1.2.3", "12a", "1,23.00", "0.001", "", "¥", "1,2345.00"])
def test_a_text_that_needs_a_guess_is_refused(text: str) -> None:
    with pytest.raises(AmountError):
        parse_yuan(text)


def test_a_ten_thousand_yuan_unit_scales_the_amount() -> None:
    assert parse_yuan("12.3456", unit=unit_factor("万元")) == 12345600
    with pytest.raises(AmountError, match="more than 2 decimals"):
        parse_yuan("1.2345678", unit=unit_factor("万元"))


def test_rounding_is_half_up_to_the_fen() -> None:
    assert apply_ratio(33333333, Decimal("0.8")) == 26666666  # 266,666.664 -> .66
    assert apply_ratio(1, Decimal("0.5")) == 1  # 0.005 yuan rounds up
    assert apply_ratio(1, Decimal("0.8")) == 1  # 0.008 -> 0.01


def test_amounts_are_spelled_plain_for_machines_and_grouped_for_people() -> None:
    assert format_plain(123450) == "1234.50"
    assert format_plain(-5) == "-0.05"
    assert format_grouped(500000000) == "5,000,000.00"
    assert format_grouped(-123456789) == "-1,234,567.89"


@given(st.integers(min_value=0, max_value=10**14))
def test_formatting_then_parsing_gives_the_same_fen(fen: int) -> None:
    assert parse_yuan(format_plain(fen)) == fen
    assert parse_yuan(format_grouped(fen)) == fen


@pytest.mark.parametrize("text", ["1000000000000.01", "1,000,000,000,000.01", "-1000000000001"])
def test_an_amount_above_a_trillion_yuan_is_refused(text: str) -> None:
    assert parse_yuan("1,000,000,000,000.00") == 10**14
    with pytest.raises(AmountError, match="the largest amount zkd takes"):
        parse_yuan(text)


@pytest.mark.parametrize("text", ["1 234", "١٢٣", "12 345.00"])
def test_spaces_inside_a_number_and_non_ascii_digits_are_refused(text: str) -> None:
    with pytest.raises(AmountError):
        parse_yuan(text)


def test_a_thousands_of_yuan_unit_scales_by_a_thousand() -> None:
    from zhengkedai.domain.money import unit_factor

    assert parse_yuan("1,234.56", unit=unit_factor("千元")) == 123_456_000
    with pytest.raises(AmountError, match="more than 2 decimals"):
        parse_yuan("0.000001", unit=unit_factor("千元"))  # 0.001 yuan
