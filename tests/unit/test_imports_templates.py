"""Templates are made from the column specs, and the reader accepts them filled in;
the bad-file corpus under tests/data/files gives exactly its expected errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from zhengkedai.imports.parse import read_file
from zhengkedai.imports.rowerrors import write_errors_csv
from zhengkedai.imports.schema import FIELDS, FileKind
from zhengkedai.imports.templates import (
    FORMATTED_ROWS,
    INSTRUCTIONS_SHEET,
    choices_zh,
    template_readme,
    write_template,
    write_template_files,
)
from zhengkedai.imports.uscc import make_uscc

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "files"

FILLED = {
    FileKind.LOANS: ["L1", "郑州甲公司", make_uscc("410100", 1), "金水区", "100", "是", "否", "",
                     "信用", "", "1000", "3.85", "2025-06-01", "2026-06-01", "", ""],
    FileKind.EVENTS: ["L1", "还款", "2025-07-01", "100", ""],
    FileKind.SUBSIDIES: ["担保费补助", make_uscc("410100", 1), "100", "", "2025", "V1"],
}


def test_the_committed_template_files_are_what_the_specs_generate(tmp_path):
    write_template_files(tmp_path)
    for name in ("loans.csv", "events.csv", "subsidies.csv", "README.md"):
        assert (ROOT / "templates" / "files" / name).read_bytes() == (tmp_path / name).read_bytes()
    assert "| principal | 贷款金额 | yes | amount in yuan > 0" in template_readme()


@pytest.mark.parametrize("kind", list(FileKind))
def test_a_csv_template_is_one_bom_header_row_in_spec_order(tmp_path, kind):
    path = write_template(kind, tmp_path / "t.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    assert rows == [[f.zh for f in FIELDS[kind]]]


@pytest.mark.parametrize("kind", list(FileKind))
def test_a_filled_in_csv_template_is_accepted_as_its_kind(tmp_path, kind):
    path = write_template(kind, tmp_path / "t.csv")
    with path.open("a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow(FILLED[kind])
    parsed = read_file(path)
    assert parsed.kind is kind
    assert parsed.check() == []
    assert parsed.count_rows() == 1


@pytest.mark.parametrize("kind", list(FileKind))
def test_a_filled_in_xlsx_template_is_accepted_and_explains_its_columns(tmp_path, kind):
    from openpyxl import load_workbook

    path = write_template(kind, tmp_path / "t.xlsx", xlsx=True)
    wb = load_workbook(path)
    assert wb.sheetnames[1] == INSTRUCTIONS_SHEET
    rows = list(wb[INSTRUCTIONS_SHEET].iter_rows(min_row=2, max_row=len(FIELDS[kind]) + 1,
                                                  values_only=True))
    assert [(row[0], row[1]) for row in rows] == [(f.zh, f.key) for f in FIELDS[kind]]
    for column, value in enumerate(FILLED[kind], start=1):  # row 2, as a clerk fills it
        wb.worksheets[0].cell(2, column, value)
    wb.save(path)
    parsed = read_file(path)
    assert parsed.kind is kind
    assert parsed.check() == []
    assert [len(b) for b in parsed.batches()] == [1]


CORPUS_FILES = sorted(p for p in CORPUS.iterdir()
                      if p.suffix in (".csv", ".xlsx") and not p.name.endswith(".errors.csv"))


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_each_bad_file_of_the_corpus_gives_exactly_its_expected_errors(tmp_path, path):
    write_errors_csv(read_file(path).check(), tmp_path / "errors.csv")
    expected = path.with_name(path.stem + ".errors.csv")
    assert (tmp_path / "errors.csv").read_text("utf-8-sig") == expected.read_text("utf-8-sig")


TEXT_KEYS = {"loan_no", "enterprise_name", "credit_code", "district", "guarantor_code", "note",
             "beneficiary", "investee", "reference"}
DATE_KEYS = {"disbursed_on", "maturity_on", "occurred_on", "filed_on"}


@pytest.mark.parametrize("kind", list(FileKind))
def test_an_xlsx_template_keeps_typed_codes_as_text_and_dates_as_dates(tmp_path, kind):
    """An all-digit credit code typed into a General cell becomes 9.14101E+17."""
    from openpyxl import load_workbook

    ws = load_workbook(write_template(kind, tmp_path / "t.xlsx", xlsx=True)).worksheets[0]
    for i, spec in enumerate(FIELDS[kind], start=1):
        expected = "@" if spec.key in TEXT_KEYS else "yyyy-mm-dd" if spec.key in DATE_KEYS else "General"
        for row in (2, 3, 1001):
            assert ws.cell(row, i).number_format == expected, (spec.key, row)


DROP_DOWNS = {
    FileKind.LOANS: {"高新技术企业": ["是", "否"], "连续两年盈利": ["是", "否"],
                     "产学研合作": ["是", "否"],
                     "贷款类型": ["信用", "知识产权质押", "抵押", "担保", "保证保险"]},
    FileKind.EVENTS: {"事件类型": ["还款", "逾期", "损失确认", "追偿回收"]},
    FileKind.SUBSIDIES: {"补助类型": ["担保费补助", "融资补助", "投资风险补助"]},
}


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("kind", list(FileKind))
def test_an_xlsx_template_offers_a_drop_down_that_refuses_anything_else_for_each_fixed_column(
        tmp_path, kind):
    from openpyxl import load_workbook

    ws = load_workbook(write_template(kind, tmp_path / "t.xlsx", xlsx=True)).worksheets[0]
    headers = {cell.column_letter: cell.value for cell in ws[1]}
    found = {}
    for dv in ws.data_validations.dataValidation:
        assert dv.type == "list" and dv.showErrorMessage and dv.errorStyle == "stop"
        assert _has_cjk(dv.error)  # the refusal a clerk sees is in Chinese
        (rng,) = dv.sqref.ranges
        assert (rng.min_row, rng.max_row) == (2, FORMATTED_ROWS + 1)
        assert rng.min_col == rng.max_col
        header = headers[rng.coord.split(":")[0].rstrip("0123456789")]
        found[header] = dv.formula1.strip('"').split(",")
    assert found == DROP_DOWNS[kind]


@pytest.mark.parametrize("kind", list(FileKind))
def test_every_value_a_drop_down_offers_is_read_as_that_value(kind):
    for spec in FIELDS[kind]:
        for value in choices_zh(spec) or ():
            spec.column.parse(value)  # raises CellError if the reader refused it


@pytest.mark.parametrize("kind", list(FileKind))
def test_the_instructions_sheet_explains_every_column_in_chinese(tmp_path, kind):
    from openpyxl import load_workbook

    sheet = load_workbook(write_template(kind, tmp_path / "t.xlsx", xlsx=True))[INSTRUCTIONS_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("列名", "英文键名", "是否必填", "填写规则", "示例")
    for spec, row in zip(FIELDS[kind], rows[1:], strict=False):
        assert row[2] == ("必填" if spec.required else "可不填")
        assert _has_cjk(row[3]), (spec.key, row[3])
    assert ("填写须知", None, None, None, None) in rows


@pytest.mark.parametrize("kind", list(FileKind))
def test_a_template_filled_with_drop_down_values_real_dates_and_text_codes_is_accepted(
        tmp_path, kind):
    import datetime as dt

    from openpyxl import load_workbook

    path = write_template(kind, tmp_path / "t.xlsx", xlsx=True)
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    for column, (spec, value) in enumerate(zip(FIELDS[kind], FILLED[kind], strict=False),
                                           start=1):
        if spec.key in DATE_KEYS and value:
            value = dt.datetime.fromisoformat(value)  # a date picked in the spreadsheet
        ws.cell(2, column, value)
    wb.save(path)
    parsed = read_file(path)
    assert parsed.kind is kind and parsed.check() == []
