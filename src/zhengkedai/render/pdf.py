"""PDF statements: a :class:`~zhengkedai.domain.statement.StatementDoc` to bytes.

Shaped after pretix's invoice renderer: the document is built into ``BytesIO``
with reportlab platypus, and the pieces are small overridable hooks —
:meth:`StatementPdfRenderer.font`, ``styles``, ``page_templates``, ``story`` —
with a numbered canvas that writes "第 n 页 / 共 m 页" once the page count is known.

Invariants:

- A4 (portrait, or landscape for registers; a section may switch orientation);
- every page carries the programme name, the period, the statement title, the
  generation time and 第 n 页 / 共 m 页, numbered over the whole file when
  several statements share one PDF;
- a draft (open month) shows 草稿 in the header and as a light diagonal watermark;
- the Chinese font is embedded (see :mod:`zhengkedai.render.fonts`);
- the same docs give the same bytes: reportlab runs in invariant mode (fixed
  document ID and no wall-clock time) and the PDF's creation date is the doc's
  ``generated_at``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import partial
from io import BytesIO
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, NextPageTemplate, PageBreak
from reportlab.platypus import PageTemplate as RLPageTemplate

from zhengkedai.domain.statement import Orientation, StatementDoc

from .cells import display_timestamp
from .fonts import cjk_font
from .pdf_story import Styles, closing_flowables, make_styles, section_flowables, title_block

MARGIN_X = 15 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 18 * mm
_HEADER_GREY = colors.Color(0.35, 0.35, 0.35)
_WATERMARK_GREY = colors.Color(0.86, 0.86, 0.86)
_DRAFT_RED = colors.Color(0.75, 0.1, 0.1)


class NumberedCanvas(Canvas):
    """Holds every page until the end, then stamps 第 n 页 / 共 m 页 on each."""

    def __init__(self, *args: Any, font: str, creation: dt.datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._font = font
        self._pages: list[dict[str, Any]] = []
        self.setDateFormatter(partial(_pdf_date, creation))

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            width = self._pagesize[0]
            self.setFont(self._font, 7.5)
            self.setFillColor(_HEADER_GREY)
            self.drawRightString(width - MARGIN_X, 9 * mm, f"第 {number} 页 / 共 {total} 页")
            super().showPage()
        super().save()


def _pdf_date(moment: dt.datetime, *_: int) -> str:
    # The PDF's CreationDate/ModDate: the statement's own time, never the clock.
    offset = moment.strftime("%z")
    zone = f"{offset[:3]}'{offset[3:]}'" if offset else ""
    return moment.strftime("D:%Y%m%d%H%M%S") + zone


class StatementPdfRenderer:
    """Renders statements to PDF bytes; subclass and override a hook to change one part."""

    def font(self) -> str:
        """The registered name of the (embedded) Chinese font."""
        return cjk_font().name

    def styles(self, font: str) -> Styles:
        """Paragraph styles; override to change sizes or spacing."""
        return make_styles(font)

    def page_templates(self, doc: StatementDoc, index: int, font: str) -> list[RLPageTemplate]:
        """One template per orientation for ``doc``, ids ``"{index}-portrait"`` / ``-landscape``."""
        out = []
        for orientation in ("portrait", "landscape"):
            size = _pagesize(orientation)
            frame = Frame(MARGIN_X, MARGIN_BOTTOM, size[0] - 2 * MARGIN_X,
                          size[1] - MARGIN_TOP - MARGIN_BOTTOM, id="body",
                          leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
            out.append(RLPageTemplate(id=f"{index}-{orientation}", frames=[frame], pagesize=size,
                                      onPage=partial(self.decorate_page, doc, font)))
        return out

    def decorate_page(self, doc: StatementDoc, font: str, canvas: Canvas, _: Any) -> None:
        """Header, footer (less the page number) and, for a draft, the watermark."""
        width, height = canvas._pagesize
        canvas.saveState()
        if doc.draft:
            canvas.setFillColor(_WATERMARK_GREY)
            canvas.setFont(font, 110)
            canvas.translate(width / 2, height / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, -40, "草稿")
            canvas.rotate(-35)
            canvas.translate(-width / 2, -height / 2)
        top = height - 12 * mm
        canvas.setFillColor(_HEADER_GREY)
        canvas.setFont(font, 8)
        # the issuing body before the programme, when the statement names one
        left = f"{doc.issuer}　{doc.programme}" if doc.issuer else doc.programme
        canvas.drawString(MARGIN_X, top, left)
        right = f"期间 {doc.period}"
        # the centre must clear both sides (and 草稿): shrink, then cut, a long institution name
        side = max(canvas.stringWidth(left, font, 8), canvas.stringWidth(right, font, 8) + 12 * mm)
        room = width - 2 * (MARGIN_X + side + 4 * mm)
        centre = doc.title + (f" · {doc.subtitle}" if doc.subtitle else "")
        size = 8.0
        while size > 6 and canvas.stringWidth(centre, font, size) > room:
            size -= 0.5
        while len(centre) > 1 and canvas.stringWidth(centre, font, size) > room:
            centre = centre[:-2] + "…"
        canvas.setFont(font, size)
        canvas.drawCentredString(width / 2, top, centre)
        canvas.setFont(font, 8)
        canvas.drawRightString(width - MARGIN_X, top, right)
        if doc.draft:
            canvas.setFillColor(_DRAFT_RED)
            canvas.setFont(font, 10)
            canvas.drawRightString(width - MARGIN_X - canvas.stringWidth(right, font, 8) - 3 * mm,
                                   top, "草稿")
        canvas.setStrokeColor(_HEADER_GREY)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, top - 2 * mm, width - MARGIN_X, top - 2 * mm)
        canvas.line(MARGIN_X, 13 * mm, width - MARGIN_X, 13 * mm)
        canvas.setFillColor(_HEADER_GREY)
        canvas.setFont(font, 7.5)
        canvas.drawString(MARGIN_X, 9 * mm, f"生成时间 {display_timestamp(doc.generated_at)}")
        canvas.restoreState()

    def story(self, doc: StatementDoc, index: int, styles: Styles) -> list[Flowable]:
        """Title block, sections (switching page orientation where a section asks), closing."""
        current: Orientation = doc.orientation
        out: list[Flowable] = title_block(doc, styles)
        for section in doc.sections:
            wanted = section.orientation or doc.orientation
            if wanted != current:
                out += [NextPageTemplate(f"{index}-{wanted}"), PageBreak()]
                current = wanted
            out += section_flowables(section, _frame_width(current), styles)
        out += closing_flowables(doc, _frame_width(current), styles)
        return out

    def render(self, docs: StatementDoc | Sequence[StatementDoc]) -> bytes:
        """The PDF of one statement, or of several in order with pages numbered over the file."""
        batch = [docs] if isinstance(docs, StatementDoc) else list(docs)
        if not batch:
            raise ValueError("nothing to render")
        font = self.font()
        styles = self.styles(font)
        first = batch[0]
        templates: list[RLPageTemplate] = []
        story: list[Flowable] = []
        for index, doc in enumerate(batch):
            pair = self.page_templates(doc, index, font)
            # the document starts on the first template: the first doc's own orientation
            templates += pair if doc.orientation == "portrait" or index else pair[::-1]
            if index:
                story += [NextPageTemplate(f"{index}-{doc.orientation}"), PageBreak()]
            story += self.story(doc, index, styles)
        buffer = BytesIO()
        template = BaseDocTemplate(
            buffer, pagesize=_pagesize(first.orientation), pageTemplates=templates,
            leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM, invariant=1, lang="zh-CN",
            # else every page names Helvetica, a font the file does not embed
            initialFontName=font, initialFontSize=8,
            title=f"{first.title} {first.period}" + (f" {first.subtitle}" if first.subtitle else ""),
            author=first.programme, subject=first.kind, creator="zhengkedai",
            keywords=[first.period, first.kind] + (["草稿"] if first.draft else []),
        )
        maker: Callable[..., Canvas] = partial(NumberedCanvas, font=font, creation=first.generated_at)
        # streams deflated only, not also spelt in ASCII85 (reportlab's default,
        # for 7-bit channels a PDF no longer passes through): a fifth of the
        # time of a long register, and an eighth of its size
        a85, rl_config.useA85 = rl_config.useA85, 0
        try:
            template.build(story, canvasmaker=maker)
        finally:
            rl_config.useA85 = a85
        return buffer.getvalue()


def _pagesize(orientation: Orientation | str) -> tuple[float, float]:
    return landscape(A4) if orientation == "landscape" else A4


def _frame_width(orientation: Orientation) -> float:  # float-ok: layout points, not money
    return _pagesize(orientation)[0] - 2 * MARGIN_X


def render_pdf(docs: StatementDoc | Sequence[StatementDoc]) -> bytes:
    """Render one statement (or several, into one file) to PDF bytes with the default hooks."""
    return StatementPdfRenderer().render(docs)
