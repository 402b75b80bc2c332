"""An XLSX sheet read in slices reads as it would whole, with shared or inline strings.

The reader cuts a sheet's XML after whole rows and has calamine parse each
slice (:mod:`zhengkedai.imports.xlsxsheet`). Here slices are made a few rows
long, so that every boundary case meets one: shared strings named across
slices, a blank row or a gap between slices, percent and error cells, a
header below title rows, a row wider than the ones before it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.xlsxfiles import with_shared_strings
from zhengkedai.imports import xlsxsheet
from zhengkedai.imports.parse import read_file
from zhengkedai.imports.readers import FileRejected, open_source

from .test_imports_files import LOAN_HEADER, loan


def _workbook(path: Path, rows: int = 60) -> Path:
    """Loans with typed cells, a title above the header, blank rows, a percent rate."""
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(["郑州银行 2025 年 贷款台账"])
    ws.append([])
    ws.append(LOAN_HEADER)
    for i in range(rows):
        if i % 17 == 5:
            ws.append([])  # a blank row inside the data
        cells: list[object] = loan(f"L{i:04d}", principal=1_000_000 + i, revenue=12_000_000)
        cells[9] = dt.date(2025, 1, 1) + dt.timedelta(days=i % 40)
        cells[10] = dt.datetime(2026, 5, 31)
        ws.append(cells)
        if i % 3 == 0:
            rate = ws.cell(ws.max_row, 9, 0.0385)
            rate.number_format = "0.00%"
    # a row far below the rest: rows without a cell between two slices
    ws.append([])
    ws.cell(ws.max_row + 40, 1, "L9999")
    wb.save(path)
    return path


def _rows(path: Path) -> list[tuple[int, list[object]]]:
    return list(open_source(path).rows())


@pytest.fixture
def small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsxsheet, "SLICE", 900)
    monkeypatch.setattr(xlsxsheet, "FIRST_SLICE", 300)


@pytest.mark.parametrize("strings", ["inline", "shared", "shared, reversed"])
def test_a_sheet_in_many_slices_reads_as_it_does_in_one(tmp_path, monkeypatch, strings):
    path = _workbook(tmp_path / "loans.xlsx")
    whole = _rows(path)
    if strings != "inline":
        path = with_shared_strings(path, tmp_path / "shared.xlsx",
                                   order="reversed" if "reversed" in strings else "first seen")
    monkeypatch.setattr(xlsxsheet, "SLICE", 900)
    monkeypatch.setattr(xlsxsheet, "FIRST_SLICE", 300)
    sliced = _rows(path)
    assert sliced == whole
    assert whole[3][1][:2] == ["L0000", "郑州某某科技有限公司"]
    assert whole[3][1][8] == "3.8500%"  # the percent cell, as it shows
    assert whole[3][1][9] == dt.datetime(2025, 1, 1)
    assert whole[4][1][8] == "3.85%"  # text, as written
    assert whole[-1][1][0] == "L9999" and all(c is None for c in whole[-2][1])
    assert len({len(cells) for _number, cells in whole}) == 1
    assert [number for number, _cells in sliced] == list(range(1, len(sliced) + 1))


def test_a_slice_boundary_changes_no_record_or_error(tmp_path, small_slices):
    path = with_shared_strings(_workbook(tmp_path / "loans.xlsx"))
    parsed = read_file(path)
    assert parsed.header.row == 3
    errors = parsed.check()
    # the lone loan number far below is the only row refused (its other cells are empty)
    assert {e.row for e in errors} == {_rows(path)[-1][0]}
    assert sum(1 for r in parsed.results() if r.record is not None) == 60


def test_an_error_cell_alone_in_its_row_at_a_slice_boundary_is_still_refused(tmp_path,
                                                                              small_slices):
    wb = Workbook()
    ws = wb.active
    ws.append(LOAN_HEADER)
    for i in range(30):
        ws.append(loan(f"L{i:03d}"))
    ws.append(["#N/A"])  # rewritten below as an error cell, the row's only cell
    wb.save(tmp_path / "e.xlsx")
    import zipfile

    with zipfile.ZipFile(tmp_path / "e.xlsx") as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b'<c r="A32" t="inlineStr"><is><t>#N/A</t></is></c>', b'<c r="A32" t="e"><v>#N/A</v></c>')
    with zipfile.ZipFile(tmp_path / "e.xlsx", "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    errors = read_file(tmp_path / "e.xlsx").check()
    assert [(e.row, e.value) for e in errors if e.value == "#N/A"] == [(32, "#N/A")]


def test_a_broken_slice_is_refused_in_one_line(tmp_path, small_slices):
    path = _workbook(tmp_path / "loans.xlsx")
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert b'<c r="D40" t="n"><v>12000000</v>' in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b'<c r="D40" t="n"><v>12000000</v>',
                                                      b'<c r="D40" t="n"><v>1x2</v>', 1)
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with pytest.raises(FileRejected, match="not a readable XLSX file"):
        read_file(path).check()
