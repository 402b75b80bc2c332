"""CSV and JSON statements: the same figures as the PDF, for machines and spreadsheets.

Both are deterministic: the order of keys and rows is the order of the document
and its layout, and the only time in them is the doc's ``generated_at``.
Values are spelled by :mod:`zhengkedai.render.cells` (amounts ``"1234.50"``,
percents ``"4.25"`` in percentage points, dates ISO).

JSON (UTF-8, no BOM)::

    {"programme", "period", "kind", "title", "subtitle", "subject", "draft",
     "generated_at", "sections": [
        {"key", "heading", "columns": [{"key", "label", "kind"}],
         "rows": [{column key: value}], "totals": [{column key: value}],   # a table
         "values": {field key: value},                                     # or fields
         "paragraphs": [...]}],
     "footnotes": [...], "signatures": [...]}

CSV (UTF-8 with BOM, so that Excel reads the Chinese; text that a spreadsheet
would run as a formula starts with ``'``, see :mod:`.csvfile`): blocks separated by an
empty line, each with its own header row whose first cell is ``section``:
the metadata block; per section either ``section,row_type,<column keys…>``
(``row_type`` is ``detail`` or ``total``, so totals are never summed twice) or
``section,field,label,value``; then ``section,paragraph`` and
``section,footnote`` blocks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from zhengkedai.domain.statement import Section, StatementDoc

from .cells import json_value, plain
from .csvfile import csv_bytes


def _meta(doc: StatementDoc) -> dict[str, Any]:
    # the issuer and attachments only where the statement has them: a statement kept
    # before they existed gives the same bytes as it did then
    extra: dict[str, Any] = {}
    if doc.issuer is not None:
        extra["issuer"] = doc.issuer
    if doc.attachments:
        extra["attachments"] = list(doc.attachments)
    return {
        "programme": doc.programme,
        "period": doc.period,
        "kind": doc.kind,
        "title": doc.title,
        "subtitle": doc.subtitle,
        "subject": doc.subject,
        "draft": doc.draft,
        "generated_at": doc.generated_at.isoformat(),
        **extra,
    }


def _json_section(section: Section) -> dict[str, Any]:
    out: dict[str, Any] = {"key": section.key, "heading": section.heading}
    if section.table is not None:
        cols = section.table.columns
        out["columns"] = [{"key": c.key, "label": c.label, "kind": c.kind} for c in cols]
        for name, total in (("rows", False), ("totals", True)):
            out[name] = [
                {c.key: json_value(c.kind, r.get(c.key)) for c in cols}
                for r in section.table.rows
                if r.total is total
            ]
    elif section.fields:
        out["columns"] = [{"key": f.key, "label": f.label, "kind": f.kind} for f in section.fields]
        out["values"] = {f.key: json_value(f.kind, f.value) for f in section.fields}
    out["paragraphs"] = list(section.paragraphs)
    return out


def statement_dict(doc: StatementDoc) -> dict[str, Any]:
    """The JSON document as plain Python data (what :func:`render_json` serialises)."""
    return {
        **_meta(doc),
        "sections": [_json_section(s) for s in doc.sections],
        "footnotes": list(doc.footnotes),
        "signatures": list(doc.signatures),
    }


def render_json(doc: StatementDoc) -> bytes:
    """The statement as UTF-8 JSON (Chinese unescaped, two-space indent, final newline)."""
    return b"".join(json_chunks(doc))


def json_chunks(doc: StatementDoc, size: int = 1 << 20) -> Iterator[bytes]:
    """:func:`render_json`'s bytes in chunks of about ``size`` characters, as they are
    written: a register of tens of megabytes is never one text."""
    pending: list[str] = []
    held = 0
    for piece in json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(statement_dict(doc)):
        pending.append(piece)
        held += len(piece)
        if held >= size:
            yield "".join(pending).encode("utf-8")
            pending, held = [], 0
    pending.append("\n")
    yield "".join(pending).encode("utf-8")


def render_csv(doc: StatementDoc) -> bytes:
    """The statement as one UTF-8-with-BOM CSV of blocks; see the module docstring."""
    meta = _meta(doc)
    blocks: list[list[list[str]]] = [[
        ["section", *meta],
        ["meta", *("" if v is None else str(v).lower() if isinstance(v, bool) else
                   ";".join(v) if isinstance(v, list) else str(v) for v in meta.values())],
    ]]
    for s in doc.sections:
        if s.table is not None:
            cols = s.table.columns
            block = [["section", "row_type", *(c.key for c in cols)]]
            block += [[s.key, "total" if r.total else "detail", *(plain(c.kind, r.get(c.key)) for c in cols)]
                      for r in s.table.rows]
            blocks.append(block)
        elif s.fields:
            blocks.append([["section", "field", "label", "value"],
                           *([s.key, f.key, f.label, plain(f.kind, f.value)] for f in s.fields)])
    paragraphs = [[s.key, p] for s in doc.sections for p in s.paragraphs]
    if paragraphs:
        blocks.append([["section", "paragraph"], *paragraphs])
    blocks.append([["section", "footnote"], *(["footnotes", n] for n in doc.footnotes)])
    rows: list[list[str]] = []
    for n, block in enumerate(blocks):
        if n:
            rows.append([])
        rows.extend(block)
    return csv_bytes(rows)  # cells from bank files are neutralised there
