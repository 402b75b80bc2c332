"""Journal entries, their balance rule and the hash chain.

Invariants held here (pure, no storage):
- an entry has at least two lines and its signed amounts sum to zero;
- an entry is a fact: frozen, never updated; a correction is a new entry that
  reverses it (:func:`reversal_of`);
- each entry's hash is SHA-256 over its full content — sequence number, date,
  kind, memo, idempotency key, what it reverses, its source references, who
  posted it and when, every line — and the previous entry's hash, so that any
  later change to a stored entry breaks the chain from there on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from ..i18n import _
from .accounts import AccountCodeError, parse_account
from .money import Fen, format_plain

GENESIS_HASH = "0" * 64


class UnbalancedEntry(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Line:
    account: str
    amount: Fen  # debit positive, credit negative


@dataclass(frozen=True, slots=True)
class EntryDraft:
    """What a service asks the ledger to post."""

    entry_date: dt.date
    kind: str
    memo: str
    lines: tuple[Line, ...]
    idempotency_key: str
    source_ref: str = ""  # e.g. "claim:12 event:40 file:3 row:17"
    reverses: int | None = None

    def same_content(self, other: EntryDraft | Entry) -> bool:
        """True when posting ``self`` again would say nothing new."""
        return (
            self.entry_date == other.entry_date
            and self.kind == other.kind
            and self.memo == other.memo
            and tuple(self.lines) == tuple(other.lines)
            and self.source_ref == other.source_ref
            and self.reverses == other.reverses
        )


@dataclass(frozen=True, slots=True)
class Entry:
    """A posted journal entry."""

    seq: int
    entry_date: dt.date
    kind: str
    memo: str
    lines: tuple[Line, ...]
    idempotency_key: str
    source_ref: str
    reverses: int | None
    operator: str
    created_at: dt.datetime  # naive UTC
    prev_hash: str
    hash: str = field(default="")


def check_balanced(lines: Sequence[Line]) -> None:
    """Raise UnbalancedEntry unless the lines are a valid double entry."""
    if len(lines) < 2:
        raise UnbalancedEntry(_("an entry needs at least two lines"))
    for line in lines:
        if not isinstance(line.amount, int) or isinstance(line.amount, bool):
            raise UnbalancedEntry(_("line on {account}: amount must be whole fen").format(
                account=line.account))
        if line.amount == 0:
            raise UnbalancedEntry(_("line on {account}: amount is zero").format(account=line.account))
        try:
            parse_account(line.account)
        except AccountCodeError as exc:
            raise UnbalancedEntry(str(exc)) from None
    total = sum(line.amount for line in lines)
    if total != 0:
        raise UnbalancedEntry(_("lines do not balance: they sum to {total}").format(
            total=format_plain(total)))


def canonical_content(
    *,
    seq: int,
    entry_date: dt.date,
    kind: str,
    memo: str,
    lines: Iterable[Line],
    idempotency_key: str,
    source_ref: str,
    reverses: int | None,
    operator: str,
    created_at: dt.datetime,
) -> bytes:
    """The bytes an entry's hash covers (without the previous hash)."""
    doc = {
        "seq": seq,
        "date": entry_date.isoformat(),
        "kind": kind,
        "memo": memo,
        "key": idempotency_key,
        "source": source_ref,
        "reverses": reverses,
        "operator": operator,
        "created_at": created_at.replace(tzinfo=None).isoformat(timespec="microseconds"),
        "lines": [[line.account, line.amount] for line in lines],
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def compute_hash(entry: Entry) -> str:
    content = canonical_content(
        seq=entry.seq,
        entry_date=entry.entry_date,
        kind=entry.kind,
        memo=entry.memo,
        lines=entry.lines,
        idempotency_key=entry.idempotency_key,
        source_ref=entry.source_ref,
        reverses=entry.reverses,
        operator=entry.operator,
        created_at=entry.created_at,
    )
    return hashlib.sha256(entry.prev_hash.encode() + content).hexdigest()


def seal(draft: EntryDraft, *, seq: int, operator: str, created_at: dt.datetime,
         prev_hash: str) -> Entry:
    """Turn a checked draft into the entry to store, its hash computed."""
    check_balanced(draft.lines)
    entry = Entry(
        seq=seq,
        entry_date=draft.entry_date,
        kind=draft.kind,
        memo=draft.memo,
        lines=tuple(draft.lines),
        idempotency_key=draft.idempotency_key,
        source_ref=draft.source_ref,
        reverses=draft.reverses,
        operator=operator,
        created_at=created_at.replace(tzinfo=None),
        prev_hash=prev_hash,
    )
    return replace(entry, hash=compute_hash(entry))


def reversal_of(entry: Entry, *, on: dt.date, memo: str) -> EntryDraft:
    """The entry that undoes ``entry``: the same lines with opposite signs."""
    return EntryDraft(
        entry_date=on,
        kind=f"reversal:{entry.kind}",
        memo=memo,
        lines=tuple(Line(line.account, -line.amount) for line in entry.lines),
        idempotency_key=f"reversal-of:{entry.seq}",
        source_ref=entry.source_ref,
        reverses=entry.seq,
    )


@dataclass(frozen=True, slots=True)
class ChainProblem:
    seq: int
    message: str


def verify_chain(entries: Iterable[Entry], *, after: tuple[int, str] = (0, GENESIS_HASH)
                 ) -> list[ChainProblem]:
    """Recompute the chain in sequence order; every problem found, first first.

    ``after`` (entry number, its hash) is where ``entries`` take up the chain: by
    default its start; a later entry's number and hash check the part after it.
    """
    problems: list[ChainProblem] = []
    expected_seq, prev = after[0] + 1, after[1]
    for entry in entries:
        if entry.seq != expected_seq:
            problems.append(ChainProblem(entry.seq, _("sequence gap: expected {seq}").format(
                seq=expected_seq)))
        expected_seq = entry.seq + 1
        if entry.prev_hash != prev:
            problems.append(ChainProblem(entry.seq, _("previous-hash link broken")))
        try:
            check_balanced(entry.lines)
        except UnbalancedEntry as exc:
            problems.append(ChainProblem(entry.seq, _("does not balance: {reason}").format(
                reason=exc)))
        recomputed = compute_hash(replace(entry, prev_hash=prev))
        if recomputed != entry.hash:
            problems.append(ChainProblem(entry.seq, _("content does not match its hash")))
        prev = entry.hash
    return problems
