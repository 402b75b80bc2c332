"""The one CSV writer: no cell runs as a formula in a spreadsheet, numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest

from zhengkedai.render.csvfile import csv_bytes, csv_text, safe_cell


@pytest.mark.parametrize("text", [
    '=HYPERLINK("http://evil.example","click")', "=cmd|' /C calc'!A0", "+1+1", "-1+1",
    "@SUM(A1)", "\t=1", "\r=1", "-", "=",
])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_starts_with_an_apostrophe(text) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-5.00", "-1234.50", "-1,234.50", "+3", "0", "郑州银行",
                                   "L-001", "a=b", 12, None])
def test_numbers_and_ordinary_text_are_left_alone(value) -> None:
    assert safe_cell(value) == ("" if value is None else str(value))


def test_every_row_and_cell_goes_through_it_and_a_bom_leads_the_bytes() -> None:
    data = csv_bytes([["loan_no", "amount"], ["=1+2", "-5.00"]])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["loan_no", "amount"], ["'=1+2", "-5.00"]]
    assert csv_text([["@x"]], lineterminator="\n") == "'@x\n"
