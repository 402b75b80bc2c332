"""Large tables are drawn on the canvas (render.canvas_table): read back as a viewer reads them."""

from __future__ import annotations

import dataclasses
import io
from functools import cache

import pypdf

from zhengkedai.domain.statement import StatementDoc
from zhengkedai.render.cells import display
from zhengkedai.render.pdf import render_pdf
from zhengkedai.render.pdf_story import CANVAS_ROWS
from zhengkedai.render.samples import sample_doc

ROWS = 250


@cache
def register() -> StatementDoc:
    """The sample claims statement with a register of ROWS claims, each numbered apart."""
    doc = sample_doc("claims")
    sections = []
    for section in doc.sections:
        if section.table is not None:
            body = [r for r in section.table.rows if not r.total]
            totals = [r for r in section.table.rows if r.total]
            many = [dataclasses.replace(body[n % len(body)], values={
                **body[n % len(body)].values, "claim_id": f"C2025{n + 1:05d}"}) for n in range(ROWS)]
            section = dataclasses.replace(
                section, table=dataclasses.replace(section.table, rows=tuple(many + totals)))
        sections.append(section)
    return dataclasses.replace(doc, sections=tuple(sections))


@cache
def pages() -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(render_pdf(register()))).pages]


def test_the_register_is_large_enough_to_be_drawn_on_the_canvas() -> None:
    assert ROWS >= CANVAS_ROWS


def test_every_claim_and_every_figure_of_a_large_register_is_printed() -> None:
    text = "".join(pages()).replace("\n", "")
    table = register().section("register").table
    assert table is not None
    for row in table.rows:
        if not row.total:
            assert row.get("claim_id") in text
        for key in ("loss", "compensation"):
            assert display("amount", row.get(key)) in text


def test_a_large_register_repeats_its_header_and_numbers_every_page() -> None:
    texts = pages()
    # the register's pages: those before the appendix of full traces, which names claims too
    appendix = next(i for i, t in enumerate(texts) if "附录" in t)
    with_rows = [t for t in texts[:appendix] if "C2025" in t]
    assert len(with_rows) >= 10
    table = register().section("register").table
    assert table is not None
    first, last = table.columns[0].label, table.columns[-1].label
    assert all(first in t and last[:2] in t for t in with_rows)
    assert all(f"第 {n} 页 / 共 {len(texts)} 页" in t for n, t in enumerate(texts, start=1))


def test_a_large_register_renders_to_the_same_bytes_twice() -> None:
    assert render_pdf(register()) == render_pdf(register())


def test_a_large_register_embeds_its_chinese_font_on_every_page() -> None:
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(register())))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert "WenQuanYiMicroHei" in font["/BaseFont"]
            assert "/FontFile2" in font["/FontDescriptor"].get_object()
