"""The journal as an auditor's export: JSON Lines or CSV, every entry with its hash.

Each entry carries everything its hash covers (see
:func:`zhengkedai.domain.ledger.canonical_content`), its lines, the previous
entry's hash and its own, so the chain can be recomputed without zkd
(``docs/recompute_chain.py``; the recipe is in ``docs/audit-chain.md``).

- **JSON Lines** (UTF-8): one object an entry, keys as in the hash —
  ``seq, date, kind, memo, key, source, reverses, operator, created_at,
  lines: [[account, amount_fen], …], prev_hash, hash``. Exact.
- **CSV** (UTF-8 with BOM, for Excel): one row a line, the entry's fields
  repeated on each: ``seq, date, kind, memo, key, source, reverses, operator,
  created_at, line_no, account, amount_fen, prev_hash, hash``. A text cell
  that begins with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or
  ``'`` gets one ``'`` in front, so no cell runs as a formula and the rule
  can be undone exactly: take one leading ``'`` off a text cell that has one.
  Amounts are signed whole fen (debit positive), numbers Excel never runs.

Both are produced as an iterator of text chunks, so an export of any size is
written with flat memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from zhengkedai.domain.ledger import Entry

CSV_COLUMNS = ("seq", "date", "kind", "memo", "key", "source", "reverses", "operator",
               "created_at", "line_no", "account", "amount_fen", "prev_hash", "hash")
_TEXT_COLUMNS = frozenset({"kind", "memo", "key", "source", "operator", "account"})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def entry_doc(entry: Entry) -> dict[str, object]:
    """An entry as the export writes it: the hashed fields under their hash names."""
    return {
        "seq": entry.seq,
        "date": entry.entry_date.isoformat(),
        "kind": entry.kind,
        "memo": entry.memo,
        "key": entry.idempotency_key,
        "source": entry.source_ref,
        "reverses": entry.reverses,
        "operator": entry.operator,
        "created_at": entry.created_at.replace(tzinfo=None).isoformat(timespec="microseconds"),
        "lines": [[line.account, line.amount] for line in entry.lines],
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def jsonl_chunks(entries: Iterable[Entry]) -> Iterator[str]:
    """One JSON object a line, an entry each."""
    for entry in entries:
        yield json.dumps(entry_doc(entry), ensure_ascii=False) + "\n"


def text_cell(text: str) -> str:
    """A text cell made safe for a spreadsheet, reversibly (one ``'`` in front)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_chunks(entries: Iterable[Entry]) -> Iterator[str]:
    """The header, then one row a journal line (UTF-8 BOM first)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + buf.getvalue()
    for entry in entries:
        buf.seek(0)
        buf.truncate()
        doc = entry_doc(entry)
        for line_no, line in enumerate(entry.lines, start=1):
            row = {**doc, "line_no": line_no, "account": line.account, "amount_fen": line.amount,
                   "reverses": "" if entry.reverses is None else entry.reverses}
            writer.writerow([text_cell(str(row[c])) if c in _TEXT_COLUMNS else row[c]
                             for c in CSV_COLUMNS])
        yield buf.getvalue()

