"""Empty input-file templates, made from the column specs so they cannot drift.

Decision: a CSV template is UTF-8 with a BOM (so Excel shows the Chinese) and
holds exactly one row, the Chinese headers in SPEC order; the column rules are
in ``templates/files/README.md`` (:func:`template_readme`), not in a comment
row that the header detection would have to skip. An XLSX template is a form
a clerk cannot fill wrongly: the Chinese header row in its first sheet (named
after the kind, e.g. 贷款台账), and a second sheet ``说明`` explaining each
column in Chinese (the form is a Chinese document, like the statements,
whatever language zkd speaks): header, key, required, rule, example. Its code
and text columns are formatted as text (``@``), so that a credit code or loan
number typed in stays as typed instead of becoming ``9.14101E+17``, and its
date columns as dates; both on the column and on the first
:data:`FORMATTED_ROWS` data rows' cells, as some spreadsheet programs heed
only the cells. Columns with a fixed set of values (贷款类型, 事件类型,
补助类型, the 是/否 columns) get a drop-down list (data validation) over the
same rows that refuses anything else.

Invariant: a template filled in with valid values is read back by
:func:`zhengkedai.imports.parse.read_file` as a file of its kind.
"""

from __future__ import annotations

import io
from pathlib import Path

from ..i18n import _
from ..outputs import write_atomic
from ..render.csvfile import csv_bytes
from .columns import Choice, Code, CreditCode, Date, Optional, Text, YesNo
from .schema import FIELDS, FILE_KIND_ZH, FieldSpec, FileKind

INSTRUCTIONS_SHEET = "说明"
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
FORMATTED_ROWS = 1000
YES_NO_ZH = ("是", "否")

# The 说明 sheet, per column key: the rule in a clerk's words, and an example.
# (Rules the reader enforces are the parsers' and schema's; a test checks that
# every column of every kind has its line here.)
RULES_ZH: dict[str, tuple[str, str]] = {
    "loan_no": ("贷款编号，同一机构内不得重复", "ZZB-2025-001"),
    "enterprise_name": ("借款企业全称，不得为空", "郑州某某科技有限公司"),
    "credit_code": ("18位统一社会信用代码，校验位须正确；请保持文本格式，"
                    "勿让表格软件转为数字", "914101……（共18位）"),
    "district": ("企业所属区县，可不填", "金水区"),
    "revenue_prev_year": ("上年度营业收入，单位元，不小于0", "30,000,000.00"),
    "high_tech": ("是否高新技术企业：从下拉列表选“是”或“否”", "是"),
    "profitable_two_years": ("是否连续两年盈利：从下拉列表选“是”或“否”", "否"),
    "research_cooperation": ("是否有产学研合作：从下拉列表选“是”或“否”；不填视为“否”", "否"),
    "loan_type": ("从下拉列表选择：信用、知识产权质押、抵押、担保、保证保险", "信用"),
    "collateral_value": ("抵质押物评估值，单位元，不小于0；不填视为0", "2,000,000.00"),
    "principal": ("贷款金额，单位元，大于0；表头写成“贷款金额(万元)”则按万元填写",
                  "1,500,000.00"),
    "annual_rate": ("年利率，按百分数填写，可带或不带%", "3.85"),
    "disbursed_on": ("放款日期，不得晚于报送当日", "2025-06-01"),
    "maturity_on": ("到期日期，须晚于放款日期", "2026-06-01"),
    "guarantor_code": ("担保机构在本系统登记的机构代码；无担保的不填", "ZZDB"),
    "guarantee_fee": ("担保费，单位元，不小于0；不填视为0", "18,000.00"),
    "event": ("从下拉列表选择：还款、逾期、损失确认、追偿回收", "还款"),
    "occurred_on": ("发生日期：不早于放款日，不在已结账月份，不晚于报送当日", "2025-07-15"),
    "amount": ("金额，单位元，大于0；逾期填写当日逾期本金余额，0表示逾期已结清", "500,000.00"),
    "note": ("备注，可不填", "提前还款"),
    "kind": ("从下拉列表选择：担保费补助、融资补助、投资风险补助", "融资补助"),
    "beneficiary": ("受益方：担保费补助、融资补助填企业统一社会信用代码（郑州市注册）；"
                    "投资风险补助填投资机构代码", "914101……（共18位）"),
    "basis": ("计算基数，单位元，大于0：担保费补助填已付担保费，融资补助填已付利息或"
              "获得的投资额，投资风险补助填实际投资损失", "115,500.00"),
    "investee": ("被投企业统一社会信用代码，仅投资风险补助填写", ""),
    "period": ("所属年度，四位年份", "2025"),
    "reference": ("凭证号，同一受益方同一补助类型内不得重复", "RZ-2025-001"),
    "filed_on": ("申请日期，不得晚于报送当日；不填则为报送当日", "2025-03-20"),
}
# loans and events both have 贷款编号; the events file means a loan already filed
EVENT_LOAN_NO_ZH = ("本机构已报送的贷款编号", "ZZB-2025-001")

GENERAL_NOTES_ZH = (
    "填写须知",
    "1. 第一行为表头，请勿修改、删除或调换；从第二行起每行一条记录。",
    "2. 金额单位为元，可写 1234.5、1,234.50 或 ¥1,234.50，最多两位小数，不要写“元”等文字。",
    "3. 日期填写 2025-06-01、2025/6/1 或 2025年6月1日，或使用日期格式的单元格。",
    "4. 带下拉列表的列请从列表中选择，其他内容会被拒绝。",
    "5. 编号、代码列已设为文本格式，请勿改为数字格式，以免长数字被改写。",
    "6. 一个文件整体导入：任何一行有错误，整个文件都不会写入，系统会一次列出全部错误。",
)


def _number_format(spec: FieldSpec) -> str | None:
    """The cell format a column's values are typed into; None leaves Excel's General."""
    inner = spec.column.inner if isinstance(spec.column, Optional) else spec.column
    if isinstance(inner, Code | CreditCode | Text):
        return TEXT_FORMAT
    if isinstance(inner, Date):
        return DATE_FORMAT
    return None


def choices_zh(spec: FieldSpec) -> tuple[str, ...] | None:
    """The values a column's drop-down offers (its Chinese names), or None for a free column."""
    inner = spec.column.inner if isinstance(spec.column, Optional) else spec.column
    if isinstance(inner, Choice):
        return tuple(inner.names_zh[m] for m in inner.enum)
    if isinstance(inner, YesNo):
        return YES_NO_ZH
    return None


def rule_zh(kind: FileKind, spec: FieldSpec) -> tuple[str, str]:
    """A column's rule in Chinese and an example value, as the 说明 sheet shows them."""
    if kind is FileKind.EVENTS and spec.key == "loan_no":
        return EVENT_LOAN_NO_ZH
    return RULES_ZH[spec.key]


def _drop_down(ws, spec: FieldSpec, letter: str, values: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]

    dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"',
                        allow_blank=True, showDropDown=False, showErrorMessage=True,
                        showInputMessage=True, errorStyle="stop")
    dv.errorTitle = "输入有误"
    dv.error = "{zh}只能从下拉列表中选择：{values}".format(zh=spec.zh, values="、".join(values))
    dv.promptTitle = spec.zh
    dv.prompt = "请从下拉列表中选择"
    ws.add_data_validation(dv)
    dv.add(f"{letter}2:{letter}{FORMATTED_ROWS + 1}")


def template_csv(kind: FileKind | str) -> bytes:
    """The CSV template of ``kind``: its Chinese headers, UTF-8 with BOM."""
    return csv_bytes([[s.zh for s in FIELDS[FileKind(kind)]]])


def write_template(kind: FileKind | str, path: str | Path, xlsx: bool = False) -> Path:
    """Write an empty template of ``kind`` (loans, events, subsidies) to ``path``.

    The file is written through a temporary name and renamed.

    Returns:
        The path written.

    Raises:
        OutputRefused: the file cannot be written.
    """
    kind = FileKind(kind)
    path = Path(path)
    fields = FIELDS[kind]
    if not xlsx:
        write_atomic(path, template_csv(kind), what=_("the template"))
        return path

    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    wb = Workbook()
    ws = wb.active
    ws.title = FILE_KIND_ZH[kind]
    ws.append([s.zh for s in fields])
    for i, spec in enumerate(fields, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(12, 2 * len(spec.zh) + 4)
        ws[f"{letter}1"].font = Font(bold=True)
        if (number_format := _number_format(spec)) is not None:
            ws.column_dimensions[letter].number_format = number_format
            for row in range(2, FORMATTED_ROWS + 2):
                ws.cell(row, i).number_format = number_format
        if (values := choices_zh(spec)) is not None:
            _drop_down(ws, spec, letter, values)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet(INSTRUCTIONS_SHEET)
    notes.append(["列名", "英文键名", "是否必填", "填写规则", "示例"])
    for spec in fields:
        rule, example = rule_zh(kind, spec)
        notes.append([spec.zh, spec.key, "必填" if spec.required else "可不填", rule, example])
    notes.append([])
    for line in GENERAL_NOTES_ZH:
        notes.append([line])
    for letter, width in zip("ABCDE", (18, 22, 10, 80, 24), strict=True):
        notes.column_dimensions[letter].width = width
    for cell in notes[1]:
        cell.font = Font(bold=True)
    buffer = io.BytesIO()
    wb.save(buffer)
    write_atomic(path, buffer.getvalue(), what=_("the template"))
    return path


def is_blank_template(path: str | Path) -> bool:
    """Whether ``path`` holds a template zkd wrote (CSV or XLSX, of any kind) with nothing
    filled in: only such a file is replaced by ``zkd template``; a filled one is left alone."""
    heads = {tuple(s.zh for s in FIELDS[kind]) for kind in FileKind}
    path = Path(path)
    try:
        with path.open("rb") as f:
            magic = f.read(4)
        if magic != b"PK\x03\x04":
            lines = path.read_bytes().decode("utf-8-sig").splitlines()
            return (bool(lines) and tuple(lines[0].split(",")) in heads
                    and not any(line.strip(", \t") for line in lines[1:]))
        from openpyxl import load_workbook  # type: ignore[import-untyped]

        wb = load_workbook(path, read_only=True)
        try:
            if INSTRUCTIONS_SHEET not in wb.sheetnames:
                return False
            rows = wb.worksheets[0].iter_rows(values_only=True)
            first = tuple(v for v in next(rows, ()) if v is not None)
            return first in heads and not any(
                v not in (None, "") for row in rows for v in row)
        finally:
            wb.close()
    except Exception:  # unreadable, not UTF-8, not a workbook: not ours
        return False


def template_readme() -> str:
    """The Markdown description of every template's columns (templates/files/README.md)."""
    lines = [
        "# Input file templates (导入模板)",
        "",
        "Generated by `zhengkedai.imports.templates.template_readme()`; do not edit by hand.",
        "",
        "Files are CSV (UTF-8, UTF-8 with BOM or GB18030) or XLSX (first sheet, or `--sheet`).",
        "The header row may carry either the Chinese header or the English key, in any order;",
        "title rows above it are skipped. An amount header may carry a unit (元, 千元, 万元, 亿元): `贷款金额(万元)`;",
        "a rate header may say `年利率(%)`, which changes nothing (rates are always in percent).",
        "Amounts: `1234.5`, `1,234.50`, `¥1,234.50`, full-width digits; at most 2 decimals",
        "after the unit. Dates: `2025-06-01`, `2025/6/1`, `2025年6月1日` or a date cell.",
        "",
    ]
    for kind in FileKind:
        lines += [f"## {kind.value}.csv — {FILE_KIND_ZH[kind]}", "",
                  "| key | 中文列名 | required | rule |", "| --- | --- | --- | --- |"]
        for spec in FIELDS[kind]:
            required = "yes" if spec.required else "no"
            lines.append(f"| {spec.key} | {spec.zh} | {required} | {spec.description} |")
        lines.append("")
    return "\n".join(lines)


def write_template_files(folder: str | Path) -> list[Path]:
    """Write every CSV template and the README into ``folder`` (templates/files/)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [write_template(kind, folder / f"{kind.value}.csv") for kind in FileKind]
    readme = folder / "README.md"
    readme.write_text(template_readme(), encoding="utf-8")
    return [*written, readme]
