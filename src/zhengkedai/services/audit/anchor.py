"""Anchors: chain heads kept outside the database (`zkd verify --anchor ENTRY_NO:HASH`).

A head printed on an earlier statement (the trial balance's 链头, a pack's
manifest) or written down by an auditor is an anchor: the journal must still
pass through it, i.e. entry ``ENTRY_NO`` must still have hash ``HASH`` while
the whole chain verifies. A history rewritten with every hash recomputed
changes every hash from the first change on, so it misses every anchor taken
after that point; dropping entries up to an anchor loses the entry itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zhengkedai.db.models import EntryRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.ledger import GENESIS_HASH
from zhengkedai.i18n import _

_ANCHOR = re.compile(r"#?(\d+):([0-9a-fA-F]{64})")


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


def parse_anchor(text: str) -> Anchor:
    """``123:5f3c…`` (the entry number, a colon, the 64 hex digits of its hash)."""
    m = _ANCHOR.fullmatch(text.strip())
    if m is None:
        raise ZkdError(_("anchor {text!r} is not ENTRY_NO:HASH (an entry number, a colon and "
                         "the 64 hex digits of its hash)").format(text=text))
    return Anchor(int(m[1]), m[2].lower())


def check_anchor(uow: UnitOfWork, anchor: Anchor) -> list[str]:
    """Problems if the chain no longer passes through ``anchor`` (the chain itself is
    checked by :func:`zhengkedai.services.audit.chain.check_chain`)."""
    if anchor.seq == 0:
        return [] if anchor.hash == GENESIS_HASH else [
            _("anchor #0: the empty journal's head is {genesis}…, not {hash}…").format(
                genesis=GENESIS_HASH[:12], hash=anchor.hash[:12])]
    stored = uow.s.get(EntryRow, anchor.seq)
    if stored is None:
        return [_("anchor #{seq} {hash}…: the journal has no entry #{seq} (entries were "
                  "dropped)").format(seq=anchor.seq, hash=anchor.hash[:12])]
    if stored.hash != anchor.hash:
        return [_("anchor #{seq} {hash}…: entry #{seq}'s hash is now {now}…: the history up to "
                  "it was rewritten").format(seq=anchor.seq, hash=anchor.hash[:12],
                                             now=stored.hash[:12])]
    return []
