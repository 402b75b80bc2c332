"""How fast statement PDFs render large tables: rows/s of the claims register and the journal.

Run by hand (not a test); see ``benchmarks/README.md``::

    .venv/bin/python benchmarks/bench_pdf.py                 # 2,000 rows each
    .venv/bin/python benchmarks/bench_pdf.py --rows 10000 --repeat 3

For each table it builds one statement (the sample builders' rows, repeated
with distinct numbers: a claims register with each claim's trace, a trial
balance's journal of two lines an entry) and times, in the same run:

- **ours**: ``render.pdf.render_pdf`` of the whole statement, as ``zkd
  statement`` renders it (large tables drawn on the canvas,
  ``render.canvas_table``);
- **Paragraph table**: the same, with every table a reportlab ``Table`` of
  ``Paragraph`` text cells (what rendered every table before);
- **plain LongTable**: reportlab's ``LongTable`` of the same rows' plain
  strings (no wrapping, no Paragraphs), header repeated, grid, the same font:
  what reportlab itself does with no layout work;

and prints rows/s of each, and whether two renders of ours gave the same bytes.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import io
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from reportlab.lib import colors  # noqa: E402
from reportlab.lib.pagesizes import A4, landscape  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.platypus import LongTable, SimpleDocTemplate, TableStyle  # noqa: E402

from zhengkedai.domain.statement import StatementDoc  # noqa: E402
from zhengkedai.domain.statement import Table as DataTable  # noqa: E402
from zhengkedai.render import pdf_story  # noqa: E402
from zhengkedai.render.cells import display  # noqa: E402
from zhengkedai.render.fonts import cjk_font  # noqa: E402
from zhengkedai.render.pdf import render_pdf  # noqa: E402
from zhengkedai.render.samples import sample_doc  # noqa: E402


def grown(kind: str, section_key: str, rows: int, renumber: Callable[[dict, int], dict]
          ) -> tuple[StatementDoc, DataTable]:
    """The sample statement of ``kind`` with its ``section_key`` table grown to ``rows`` rows."""
    doc = sample_doc(kind, period="2025-06")  # type: ignore[arg-type]
    sections = []
    table: DataTable | None = None
    for section in doc.sections:
        if section.key == section_key:
            assert section.table is not None
            body = [r for r in section.table.rows if not r.total]
            totals = [r for r in section.table.rows if r.total]
            many = [dataclasses.replace(body[n % len(body)],
                                        values=renumber(dict(body[n % len(body)].values), n))
                    for n in range(rows)]
            table = dataclasses.replace(section.table, rows=tuple(many + totals))
            section = dataclasses.replace(section, table=table)
        sections.append(section)
    assert table is not None
    return dataclasses.replace(doc, sections=tuple(sections)), table


def claims_row(values: dict, n: int) -> dict:
    return {**values, "claim_id": f"C2025{n + 1:05d}", "loan_no": f"L-2024-{n + 300:06d}"}


def journal_row(values: dict, n: int) -> dict:
    if values.get("entry_no"):
        values = {**values, "entry_no": f"JZ-{n // 2 + 1:06d}"}
    return values


def plain_longtable(table: DataTable, orientation: str) -> bytes:
    """reportlab's LongTable of the rows' plain strings: no Paragraphs, no wrapping."""
    font = cjk_font().name
    size = landscape(A4) if orientation == "landscape" else A4
    body = [[c.label for c in table.columns]]
    body += [[display(c.kind, r.get(c.key)) for c in table.columns] for r in table.rows]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=size, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=22 * mm, bottomMargin=18 * mm, invariant=1)
    style = TableStyle([("FONT", (0, 0), (-1, -1), font, 7),
                        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey)])
    doc.build([LongTable(body, repeatRows=1, style=style)])
    return out.getvalue()


def timed(work: Callable[[], bytes], repeat: int) -> tuple[float, bytes]:
    best, out = float("inf"), b""
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = work()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=1, help="runs of each; the best is kept")
    p.add_argument("--skip-paragraphs", action="store_true",
                   help="leave out the Paragraph-table renders (slow at 10,000 rows)")
    args = p.parse_args()
    random.seed(0)
    cases = [("claims register", grown("claims", "register", args.rows, claims_row)),
             ("journal", grown("trial_balance", "journal", args.rows, journal_row))]
    print(f"{args.rows:,} rows a table, best of {args.repeat}")
    print("| table | ours rows/s | pages | same bytes twice | Paragraph table rows/s "
          "| plain LongTable rows/s |")
    print("| --- | ---: | ---: | --- | ---: | ---: |")
    for name, (doc, table) in cases:
        n = len(table.rows)
        ours, pdf = timed(lambda doc=doc: render_pdf(doc), args.repeat)
        same = hashlib.sha256(render_pdf(doc)).digest() == hashlib.sha256(pdf).digest()
        pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")
        if args.skip_paragraphs:
            paragraphs = "—"
        else:
            before = pdf_story.CANVAS_ROWS
            pdf_story.CANVAS_ROWS = 10 ** 9
            try:
                seconds, _ = timed(lambda doc=doc: render_pdf(doc), args.repeat)
            finally:
                pdf_story.CANVAS_ROWS = before
            paragraphs = f"{n / seconds:,.0f}"
        orientation = next(s.orientation or doc.orientation for s in doc.sections
                           if s.table is table)
        plain, _ = timed(lambda t=table, o=orientation: plain_longtable(t, o), args.repeat)
        print(f"| {name} | {n / ours:,.0f} | {pages:,} | {'yes' if same else 'NO'} | "
              f"{paragraphs} | {n / plain:,.0f} |")


if __name__ == "__main__":
    main()
