"""What `zkd verify` checks beyond the chain: that the records beside the journal agree with it.

The journal is hash-chained; the rows around it are not. A claim's status, a
subsidy's amount, a loan's running state or a closed month can be changed with
raw SQL without breaking a hash. So each check here holds those rows against
what the chain fixes — each entry's kind, date, lines, what it reverses, and
its source reference (``claim:12 event:40 file:3 row:17``) — and against each
other, and names every row that disagrees, one line each.

An approval is *live* while no entry reverses it. The rules, from the
workflows (:mod:`.claims_workflow`, :mod:`.claims_entries`):

- a claim is paid exactly when an entry pays it, and then that entry is its
  ``pay_entry``, dated its ``paid_on``; an approved or paid claim of more than
  0.00 has exactly one live approval, its ``approve_entry``; a submitted or
  rejected claim (or one lowered to 0.00) has none;
- every claim entry cites an event of the claim's loan with that event's file
  and row, and a payment cites the claim's own loss event; a recovery share is
  the one its ``recovery:E:owed`` and ``recovery:E:returned`` entries book.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from ..db.models import ClaimRow, EntryRow, LineRow, LoanEventRow, LoanRow, RecoveryShareRow
from ..db.uow import UnitOfWork
from ..domain.money import format_grouped
from . import claims_entries, verify

CLAIM_REF = re.compile(r"claim:(\d+) event:(\d+) file:(\d+) row:(\d+)")
SHARE_KEY = re.compile(r"recovery:(\d+):(owed|returned)")


def _entries(uow: UnitOfWork, prefix: str) -> list[Any]:
    """Entries whose source reference starts with ``prefix``, in chain order (no lines)."""
    return list(uow.s.execute(
        select(EntryRow.seq, EntryRow.entry_date, EntryRow.kind, EntryRow.idempotency_key,
               EntryRow.source_ref, EntryRow.reverses)
        .where(EntryRow.source_ref.startswith(prefix, autoescape=True))
        .order_by(EntryRow.seq)).all())


def _reversed_by(uow: UnitOfWork) -> dict[int, int]:
    """Each reversed entry's seq -> the seq of the entry that reverses it."""
    return {r: s for s, r in uow.s.execute(
        select(EntryRow.seq, EntryRow.reverses).where(EntryRow.reverses.is_not(None))).all()}


def _seqs(seqs: list[int]) -> str:
    return ", ".join(f"#{s}" for s in seqs) or "none"


def check_claim_entries(uow: UnitOfWork) -> list[str]:
    """Each claim's status and entries agree with the journal's entries that cite it."""
    problems: list[str] = []
    claims = {c.id: c for c in uow.s.execute(select(ClaimRow).order_by(ClaimRow.id)).scalars()}
    loan_nos = dict(uow.s.execute(select(LoanRow.id, LoanRow.loan_no).where(
        LoanRow.id.in_({c.loan_id for c in claims.values()}))).all()) if claims else {}

    def name(claim: ClaimRow) -> str:
        return f"claim #{claim.id} (loan {loan_nos.get(claim.loan_id, '?')})"

    cited = [(e, CLAIM_REF.fullmatch(e.source_ref)) for e in _entries(uow, "claim:")]
    events = {e.id: e for e in uow.s.execute(
        select(LoanEventRow.id, LoanEventRow.loan_id, LoanEventRow.file_id, LoanEventRow.file_row)
        .where(LoanEventRow.id.in_({int(m[2]) for _, m in cited if m}))).all()}
    reversed_by = _reversed_by(uow)
    approvals: dict[int, list[Any]] = defaultdict(list)
    payments: dict[int, list[Any]] = defaultdict(list)
    shares: dict[tuple[int, str], Any] = {}  # (event, owed|returned) -> entry
    for entry, m in cited:
        what = f"entry #{entry.seq} ({entry.kind})"
        if m is None:
            problems.append(f"{what}: source reference {entry.source_ref!r} is not "
                            "claim:N event:E file:F row:R")
            continue
        claim_id, event_id, file_id, file_row = map(int, m.groups())
        claim = claims.get(claim_id)
        if claim is None:
            problems.append(f"{what} is for claim #{claim_id}, which does not exist")
            continue
        ev = events.get(event_id)
        if ev is None or ev.loan_id != claim.loan_id or (ev.file_id, ev.file_row) != (
                file_id, file_row):
            there = ("no such event" if ev is None else
                     f"event #{ev.id} is on loan #{ev.loan_id}, file:{ev.file_id} row:{ev.file_row}")
            problems.append(f"{name(claim)}: {what} cites event:{event_id} file:{file_id} "
                            f"row:{file_row}, but {there}")
        if entry.kind == "claim.approve":
            approvals[claim_id].append(entry)
        elif entry.kind == "claim.pay":
            payments[claim_id].append(entry)
            if event_id != claim.loss_event_id:
                problems.append(f"{name(claim)}: payment {what} cites event #{event_id}, "
                                f"not its loss event #{claim.loss_event_id}")
        elif (k := SHARE_KEY.fullmatch(entry.idempotency_key)) is not None:
            shares[(int(k[1]), k[2])] = (claim, entry)
    for claim in claims.values():
        live = [a.seq for a in approvals[claim.id] if a.seq not in reversed_by]
        paid = payments[claim.id]
        if claim.status == "paid":
            if [p.seq for p in paid] != [claim.pay_entry]:
                problems.append(f"{name(claim)}: paid by entry #{claim.pay_entry}, but the "
                                f"journal's payments of it are {_seqs([p.seq for p in paid])}")
            elif paid[0].entry_date != claim.paid_on:
                problems.append(f"{name(claim)}: paid on {claim.paid_on}, but its payment "
                                f"entry #{paid[0].seq} is dated {paid[0].entry_date}")
        elif paid:
            problems.append(f"{name(claim)}: {claim.status}, but entry #{paid[0].seq} paid it "
                            f"on {paid[0].entry_date}")
        should_live = claim.status in ("approved", "paid") and claim.amount_fen > 0
        if should_live and live != [claim.approve_entry]:
            problems.append(f"{name(claim)}: {claim.status} with approval entry "
                            f"#{claim.approve_entry}, but its live approvals in the journal "
                            f"are {_seqs(live)}")
        elif not should_live and live:
            problems.append(f"{name(claim)}: {claim.status} at "
                            f"{format_grouped(claim.amount_fen)}, but its approval entry "
                            f"{_seqs(live)} is not reversed")
        first = next((a for a in approvals[claim.id]
                      if a.idempotency_key == f"claim:{claim.id}:approve"), None)
        if (first is not None and claim.status in ("approved", "paid")
                and claim.approved_on != first.entry_date):
            problems.append(f"{name(claim)}: approved on {claim.approved_on}, but its approval "
                            f"entry #{first.seq} is dated {first.entry_date}")
    problems.extend(_check_shares(uow, shares))
    return problems


def _check_shares(uow: UnitOfWork, booked: dict[tuple[int, str], Any]) -> list[str]:
    """Each recovery share is what its owed and returned entries book, and the other way round."""
    problems: list[str] = []
    receivable = {entry.seq: claims_entries.receivable(claim.institution_code)
                  for claim, entry in booked.values()}
    amounts: dict[int, int] = defaultdict(int)  # seq -> its amount on the receivable
    for seq, account, amount in uow.s.execute(
            select(LineRow.entry_seq, LineRow.account_code, LineRow.amount_fen)
            .where(LineRow.entry_seq.in_(receivable))).all() if receivable else ():
        if account == receivable[seq]:
            amounts[seq] += int(amount)
    found = set()
    for share in uow.s.execute(select(RecoveryShareRow).order_by(RecoveryShareRow.id)).scalars():
        what = f"recovery share #{share.id} (claim #{share.claim_id}, event #{share.event_id})"
        for step, seq, sign in (("owed", share.owed_entry, 1), ("returned", share.returned_entry, -1)):
            claim, entry = booked.get((share.event_id, step), (None, None))
            found.add((share.event_id, step))
            if claim is None or entry is None:
                if seq is not None:
                    problems.append(f"{what}: its {step} entry #{seq} is not in the journal "
                                    f"as recovery:{share.event_id}:{step}")
                continue
            if (seq, claim.id) != (entry.seq, share.claim_id):
                problems.append(f"{what}: entry #{entry.seq} books it {step} for claim "
                                f"#{claim.id}, but the share names entry #{seq}")
            elif amounts[entry.seq] != sign * share.share_fen:
                problems.append(f"{what}: {format_grouped(share.share_fen)}, but its {step} "
                                f"entry #{entry.seq} books "
                                f"{format_grouped(abs(amounts[entry.seq]))}")
            elif step == "returned" and share.returned_on != entry.entry_date:
                problems.append(f"{what}: returned on {share.returned_on}, but entry "
                                f"#{entry.seq} is dated {entry.entry_date}")
    for (event_id, step), (claim, entry) in sorted(booked.items(), key=lambda kv: kv[0]):
        if (event_id, step) not in found:
            problems.append(f"entry #{entry.seq} books a recovery share {step} for claim "
                            f"#{claim.id} (event #{event_id}), but no such share is recorded")
    return problems


for _check in (check_claim_entries,):
    if _check not in verify.EXTRA_CHECKS:
        verify.EXTRA_CHECKS.append(_check)
