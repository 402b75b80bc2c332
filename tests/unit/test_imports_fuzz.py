"""Random input never escapes as a stray exception: a parsed file, RowErrors, or one clean line."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhengkedai.domain.errors import ZkdError
from zhengkedai.imports.columns import CellError
from zhengkedai.imports.parse import read_file
from zhengkedai.imports.rowerrors import RowError
from zhengkedai.imports.schema import FIELDS
from zhengkedai.imports.uscc import make_uscc

LOAN_HEADER = [f.zh for f in FIELDS["loans"]]

text_cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "是", "否", "信用", "3.85%", "2025-06-01", "2025/6/1",
                     "1,234.50", "¥1,234.50", "１２３４.５０", "-1", "1.2.3", "0", "1e5",
                     "NaN", "Infinity", "2025年13月1日", make_uscc("410100", 3),
                     make_uscc("410200", 3), "=1+1"]),
)
xlsx_cells = st.one_of(
    st.none(), text_cells, st.integers(-10**12, 10**12), st.booleans(),
    st.decimals(allow_nan=True, allow_infinity=True, places=None),
    st.datetimes(min_value=dt.datetime(1900, 1, 1)), st.dates(), st.times(),
    st.timedeltas(),
)
SLOW = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings(max_examples=300, deadline=None)
@given(xlsx_cells)
def test_every_parser_either_parses_or_raises_a_cell_error(cell):
    for spec in (f for fields in FIELDS.values() for f in fields):
        try:
            spec.column.parse(cell)
        except CellError as exc:
            assert str(exc) and "\n" not in str(exc)


def _outcome(path):
    """What a user would see: errors, or one clean line; anything else fails the test."""
    try:
        parsed = read_file(path)
        errors = parsed.check()
    except ZkdError as exc:
        assert str(exc) and "\n" not in str(exc)
        return "rejected"
    assert all(isinstance(e, RowError) and e.message for e in errors)
    if not errors:
        assert sum(len(b) for b in parsed.batches()) == parsed.count_rows()
    return errors


@SLOW
@given(st.lists(st.lists(text_cells, max_size=18), max_size=6))
def test_random_csv_rows_under_a_loan_header_give_records_or_row_errors(tmp_path, rows):
    path = tmp_path / "r.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([LOAN_HEADER, *rows])
    _outcome(path)


@SLOW
@given(st.binary(max_size=400), st.sampled_from([b"", "贷款编号,事件类型,发生日期,金额\n".encode()]))
def test_random_bytes_give_row_errors_or_one_clean_line(tmp_path, data, prefix):
    path = tmp_path / "b.csv"
    path.write_bytes(prefix + data)
    _outcome(path)


@SLOW
@given(st.binary(max_size=300))
def test_random_bytes_named_xlsx_are_refused_in_one_line(tmp_path, data):
    path = tmp_path / "b.xlsx"
    path.write_bytes(b"PK\x03\x04" + data)
    _outcome(path)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(xlsx_cells.filter(lambda c: not isinstance(c, Decimal) or
                                           c.is_finite()), max_size=17), max_size=4))
def test_random_xlsx_cells_under_a_loan_header_give_records_or_row_errors(tmp_path, rows):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(LOAN_HEADER)
    try:
        for row in rows:
            ws.append(row)
        wb.save(tmp_path / "x.xlsx")
    except Exception:  # openpyxl cannot write some random values (control chars): not ours
        return
    _outcome(tmp_path / "x.xlsx")
