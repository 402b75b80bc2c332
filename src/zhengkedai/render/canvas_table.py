"""Large statement tables drawn straight on the canvas: a thousand rows a second and more.

reportlab's ``Table`` with a ``Paragraph`` in every text cell lays out and
draws about 85-430 rows a second (a claims register of 10,000 claims took
minutes). :class:`CanvasTable` looks the same — ruled grid, grey header
repeated on every page, figures right-aligned and never wrapped, text cells
wrapped between any two Chinese characters (ASCII words kept whole when they
fit), totals shaded with a rule above and a double rule below — but measures
each row once, with cached glyph widths, and draws each page's text in one
text object.

It is a platypus :class:`~reportlab.platypus.Flowable` that splits itself at
page ends, so the document's page templates, headers, 第 n 页 / 共 m 页 and
orientation switches work as for any flowable; the fonts are the statement's
own (embedded); the same table gives the same bytes.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from typing import Any

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from zhengkedai.domain.statement import Table as DataTable

from .cells import display

_PAD = 3.0  # as pdf_story._PAD: left and right padding
_ROW_PAD = 2.0  # top and bottom padding of a body row
_HEAD_PAD = 3.0  # top and bottom padding of the header
_RULE = colors.Color(0.55, 0.55, 0.55)
_HEADER_BG = colors.Color(0.90, 0.90, 0.90)
_TOTAL_BG = colors.Color(0.96, 0.96, 0.96)
# what a line may not break inside: runs of printable ASCII (codes, figures, words)
_WORD = re.compile(r"[\x21-\x7e]+|.", re.S)


class _Units(dict[str, float]):
    """A font's advance width of each character, in thousandths of the size, measured once."""

    def __init__(self, font: str) -> None:
        super().__init__()
        self.font = font

    def __missing__(self, char: str) -> float:  # float-ok: layout points, not money
        units = self[char] = stringWidth(char, self.font, 1000)
        return units


_UNITS: dict[str, _Units] = {}


class _Widths:
    """Text widths in one font and size: the sum of the characters' widths, as
    reportlab's ``stringWidth`` adds them (no kerning), each character looked
    up once per font rather than through reportlab's pure-Python loop."""

    def __init__(self, font: str, size: float) -> None:  # float-ok: layout points, not money
        self.size = size
        self.units = _UNITS.setdefault(font, _Units(font))

    def __call__(self, text: str) -> float:  # float-ok: layout points, not money
        return sum(map(self.units.__getitem__, text)) * self.size * 0.001


def wrap_line(text: str, room: float, width: _Widths) -> list[str]:  # float-ok: layout points, not money
    """``text`` broken into lines no wider than ``room``.

    Chinese may break between any two characters; an ASCII run (a code, a
    number, a word) moves whole to the next line, and is cut only when it is
    wider than a line by itself.
    """
    if width(text) <= room:
        return [text]
    lines: list[str] = []
    line, used = "", 0.0
    for piece in _WORD.findall(text):
        w = width(piece)
        if used + w <= room or not line and w <= room:
            line, used = line + piece, used + w
            continue
        if w <= room:  # the piece starts the next line
            lines.append(line)
            line, used = piece.lstrip(" "), width(piece.lstrip(" "))
            continue
        for ch in piece:  # wider than a line: cut it where it must be cut
            cw = width(ch)
            if used + cw > room and line:
                lines.append(line)
                line, used = "", 0.0
            line, used = line + ch, used + cw
    if line or not lines:
        lines.append(line)
    return lines


class _Prepared:
    """The whole table measured once: each row's lines per cell and its height."""

    def __init__(self, table: DataTable, widths: list[float], font: str,  # float-ok: layout points, not money
                 size: float) -> None:  # float-ok: layout points, not money
        self.font, self.size = font, size
        self.leading = size * 1.25
        self.widths = widths
        self.edges = [0.0, *accumulate(widths)]
        self.aligns = [c.align for c in table.columns]
        measure = self.measure = _Widths(font, size)
        self.header = [wrap_line(c.label, w - 2 * _PAD, measure)
                       for c, w in zip(table.columns, widths, strict=True)]
        self.header_height = max(len(lines) for lines in self.header) * self.leading + 2 * _HEAD_PAD
        self.cells: list[list[list[str]]] = []
        heights: list[float] = []  # float-ok: layout points, not money
        self.totals: list[bool] = []
        rooms = [w - 2 * _PAD for w in widths]
        kinds = [(c.key, c.kind) for c in table.columns]
        for row in table.rows:
            cells = []
            for (key, kind), room in zip(kinds, rooms, strict=True):
                text = display(kind, row.get(key))  # type: ignore[arg-type]
                if kind == "text":
                    cells.append([part for line in text.split("\n")
                                  for part in wrap_line(line, room, measure)])
                else:
                    cells.append(text.split("\n"))
            self.cells.append(cells)
            heights.append(max(len(lines) for lines in cells) * self.leading + 2 * _ROW_PAD)
            self.totals.append(row.total)
        self.tops = [0.0, *accumulate(heights)]  # self.tops[i]: body height above row i


class CanvasTable(Flowable):
    """Rows ``start`` to ``end`` of a prepared table, with its header; splits at page ends."""

    def __init__(self, table: DataTable | None, widths: list[float], font: str,  # float-ok: layout points, not money
                 size: float, *, prepared: _Prepared | None = None,  # float-ok: layout points, not money
                 start: int = 0, end: int | None = None) -> None:
        super().__init__()
        if prepared is None:
            assert table is not None
            prepared = _Prepared(table, widths, font, size)
        self.p = prepared
        self.start = start
        self.end = len(prepared.cells) if end is None else end
        self.hAlign = "LEFT"

    def _height(self, start: int, end: int) -> float:  # float-ok: layout points, not money
        return self.p.header_height + self.p.tops[end] - self.p.tops[start]

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803  # float-ok: layout points, not money
        self.width = self.p.edges[-1]
        self.height = self._height(self.start, self.end)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803  # float-ok: layout points, not money
        # the last row whose bottom fits under the header in the room left
        room = availHeight - self.p.header_height + self.p.tops[self.start]
        end = bisect_right(self.p.tops, room, self.start, self.end + 1) - 1
        if end <= self.start:
            return []  # not even one row: the whole table moves to the next page
        if end >= self.end:
            return [self]
        return [CanvasTable(None, [], "", 0, prepared=self.p, start=self.start, end=end),
                CanvasTable(None, [], "", 0, prepared=self.p, start=end, end=self.end)]

    def draw(self) -> None:
        p, canvas = self.p, self.canv
        width = p.edges[-1]
        height = self._height(self.start, self.end)
        body_top = height - p.header_height
        base = p.tops[self.start]

        def top_of(i: int) -> float:  # float-ok: layout points, not money
            return body_top - (p.tops[i] - base)

        canvas.saveState()
        canvas.setFillColor(_HEADER_BG)
        canvas.rect(0, body_top, width, p.header_height, stroke=0, fill=1)
        totals = [i for i in range(self.start, self.end) if p.totals[i]]
        if totals:
            canvas.setFillColor(_TOTAL_BG)
            for i in totals:
                canvas.rect(0, top_of(i + 1), width, p.tops[i + 1] - p.tops[i], stroke=0, fill=1)
        # the text: the header centred in its height, the body top-aligned
        text = canvas.beginText()
        text.setFont(p.font, p.size)
        text.setFillColor(colors.black)
        descent = p.size * 0.2  # a line's baseline sits this far above its box's bottom
        for c, lines in enumerate(p.header):
            block = len(lines) * p.leading
            y = body_top + (p.header_height - block) / 2 + block - p.leading + descent
            for line in lines:
                self._place(text, c, line, y)
                y -= p.leading
        for i in range(self.start, self.end):
            first = top_of(i) - _ROW_PAD - p.leading + descent
            for c, lines in enumerate(p.cells[i]):
                y = first
                for line in lines:
                    if line:
                        self._place(text, c, line, y)
                    y -= p.leading
        canvas.drawText(text)
        # the grid, then the header's and the totals' rules over it
        segments: list[tuple[float, float, float, float]] = [(0, height, width, height)]
        segments += [(0, top_of(i), width, top_of(i)) for i in range(self.start, self.end + 1)]
        segments += [(x, 0, x, height) for x in p.edges]
        canvas.setStrokeColor(_RULE)
        canvas.setLineWidth(0.25)
        canvas.lines(segments)
        canvas.setStrokeColor(colors.black)
        canvas.setLineWidth(0.8)
        canvas.line(0, body_top, width, body_top)
        for i in totals:
            canvas.setLineWidth(0.9)
            canvas.line(0, top_of(i), width, top_of(i))
            canvas.setLineWidth(0.6)
            bottom = top_of(i + 1)
            canvas.line(0, bottom, width, bottom)
            canvas.line(0, bottom - 1.2, width, bottom - 1.2)
        canvas.restoreState()

    def _place(self, text: Any, column: int, line: str, y: float) -> None:  # float-ok: layout points, not money
        p = self.p
        left, right = p.edges[column], p.edges[column + 1]
        align = p.aligns[column]
        if align == "right":
            x = right - _PAD - p.measure(line)
        elif align == "center":
            x = (left + right - p.measure(line)) / 2
        else:
            x = left + _PAD
        # reportlab's setTextOrigin and textOut, less their number formatting
        # and their second measuring of the line (the cursor is set for each line)
        text._code.append(f"1 0 0 1 {x:.3f} {y:.3f} Tm")
        text._code.append(text._formatText(line))


def text_widths(font: str, size: float) -> _Widths:  # float-ok: layout points, not money
    """A measure of text widths in ``font`` at ``size``, as reportlab's ``stringWidth``."""
    return _Widths(font, size)
