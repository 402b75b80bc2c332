"""XLSX cells that python-calamine does not tell apart, read as the sheet shows them.

calamine gives an error cell as an empty one and no number formats; the reader
finds both in the sheet's XML (:mod:`zhengkedai.imports.xlsxcells`). Also: row
numbers as the sheet shows them when the data does not start at A1.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

from zhengkedai.imports.parse import read_file
from zhengkedai.imports.readers import open_source

from .test_imports_files import LOAN_HEADER, loan, records


def _rewrite(path: Path, replace: dict[str, str]) -> Path:
    """The workbook with its first sheet's XML edited, as another program would write it."""
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for old, new in replace.items():
        assert old in sheet, old
        sheet = sheet.replace(old, new)
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_an_error_cell_is_refused_as_the_error_it_shows_even_in_an_optional_column(tmp_path):
    wb = Workbook()
    ws = wb.active
    header = [*LOAN_HEADER, "担保费"]
    ws.append(header)
    ws.append([*loan("A"), 0])
    ws.append([*loan("B"), 0])
    wb.save(tmp_path / "e.xlsx")
    fee = f"{chr(ord('A') + len(LOAN_HEADER))}"
    # a formula's error result (its <f> before its cached <v>), and a typed #N/A
    path = _rewrite(tmp_path / "e.xlsx", {
        f'<c r="{fee}2" t="n"><v>0</v></c>':
            f'<c r="{fee}2" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
        f'<c r="{fee}3" t="n"><v>0</v></c>': f"<c r='{fee}3' s='0' t='e'><v>#N/A</v></c>"})
    errors = read_file(path).check()
    assert [(e.row, e.value) for e in errors] == [(2, "#DIV/0!"), (3, "#N/A")]
    assert all("spreadsheet error value" in e.message for e in errors)


def test_percent_cells_in_builtin_and_custom_formats_mean_what_they_show(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(LOAN_HEADER)
    for i, (value, fmt) in enumerate([(0.0385, "0.00%"), (0.042, "0%"), (0.0365, "0.000%"),
                                      (3.85, "0.00")], start=2):
        ws.append(loan(f"L{i}"))
        ws.cell(row=i, column=9, value=value).number_format = fmt
    wb.save(tmp_path / "p.xlsx")
    rates = [r.record.annual_rate for r in records(read_file(tmp_path / "p.xlsx"))]
    assert rates == [Decimal("3.85"), Decimal("4.2"), Decimal("3.65"), Decimal("3.85")]


def test_rows_keep_the_sheets_numbers_and_columns_when_data_starts_below_and_right(tmp_path):
    wb = Workbook()
    ws = wb.active
    for r, row in enumerate([LOAN_HEADER, loan("A"), loan("B", principal="abc")], start=4):
        for c, value in enumerate(row, start=3):  # from C4: two blank rows and columns
            ws.cell(row=r, column=c, value=value)
    wb.save(tmp_path / "b.xlsx")
    rows = list(open_source(tmp_path / "b.xlsx").rows())
    assert [n for n, _ in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[3][1][:3] == [None, None, "贷款编号"]
    [error] = read_file(tmp_path / "b.xlsx").check()
    assert (error.row, error.value) == (6, "abc")


def test_cells_come_as_the_parser_takes_them(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["text", 42, 1234.56, 2 ** 53, 1e20, True, dt.datetime(2025, 6, 1),
               dt.datetime(2025, 6, 1, 13, 30), dt.time(9, 15), dt.timedelta(hours=30), None, ""])
    wb.save(tmp_path / "c.xlsx")
    [(number, cells)] = list(open_source(tmp_path / "c.xlsx").rows())
    assert number == 1
    assert cells[:10] == ["text", 42, Decimal("1234.56"), 2 ** 53, Decimal("1E+20"), True,
                          dt.datetime(2025, 6, 1), dt.datetime(2025, 6, 1, 13, 30),
                          dt.time(9, 15), dt.timedelta(hours=30)]
    assert [type(c) for c in cells[:5]] == [str, int, Decimal, int, Decimal]
    assert type(cells[6]) is dt.datetime  # a date cell, as openpyxl gave it
    assert all(c is None for c in cells[10:])


def test_a_percent_cell_without_its_reference_is_refused_not_misread(tmp_path):
    import re

    import pytest

    from zhengkedai.imports.readers import FileRejected

    wb = Workbook()
    ws = wb.active
    ws.append(LOAN_HEADER)
    ws.append(loan())
    ws["I2"] = 0.0385
    ws["I2"].number_format = "0.00%"
    wb.save(tmp_path / "p.xlsx")
    with zipfile.ZipFile(tmp_path / "p.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    [tag] = re.findall(r'<c r="I2"[^>]*>', sheet)
    path = _rewrite(tmp_path / "p.xlsx", {tag: tag.replace(' r="I2"', "")})
    with pytest.raises(FileRejected, match="percent or error cell without its reference"):
        read_file(path).check()
