"""A statement document as JSON text and back, exactly: what a closed month keeps.

The month's close stores each statement's figures in this form, so a closed
month's statements are rendered from what the close saw — byte for byte the
same whenever they are generated, whatever later months do to claims or
subsidies. Amounts are written as integer fen, percents as decimal strings,
dates ISO; ``decode(encode(doc)) == doc`` for every valid document.

Later fields (``issuer``, ``attachments``) are written only when a document has
them, so a statement kept before they existed reads back, and renders, as it
did when it was kept; the layout itself (labels, headings, columns) is in the
text, so a kept statement never depends on today's layout files.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from .statement import (
    CellValue,
    ColumnKind,
    Field,
    Row,
    Section,
    StatementColumn,
    StatementDoc,
    Table,
)


def _out(kind: ColumnKind, value: CellValue) -> Any:
    if value is None:
        return None
    if kind == "percent":
        return str(value)
    if kind == "date":
        assert isinstance(value, dt.date)
        return value.isoformat()
    return value


def _in(kind: ColumnKind, value: Any) -> CellValue:
    if value is None:
        return None
    if kind == "percent":
        return Decimal(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind in ("amount", "int"):
        return int(value)
    return str(value)


def _column(c: StatementColumn) -> dict[str, Any]:
    return {"key": c.key, "label": c.label, "kind": c.kind, "width": c.width}


def _section(s: Section) -> dict[str, Any]:
    out: dict[str, Any] = {"key": s.key, "heading": s.heading, "paragraphs": list(s.paragraphs),
                           "orientation": s.orientation}
    if s.table is not None:
        kinds = {c.key: c.kind for c in s.table.columns}
        out["table"] = {
            "columns": [_column(c) for c in s.table.columns],
            "rows": [{"total": r.total,
                      "values": {k: _out(kinds[k], v) for k, v in r.values.items()}}
                     for r in s.table.rows],
        }
    out["fields"] = [{"key": f.key, "label": f.label, "kind": f.kind,
                      "value": _out(f.kind, f.value), "total": f.total} for f in s.fields]
    return out


def encode(doc: StatementDoc) -> str:
    """The document as canonical JSON text (sorted keys, no whitespace variance)."""
    return dumps(to_data(doc))


def dumps(data: dict[str, Any]) -> str:
    """:func:`to_data`'s dictionary as :func:`encode`'s text."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def to_data(doc: StatementDoc) -> dict[str, Any]:
    """The document as the dictionary :func:`encode` writes out (a caller that lets the
    document go before writing holds one of the two at a time)."""
    data = {
        "kind": doc.kind, "period": doc.period, "title": doc.title,
        "generated_at": doc.generated_at.isoformat(), "draft": doc.draft,
        "subtitle": doc.subtitle, "subject": doc.subject, "programme": doc.programme,
        "orientation": doc.orientation, "footnotes": list(doc.footnotes),
        "signatures": list(doc.signatures), "sections": [_section(s) for s in doc.sections],
    }
    if doc.issuer is not None:
        data["issuer"] = doc.issuer
    if doc.attachments:
        data["attachments"] = list(doc.attachments)
    return data


def _table(data: dict[str, Any]) -> Table:
    columns = tuple(StatementColumn(c["key"], c["label"], c["kind"], c["width"]) for c in data["columns"])
    kinds = {c.key: c.kind for c in columns}
    rows = tuple(Row({k: _in(kinds[k], v) for k, v in r["values"].items()}, total=r["total"])
                 for r in data["rows"])
    return Table(columns, rows)


def decode(text: str) -> StatementDoc:
    """The document :func:`encode` wrote."""
    data = json.loads(text)
    sections = tuple(
        Section(
            key=s["key"], heading=s["heading"],
            table=_table(s["table"]) if "table" in s else None,
            fields=tuple(Field(f["key"], f["label"], f["kind"], _in(f["kind"], f["value"]),
                               total=f["total"]) for f in s["fields"]),
            paragraphs=tuple(s["paragraphs"]), orientation=s["orientation"],
        )
        for s in data["sections"]
    )
    return StatementDoc(
        kind=data["kind"], period=data["period"], title=data["title"],
        generated_at=dt.datetime.fromisoformat(data["generated_at"]), sections=sections,
        draft=data["draft"], subtitle=data["subtitle"], subject=data["subject"],
        programme=data["programme"], orientation=data["orientation"],
        footnotes=tuple(data["footnotes"]), signatures=tuple(data["signatures"]),
        issuer=data.get("issuer"), attachments=tuple(data.get("attachments", ())),
    )
