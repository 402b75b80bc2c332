"""Correcting a booking by hand (冲销): a new entry that reverses the old one, both kept.

SPEC 3: entries are append-only; "a correction is a new entry that reverses
the old one". Staff book deposits, interest, transfers between deposit banks,
management fees and budget deposits directly, so a mistyped one is corrected
by reversing it (:func:`reverse_entry`) and booking it again correctly.

Entries a workflow made (a claim's or a subsidy's approval and payment, a
recovery share owed or returned) are not reversed here: their claim or
subsidy would no longer match the journal. They are corrected through their
workflow, which writes its own reversals (`zkd claims reject`, `zkd subsidies
reject`, a recovery before payment).

A reversal goes through the ledger like any entry: it cannot be dated in a
closed month or before the entry it reverses, and it cannot take a fund's
cash below zero on any day (reversing a deposit already spent is refused with
the shortfall named).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from zhengkedai.context import Actor
from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.db.models import EntryRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import NotFound, ZkdError
from zhengkedai.domain.ledger import Entry, reversal_of
from zhengkedai.i18n import N_, _

# kind of entry -> what it is, in the memo of its reversal
REVERSIBLE = {
    "reserve.deposit": "准备金存入",
    "reserve.interest": "利息收入",
    "reserve.transfer": "准备金划转",
    "reserve.fee": "管理费",
    "budget.deposit": "补助资金存入",
}
_WORKFLOW = {
    "claim.": N_("entry #{seq} ({kind}) was made by a workflow; correct it through its claim's "
                 "workflow (`zkd claims reject`, or a recovery filed before payment)"),
    "subsidy.": N_("entry #{seq} ({kind}) was made by a workflow; correct it through its "
                   "subsidy's workflow (`zkd subsidies reject`)"),
}


def reverse_entry(uow: UnitOfWork, actor: Actor, seq: int, reason: str,
                  on: dt.date | None = None) -> Entry:
    """Post the reversal of entry ``seq``, dated ``on`` (default today), giving ``reason``.

    Raises:
        NotFound: no entry ``seq``.
        ZkdError: no reason; the entry is not one staff book by hand, is itself a
            reversal, or was reversed already; ``on`` is before the entry's date.
        InvariantViolation: ``on`` is in a closed month.
        InsufficientFunds: the reversal would take a fund's cash below zero.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise ZkdError(_("a reversal needs a reason (--reason TEXT)"))
    uow.lock_ledger()
    ledger = LedgerRepo(uow)
    if uow.s.get(EntryRow, seq) is None:
        raise NotFound(_("no journal entry #{seq}; see `zkd journal list`").format(seq=seq))
    entry = ledger.entry(seq)
    if entry.reverses is not None:
        raise ZkdError(_("entry #{seq} is itself the reversal of entry #{original}; "
                         "book the original again instead").format(seq=seq,
                                                                   original=entry.reverses))
    done = uow.s.execute(select(EntryRow.seq).where(EntryRow.reverses == seq)).scalar()
    if done is not None:
        raise ZkdError(_("entry #{seq} was already reversed by entry #{done}").format(
            seq=seq, done=done))
    if entry.kind not in REVERSIBLE:
        how = next((v for k, v in _WORKFLOW.items() if entry.kind.startswith(k)),
                   N_("entry #{seq} ({kind}) was made by zkd itself, not booked by hand; "
                      "it cannot be reversed on its own"))
        raise ZkdError(_(how).format(seq=seq, kind=entry.kind))
    day = on or actor.today()
    if day < entry.entry_date:
        raise ZkdError(_("entry #{seq} is dated {date}; its reversal cannot be dated {day}, "
                         "before it").format(seq=seq, date=entry.entry_date, day=day))
    draft = reversal_of(entry, on=day,
                        memo=f"冲销凭证#{seq}（{REVERSIBLE[entry.kind]}）：{reason}")
    return ledger.post(draft, actor)
