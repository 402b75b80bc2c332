"""The flowables of a statement PDF: title block, sections, footnotes and signatures.

Figures are spelled only by :mod:`zhengkedai.render.cells` so the PDF shows the
same numbers as the CSV and JSON. Text cells are Paragraphs with CJK word wrap
(Chinese has no spaces to break at); figure cells are plain strings that never
wrap, so column widths are widened until the widest figure fits (see
:func:`column_widths`) and the font steps down if a table cannot fit its frame.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from zhengkedai.domain.statement import Alignment, Field, Section, StatementColumn, StatementDoc
from zhengkedai.domain.statement import Table as DataTable

from .canvas_table import CanvasTable, text_widths
from .cells import display

_ALIGN = {"left": TA_LEFT, "right": TA_RIGHT, "center": TA_CENTER}
_PAD = 3.0  # cell padding each side (reportlab's default is 6: too wide for registers)
_FONT_STEPS = (8.0, 7.5, 7.0, 6.5, 6.0)
_TEXT_MIN = 12 * mm
_RULE = colors.Color(0.55, 0.55, 0.55)
_HEADER_BG = colors.Color(0.90, 0.90, 0.90)
_TOTAL_BG = colors.Color(0.96, 0.96, 0.96)


@dataclass(frozen=True, slots=True)
class Styles:
    """Paragraph styles in the statement font; make your own to restyle (a hook)."""

    font: str
    title: ParagraphStyle
    subtitle: ParagraphStyle
    meta: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    note: ParagraphStyle


def make_styles(font: str) -> Styles:
    """The default styles: 16 pt title, 11 pt headings, 8.5 pt prose."""

    def style(name: str, size: float, **kw: object) -> ParagraphStyle:  # float-ok: layout points, not money
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.35,
                              wordWrap="CJK", **kw)

    return Styles(
        font=font,
        title=style("title", 16, alignment=TA_CENTER, spaceAfter=2 * mm),
        subtitle=style("subtitle", 11, alignment=TA_CENTER, spaceAfter=1 * mm),
        meta=style("meta", 8.5, alignment=TA_CENTER, spaceAfter=4 * mm),
        heading=style("heading", 11, spaceBefore=4 * mm, spaceAfter=2 * mm),
        body=style("body", 8.5, spaceBefore=1 * mm),
        note=style("note", 7.5, leftIndent=4 * mm, firstLineIndent=-4 * mm),
    )


def _para(text: str, font: str, size: float, align: Alignment) -> Paragraph:  # float-ok: layout points, not money
    style = ParagraphStyle(f"cell-{align}-{size}", fontName=font, fontSize=size,
                           leading=size * 1.25, alignment=_ALIGN[align], wordWrap="CJK")
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def column_widths(table: DataTable, width: float, font: str, size: float) -> list[float] | None:  # float-ok: layout points, not money
    """Widths summing to ``width``, in the manner of an HTML table's automatic layout.

    Each column gets at least its minimum (the widest figure, date or code — what
    must not wrap), then the rest goes to columns whose content wants more, in
    proportion to ``StatementColumn.width``, up to their natural (unwrapped) width; any
    width still left is shared by ``StatementColumn.width``. Returns ``None`` when the
    minimums alone exceed ``width`` at this font size.
    """
    cols = table.columns
    lo: list[float] = []
    hi: list[float] = []
    stringWidth = text_widths(font, size)  # noqa: N806 - reportlab's, each character measured once
    for c in cols:
        texts = [display(c.kind, r.get(c.key)) for r in table.rows]
        lines = [line for t in texts for line in t.split("\n")]
        natural = max(map(stringWidth, lines), default=0.0) + 2 * _PAD + 1
        if c.kind == "text":
            tokens = [t for line in lines for t in _unbreakable(line)]
            least = max(map(stringWidth, tokens), default=0.0) + 2 * _PAD + 1
            lo.append(min(max(least, _TEXT_MIN), width * 0.35))
        else:
            lo.append(max(natural, stringWidth("0000") + 2 * _PAD))
        # a header may wrap onto two lines, not more
        half = c.label if len(c.label) <= 4 else c.label[: (len(c.label) + 1) // 2]
        lo[-1] = max(lo[-1], min(stringWidth(half) + 2 * _PAD + 1, width * 0.35))
        hi.append(max(natural, lo[-1]))
    if sum(lo) > width:
        return None
    share = [c.width or 1 for c in cols]
    widths = list(lo)
    for _ in range(len(cols)):  # hand out the rest; each pass fills at least one column
        left = width - sum(widths)
        wanting = [i for i in range(len(cols)) if widths[i] < hi[i]]
        if left <= 0.01 or not wanting:
            break
        total = sum(share[i] for i in wanting)
        for i in wanting:
            widths[i] = min(hi[i], widths[i] + left * share[i] / total)
    left = width - sum(widths)
    return [w + left * share[i] / sum(share) for i, w in enumerate(widths)]


def _unbreakable(line: str) -> list[str]:
    # Codes, numbers and short words must not be split; long Chinese text may
    # break between any two characters, but a short label (已支付) reads badly split.
    if len(line) <= 6:
        return [line]
    return re.findall(r"[\x21-\x7e\uff01-\uff5e]+", line)


# from this many rows a table is drawn on the canvas (render.canvas_table): the
# same look, a thousand rows a second and more instead of a few hundred
CANVAS_ROWS = 100


def data_table(table: DataTable, width: float, font: str) -> Flowable:  # float-ok: layout points, not money
    """A ruled table: header repeated on each page, figures right-aligned, totals ruled."""
    for size in _FONT_STEPS:
        widths = column_widths(table, width, font, size)
        if widths is not None:
            break
    else:  # pathological: too many figure columns; share evenly and let text wrap
        size, widths = _FONT_STEPS[-1], [width / len(table.columns)] * len(table.columns)
    if len(table.rows) >= CANVAS_ROWS:
        return CanvasTable(table, widths, font, size)
    header = [_para(c.label, font, size, c.align) for c in table.columns]
    body: list[list[object]] = [header]
    for row in table.rows:
        body.append([_cell(c, row.get(c.key), font, size) for c in table.columns])
    cmds: list[tuple[object, ...]] = [
        ("FONT", (0, 0), (-1, -1), font, size),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, _RULE),
        ("BACKGROUND", (0, 0), (-1, 0), _HEADER_BG),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
        ("TOPPADDING", (0, 1), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 2),
    ]
    for i, c in enumerate(table.columns):
        cmds.append(("ALIGN", (i, 1), (i, -1), c.align.upper()))
    for n, row in enumerate(table.rows, start=1):
        if row.total:
            cmds += _total_rule(n)
    return Table(body, colWidths=widths, repeatRows=1, hAlign="LEFT", style=TableStyle(cmds))


def _total_rule(row: int) -> list[tuple[object, ...]]:
    # A rule above and a double rule below: the accountant's mark of a total.
    return [
        ("BACKGROUND", (0, row), (-1, row), _TOTAL_BG),
        ("LINEABOVE", (0, row), (-1, row), 0.9, colors.black),
        ("LINEBELOW", (0, row), (-1, row), 0.6, colors.black, None, None, None, 2, 1.2),
    ]


def _cell(column: StatementColumn, value: object, font: str, size: float) -> object:  # float-ok: layout points, not money
    text = display(column.kind, value)  # type: ignore[arg-type]
    return _para(text, font, size, column.align) if column.kind == "text" else text


def fields_table(fields: tuple[Field, ...], width: float, font: str) -> Table:  # float-ok: layout points, not money
    """A two-column key/value block, labels left, figures right; subtotal lines ruled."""
    size = _FONT_STEPS[0] + 0.5
    label_w = min(width * 0.4, 62 * mm)
    # wide enough for the longest value (a hash, a status sentence) up to the frame
    longest = max((stringWidth(display(f.kind, f.value), font, size) for f in fields), default=0.0)
    value_w = min(width - label_w, max(70 * mm, longest + 2 * _PAD + 1))
    body = [[_para(f.label, font, size, "left"), _para(display(f.kind, f.value), font, size, f.align)]
            for f in fields]
    cmds: list[tuple[object, ...]] = [
        ("FONT", (0, 0), (-1, -1), font, size),  # else reportlab selects Helvetica
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, _RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for n, f in enumerate(fields):
        if f.total:
            cmds += _total_rule(n)
    return Table(body, colWidths=[label_w, value_w], hAlign="LEFT", style=TableStyle(cmds))


def title_block(doc: StatementDoc, styles: Styles) -> list[Flowable]:
    """Title, optional subtitle, and the period / state line."""
    year, month = doc.period.split("-")
    state = "草稿（本月尚未结账，数字可能变动）" if doc.draft else "已结账"
    out: list[Flowable] = [Paragraph(escape(doc.title), styles.title)]
    if doc.subtitle:
        out.append(Paragraph(escape(doc.subtitle), styles.subtitle))
    out.append(Paragraph(f"统计期间：{year}年{int(month)}月　　状态：{state}　　单位：元", styles.meta))
    return out


def section_flowables(section: Section, width: float, styles: Styles) -> list[Flowable]:  # float-ok: layout points, not money
    """Heading, body and paragraphs of one section; the heading stays with its body."""
    heading = Paragraph(escape(section.heading), styles.heading)
    out: list[Flowable] = []
    if section.table is not None:
        out.append(data_table(section.table, width, styles.font))
        if not section.table.rows:  # say so, rather than leave a bare header to be wondered at
            out.append(Paragraph("（本期无记录）", styles.body))
    elif section.fields:
        out.append(fields_table(section.fields, width, styles.font))
    out += [Paragraph(escape(p).replace("\n", "<br/>"), styles.body) for p in section.paragraphs]
    if section.fields:  # a small block: keep it whole with its heading
        return [KeepTogether([heading, out[0]]), *out[1:]]
    # a table may run for pages: only make sure its heading is not orphaned
    return [CondPageBreak(30 * mm), heading, *out]


def closing_flowables(doc: StatementDoc, width: float, styles: Styles) -> list[Flowable]:  # float-ok: layout points, not money
    """Footnotes (注) then the signature line 编制 / 复核 / 审核, kept on one page."""
    notes: list[Flowable] = [Spacer(1, 4 * mm), Paragraph("注：", styles.body)]
    notes += [Paragraph(f"{i}. {escape(n)}", styles.note) for i, n in enumerate(doc.footnotes, 1)]
    sign_style = ParagraphStyle("sign", parent=styles.body, fontSize=10, leading=14)
    # a line that names its person (编制：王芳) is printed as it is; the others get a blank
    cells = [Paragraph(escape(role) if "：" in role else f"{escape(role)}：＿＿＿＿＿＿＿＿",
                       sign_style) for role in doc.signatures]
    cells.append(Paragraph("日期：＿＿＿＿＿＿", sign_style))
    signs = Table([cells], colWidths=[width / len(cells)] * len(cells), hAlign="LEFT",
                  style=TableStyle([("FONT", (0, 0), (-1, -1), styles.font, 10)]))
    return [KeepTogether([*notes, Spacer(1, 8 * mm), signs])]
