"""PDF statements, read back with pypdf as an auditor's viewer would read them.

Each of the five kinds is rendered from a ~60-row sample (several pages), final
and draft. We check the text on every page, that every figure of the JSON is
printed in the PDF, that the Chinese font is embedded, and that the bytes do
not change between renders.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from functools import cache
from pathlib import Path

import pypdf
import pytest

from zhengkedai.domain.money import ROUNDING_RULE_ZH, format_grouped, parse_yuan
from zhengkedai.domain.statement import STATEMENT_KINDS, StatementDoc, StatementKind
from zhengkedai.render import fonts
from zhengkedai.render.pdf import StatementPdfRenderer, render_pdf
from zhengkedai.render.samples import sample_doc
from zhengkedai.render.tabular import render_json

PROGRAMME = "郑科贷 科技贷款风险补偿资金"


@cache
def rendered(kind: StatementKind, draft: bool) -> bytes:
    return render_pdf(sample_doc(kind, draft=draft))


@cache
def pages(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize("kind", STATEMENT_KINDS)
def test_every_page_names_programme_period_page_and_time(kind: StatementKind) -> None:
    texts = pages(rendered(kind, False))
    assert len(texts) >= 2, "the samples are long enough to need several pages"
    for n, text in enumerate(texts, start=1):
        assert PROGRAMME in text
        assert "2025-06" in text
        assert f"第 {n} 页 / 共 {len(texts)} 页" in text
        assert "生成时间 2025-07-01 09:30:00 +08:00" in text


@pytest.mark.parametrize("kind", STATEMENT_KINDS)
def test_a_draft_says_so_on_every_page_and_a_final_nowhere(kind: StatementKind) -> None:
    assert all("草稿" in t for t in pages(rendered(kind, True)))
    assert not any("草稿" in t for t in pages(rendered(kind, False)))


@pytest.mark.parametrize("kind", STATEMENT_KINDS)
def test_every_json_amount_is_printed_in_the_pdf(kind: StatementKind) -> None:
    doc = sample_doc(kind)
    text = "\n".join(pages(rendered(kind, False)))
    printed = set(re.findall(r"-?\d{1,3}(?:,\d{3})*\.\d{2}(?!\d)", text))
    data = json.loads(render_json(doc))
    amounts = []
    for section in data["sections"]:
        keys = [c["key"] for c in section.get("columns", []) if c["kind"] == "amount"]
        for row in section.get("rows", []) + section.get("totals", []) + [section.get("values", {})]:
            amounts += [row[k] for k in keys if row.get(k) is not None]
    assert amounts
    missing = [a for a in amounts if format_grouped(parse_yuan(a)) not in printed]
    assert not missing


def test_the_reserve_shows_a_grouped_million() -> None:
    assert "1,234,567.89" in pages(rendered("reserve", False))[0]


@pytest.mark.parametrize("kind", STATEMENT_KINDS)
def test_the_last_page_carries_footnotes_and_signatures(kind: StatementKind) -> None:
    last = pages(rendered(kind, False))[-1]
    assert ROUNDING_RULE_ZH in last.replace("\n", "")
    for role in ("编制", "复核", "审核"):
        assert role + "：" in last


@pytest.mark.parametrize("kind", STATEMENT_KINDS)
def test_the_same_doc_renders_to_the_same_bytes(kind: StatementKind) -> None:
    first = rendered(kind, True)
    render_pdf(sample_doc("claims"))  # other work in between changes nothing
    assert render_pdf(sample_doc(kind, draft=True)) == first


def test_no_clock_time_or_random_id_in_the_file() -> None:
    reader = pypdf.PdfReader(io.BytesIO(rendered("reserve", False)))
    meta = reader.metadata
    assert meta is not None
    assert meta["/CreationDate"] == meta["/ModDate"] == "D:20250701093000+08'00'"
    later = sample_doc("reserve")
    moved = StatementDoc(**{**{f: getattr(later, f) for f in later.__slots__},  # type: ignore[arg-type]
                            "generated_at": dt.datetime(2025, 7, 2, 8, 0)})
    assert render_pdf(moved) != rendered("reserve", False)  # the time is the only input


def test_the_chinese_font_is_embedded_and_is_wenquanyi() -> None:
    reader = pypdf.PdfReader(io.BytesIO(rendered("claims", True)))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert "WenQuanYiMicroHei" in font["/BaseFont"]
            assert "STSong" not in font["/BaseFont"]
            assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_registers_are_landscape_and_a_section_can_switch_orientation() -> None:
    def shape(pdf: bytes) -> list[str]:
        return ["L" if p.mediabox.width > p.mediabox.height else "P"
                for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]

    assert set(shape(rendered("claims", False))) == {"L"}
    assert set(shape(rendered("trial_balance", False))) == {"L"}
    assert set(shape(rendered("reserve", False))) == {"L"}
    assert set(shape(rendered("institution", False))) == {"P"}
    # a statement whose own pages are portrait switches to landscape where a section asks
    switched = render_pdf(StatementDoc(**{**{f: getattr(sample_doc("institution"), f)  # type: ignore[arg-type]
                                             for f in StatementDoc.__slots__},
                                          "sections": sample_doc("trial_balance").sections}))
    assert "".join(shape(switched)).count("PL") == 1 and shape(switched)[-1] == "L"


def test_long_tables_repeat_their_header_on_each_page() -> None:
    texts = pages(rendered("institution", False))
    with_loans = [t for t in texts if "ZZB-2025-" in t]
    assert len(with_loans) >= 2
    assert all("贷款编号" in t and "在贷本金" in t for t in with_loans)


def test_several_docs_share_one_file_numbered_throughout() -> None:
    docs = [sample_doc("institution"), sample_doc("claims", draft=True)]
    texts = pages(render_pdf(docs))
    n_first = len(pages(rendered("institution", False)))
    assert len(texts) == n_first + len(pages(rendered("claims", True)))
    assert all(f"共 {len(texts)} 页" in t for t in texts)
    assert not any("草稿" in t for t in texts[:n_first])
    assert all("草稿" in t for t in texts[n_first:])
    assert "补偿明细表" in texts[n_first]


def test_without_the_truetype_font_it_warns_and_falls_back_to_stsong(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="will not embed"):
        choice = fonts.cjk_font(tmp_path / "missing.ttc")
    assert (choice.name, choice.embedded) == ("STSong-Light", False)

    class Fallback(StatementPdfRenderer):
        def font(self) -> str:
            return choice.name

    reader = pypdf.PdfReader(io.BytesIO(Fallback().render(sample_doc("reserve"))))
    font = next(iter(reader.pages[0]["/Resources"]["/Font"].values())).get_object()
    assert "STSong-Light" in font["/BaseFont"]
    assert fonts.cjk_font().embedded  # the default is untouched


def test_an_empty_register_and_markup_characters_render_plainly() -> None:
    from zhengkedai.render.layouts import doc_from_layout, load_layout, section_from_layout

    layout = load_layout("claims")
    doc = doc_from_layout(
        layout, period="2025-02", generated_at=dt.datetime(2025, 3, 1), draft=False,
        subtitle="A&B <银行>",
        sections=[section_from_layout(layout.section("register"), rows=[],
                                      paragraphs=["备注 <b>不是标记</b> & 1 < 2"])],
    )
    texts = pages(render_pdf(doc))
    assert len(texts) == 1
    assert "（本期无记录）" in texts[0]
    assert "<b>不是标记</b> & 1 < 2" in texts[0]
    assert "A&B <银行>" in texts[0]
    assert "共 1 页" in texts[0]


@pytest.mark.parametrize("kind", STATEMENT_KINDS)
def test_tables_fill_the_frame_and_every_figure_fits_its_column(kind: StatementKind) -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from zhengkedai.render.cells import display
    from zhengkedai.render.pdf import _frame_width
    from zhengkedai.render.pdf_story import column_widths

    doc = sample_doc(kind)
    font = fonts.cjk_font().name
    for section in doc.sections:
        if section.table is None:
            continue
        frame = _frame_width(section.orientation or doc.orientation)
        widths = column_widths(section.table, frame, font, 8)
        assert widths is not None
        assert abs(sum(widths) - frame) < 0.01
        for column, width in zip(section.table.columns, widths, strict=True):
            if column.kind != "text":
                for row in section.table.rows:
                    assert stringWidth(display(column.kind, row.get(column.key)), font, 8) + 6 <= width


def test_the_trial_balance_prints_every_account_code_and_name_on_one_line() -> None:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from zhengkedai.domain.accounts import parse_account
    from zhengkedai.render.layouts import doc_from_layout, load_layout, section_from_layout
    from zhengkedai.render.pdf import _frame_width
    from zhengkedai.render.pdf_story import _FONT_STEPS, _PAD, column_widths

    # the demo's December accounts, with its largest figures in every amount column
    codes = ["budget:cash", "budget:contribution:city", "budget:subsidy_expense:investment_risk",
             "reserve:compensation_payable:ZYB", "reserve:contribution:district:金水区",
             "reserve:fee_expense:interest", "reserve:recovery_receivable:ZZB"]
    amounts = ("opening_debit", "opening_credit", "debit", "credit", "closing_debit",
               "closing_credit")
    layout = load_layout("trial_balance")
    doc = doc_from_layout(layout, period="2025-12", generated_at=dt.datetime(2026, 1, 1), draft=False,
                          sections=[section_from_layout(layout.section("balances"), rows=[
                              {"account_code": c, "account_name": parse_account(c).name.split("/", 1)[1],
                               **dict.fromkeys(amounts, 6_637_385_000)} for c in codes])])
    section = doc.section("balances")
    assert section.table is not None
    font = fonts.cjk_font().name
    frame = _frame_width(section.orientation or doc.orientation)
    for size in _FONT_STEPS:  # as data_table picks its font size
        widths = column_widths(section.table, frame, font, size)
        if widths is not None:
            break
    assert widths is not None
    keys = [c.key for c in section.table.columns]
    for key in ("account_code", "account_name"):
        for row in section.table.rows:
            text = str(row.get(key))
            assert stringWidth(text, font, size) + 2 * _PAD <= widths[keys.index(key)], (key, text)
