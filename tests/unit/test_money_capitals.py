"""Amounts in Chinese capitals (大写) for payment notices, in the usual financial form (SPEC 12)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengkedai.domain.money import format_capital, parse_yuan

_DIGITS = {ch: i for i, ch in enumerate("零壹贰叁肆伍陆柒捌玖")}
_SMALL = {"拾": 10, "佰": 100, "仟": 1000}


def parse_capital(text: str) -> int:
    """Read capitals back into fen: an independent reading of what format_capital writes."""
    assert text.startswith("人民币")
    body = text.removeprefix("人民币").removesuffix("整")
    yuan_text, _, cents_text = body.rpartition("元") if "元" in body else ("", "", body)
    total = wan = cur = num = 0
    for ch in yuan_text:
        if ch in _DIGITS:
            num = _DIGITS[ch]
        elif ch in _SMALL:
            assert num, f"a unit without its digit in {text}"
            cur, num = cur + num * _SMALL[ch], 0
        elif ch == "万":
            wan, cur, num = wan + (cur + num) * 10_000, 0, 0
        elif ch == "亿":
            total, wan, cur, num = (total + wan + cur + num) * 100_000_000, 0, 0, 0
        else:
            raise AssertionError(f"unexpected {ch!r} in {text}")
    fen = (total + wan + cur + num) * 100
    cents = cents_text.removeprefix("零")
    if "角" in cents:
        fen += _DIGITS[cents[cents.index("角") - 1]] * 10
    if "分" in cents:
        fen += _DIGITS[cents[cents.index("分") - 1]]
    return fen


@pytest.mark.parametrize("amount, capitals", [
    # SPEC 12's examples
    ("987,654.31", "人民币玖拾捌万柒仟陆佰伍拾肆元叁角壹分"),
    ("5,000,000.00", "人民币伍佰万元整"),
    ("10,005.00", "人民币壹万零伍元整"),
    ("1,040.00", "人民币壹仟零肆拾元整"),
    ("0.07", "人民币柒分"),
    # and the edges of the form
    ("100,000,000.00", "人民币壹亿元整"),
    ("100,000,001.00", "人民币壹亿零壹元整"),
    ("100,010,000.00", "人民币壹亿零壹万元整"),
    ("110,000,000.00", "人民币壹亿壹仟万元整"),
    ("10.50", "人民币壹拾元伍角整"),
    ("10.00", "人民币壹拾元整"),
    ("0.50", "人民币伍角整"),
    ("0.00", "人民币零元整"),
    ("16,409.02", "人民币壹万陆仟肆佰零玖元零贰分"),
    ("325.04", "人民币叁佰贰拾伍元零肆分"),
    ("1,680.32", "人民币壹仟陆佰捌拾元叁角贰分"),
    ("1,001,010.00", "人民币壹佰万壹仟零壹拾元整"),
    ("1,000,010.00", "人民币壹佰万零壹拾元整"),
    ("3,200,000.00", "人民币叁佰贰拾万元整"),
])
def test_an_amount_is_written_in_capitals_in_the_usual_financial_form(amount: str,
                                                                      capitals: str) -> None:
    assert format_capital(parse_yuan(amount)) == capitals


@given(st.integers(min_value=0, max_value=10 ** 13))
def test_capitals_read_back_to_the_same_fen(fen: int) -> None:
    text = format_capital(fen)
    assert parse_capital(text) == fen
    assert "零零" not in text and not text.removesuffix("整").endswith("零")
    assert text.endswith("分") != text.endswith("整")


def test_a_negative_amount_has_no_capitals() -> None:
    with pytest.raises(ValueError):
        format_capital(-1)
