"""XLSX statements: one workbook of one or several statements, a sheet per section.

Each sheet starts with the statement's title (and subtitle), the period and
state, and the section's heading; then a table's column labels, its rows and its
totals rows (bold), or a key/value block's labels and values; then the section's
paragraphs. Cells are typed so that a spreadsheet computes with them:

- amounts are numbers of yuan (exact: written from integer fen as decimals, never
  through float), formatted ``#,##0.00``;
- percents are fractions (4.25 percentage points is 0.0425) formatted ``0.00%``;
- dates are dates (``yyyy-mm-dd``); counts are integers;
- text is text, even when it starts with ``=`` (never run as a formula).

Totals rows carry the builders' totals as values, which are the sums of the
rows above them. The workbook is the same bytes for the same statements: its
document properties and every zip entry carry the statements' ``generated_at``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from zhengkedai.domain.statement import CellValue, ColumnKind, Section, StatementDoc

AMOUNT_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.00%"
DATE_FORMAT = "yyyy-mm-dd"
INT_FORMAT = "0"

_SHORT = {"reserve": "准备金收支", "institution": "对账单", "claims": "补偿明细",
          "subsidies": "补助明细", "trial_balance": "科目余额"}
_MODIFIED = re.compile(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
_BAD = re.compile(r"[\[\]:*?/\\]")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)


def _value(kind: ColumnKind, value: CellValue) -> object:
    if value is None:
        return None
    if kind == "amount":
        assert isinstance(value, int)
        return Decimal(value).scaleb(-2)
    if kind == "percent":
        assert isinstance(value, Decimal)
        return value.scaleb(-2)
    return value


def _put(ws: Worksheet, row: int, col: int, kind: ColumnKind, value: CellValue,
         bold: bool = False) -> Cell:
    cell = ws.cell(row=row, column=col)
    cell.value = _value(kind, value)
    if kind == "text" and value is not None:
        cell.data_type = "s"  # text is text, even "=SUM(…)" from a bank file
        if "\n" in str(value):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    elif kind == "amount":
        cell.number_format = AMOUNT_FORMAT
    elif kind == "percent":
        cell.number_format = PERCENT_FORMAT
    elif kind == "date":
        cell.number_format = DATE_FORMAT
    elif kind == "int":
        cell.number_format = INT_FORMAT
    if bold:
        cell.font = _BOLD
    return cell


def _label(ws: Worksheet, row: int, col: int, text: str, font: Font = _BOLD) -> None:
    cell = ws.cell(row=row, column=col)
    cell.value = text
    cell.data_type = "s"
    cell.font = font


_PARENTHESIS = re.compile(r"[（(]")


def sheet_name(doc: StatementDoc, section: Section, taken: set[str]) -> str:
    """A unique sheet name of at most 31 characters: statement, subject, section heading —
    the heading without its parenthesis where the whole is longer (the sheet's first row
    gives it whole), rather than cut off in mid-phrase."""
    heading = section.heading.split("、", 1)[-1]
    base = _BAD.sub("", f"{_SHORT[doc.kind]}{doc.subject or ''}-{heading}")
    if len(base) > 31:
        base = _BAD.sub("", f"{_SHORT[doc.kind]}{doc.subject or ''}-"
                            f"{_PARENTHESIS.split(heading, 1)[0]}")
    base = base[:31]
    name, n = base, 2
    while name in taken:
        suffix = f"~{n}"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def _sheet(ws: Worksheet, doc: StatementDoc, section: Section) -> None:
    year, month = doc.period.split("-")
    state = "草稿（本月尚未结账，数字可能变动）" if doc.draft else "已结账"
    _label(ws, 1, 1, doc.title + (f" · {doc.subtitle}" if doc.subtitle else ""), _TITLE)
    _label(ws, 2, 1, f"统计期间：{year}年{int(month)}月　状态：{state}　单位：元", Font())
    row = 3
    if doc.issuer:
        _label(ws, row, 1, f"编制单位：{doc.issuer}", Font())
        row += 1
    _label(ws, row, 1, section.heading)
    row += 1
    widths: list[int] = []
    if section.table is not None:
        columns = section.table.columns
        for col, c in enumerate(columns, start=1):
            _label(ws, row, col, c.label)
        ws.freeze_panes = ws.cell(row=row + 1, column=1)
        for r in section.table.rows:
            row += 1
            for col, c in enumerate(columns, start=1):
                _put(ws, row, col, c.kind, r.get(c.key), bold=r.total)
        widths = [max(8, min(60, 2 * (c.width or 1) + 6)) for c in columns]
    else:
        for f in section.fields:
            row += 1
            _label(ws, row, 1, f.label, Font(bold=f.total))
            _put(ws, row, 2, f.kind, f.value, bold=f.total)
        widths = [36, 24]
    for p in section.paragraphs:
        row += 2
        _label(ws, row, 1, p, Font())
    for col, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = w


def render_xlsx(docs: StatementDoc | Sequence[StatementDoc]) -> bytes:
    """One workbook of the statements, in order, a sheet per section; see the module docstring."""
    batch = [docs] if isinstance(docs, StatementDoc) else list(docs)
    if not batch:
        raise ValueError("nothing to render")
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for doc in batch:
        for section in doc.sections:
            if section.table is None and not section.fields:
                continue
            _sheet(wb.create_sheet(sheet_name(doc, section, taken)), doc, section)
    moment = batch[0].generated_at
    naive = moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment
    wb.properties.created = wb.properties.modified = naive
    wb.properties.creator = wb.properties.lastModifiedBy = "zhengkedai"
    wb.properties.title = f"{batch[0].title} {batch[0].period}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return _fixed_times(buffer.getvalue(), naive)


def _fixed_times(data: bytes, moment: dt.datetime) -> bytes:
    """The same zip with every entry stamped ``moment``: the same bytes on each run."""
    stamp = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute,
             moment.second - moment.second % 2)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save's own time
                content = _MODIFIED.sub(
                    lambda m: m[1] + moment.strftime("%Y-%m-%dT%H:%M:%SZ") + m[2],
                    content.decode("utf-8")).encode("utf-8")
            dst.writestr(fixed, content)
    return out.getvalue()
