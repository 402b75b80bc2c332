"""The claim workflow: submitted → approved → paid, or rejected; recovery shares returned.

Each move reads the claim afresh under the ledger lock (``uow.claims.get``),
asks the claim for its next state (:class:`~zhengkedai.domain.claims.Claim`,
which refuses what the workflow does not allow), books the journal entry with
the new claim's figures (:mod:`~zhengkedai.services.claims.entries`) and saves
it (``uow.claims.save``). State rules (anything else is refused with a
one-line reason):

- ``approve``: submitted → approved, dated on or after the loss; posts the
  approval (the amount becomes a payable of the reserve). A claim that
  computes to 0.00 (not covered) is not approved: it has nothing to owe, so
  the refusal says to reject it with a reason.
- ``reject``: submitted or approved → rejected, with a reason; an approved
  claim's approval entry is reversed, so the payable disappears.
- ``pay``: approved → paid, dated on or after the approval. Which deposit
  bank pays: the claiming institution's own reserve account when it alone
  covers the amount, else the deposit bank with the most reserve cash when it
  alone covers it, else the banks with the most cash first, split across them
  (``--from BANK`` forces one bank). A bank's cash is counted as its lowest
  balance from the payment date on, so no later day goes negative. When the
  reserve's cash cannot cover the claim the payment is refused with the
  shortfall named; the claim stays approved and its payable open.
- ``return_shares``: the institution pays the owed recovery shares of a
  paid claim back into the reserve, at a deposit bank (default: the
  institution itself when it is a bank).

Posting into a closed month is refused by the ledger.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from zhengkedai.context import Actor
from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.db.live import LIVE_EVENT
from zhengkedai.db.models import ClaimRow, InstitutionRow, LoanEventRow, RecoveryShareRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.claims import Claim
from zhengkedai.domain.errors import InsufficientFunds, ZkdError
from zhengkedai.domain.ledger import Entry
from zhengkedai.domain.money import Fen, format_grouped
from zhengkedai.i18n import _
from zhengkedai.services import institutions
from zhengkedai.services.claims import entries


def get(uow: UnitOfWork, claim_id: int) -> ClaimRow:
    """The stored claim, for the views that show all of it.

    Raises:
        NotFound: no claim ``claim_id``.
    """
    return uow.claims.row(claim_id)


def approve(uow: UnitOfWork, actor: Actor, claim_id: int, on: dt.date) -> Claim:
    """Approve a submitted claim on ``on``: its amount becomes the reserve's payable."""
    claim = uow.claims.get(claim_id).approve(on, actor.operator)
    entry = entries.post_approval(uow, actor, claim, on, key=f"claim:{claim.id}:approve")
    claim = claim.approval_booked(entry.seq)
    uow.claims.save(claim)
    return claim


def reject(uow: UnitOfWork, actor: Actor, claim_id: int, reason: str,
           on: dt.date | None = None) -> Claim:
    """Reject a submitted or approved claim; an approval is reversed (dated ``on``, default today)."""
    claim = uow.claims.get(claim_id)
    day = on or actor.today()
    rejected = claim.reject(reason, actor.operator, day)
    if claim.reverses_approval:
        assert rejected.rejected_reason is not None
        entries.post_rejection(uow, actor, claim, day, rejected.rejected_reason)
    uow.claims.save(rejected)
    return rejected


def ids_to_act_on(uow: UnitOfWork, status: str, institution: str | None = None) -> list[int]:
    """The ids of the claims in ``status`` (of ``institution``), oldest first, for a batch."""
    return [c.id for c in uow.claims.find(status=status, institution=institution)]


def reserve_cash_by_bank(uow: UnitOfWork, on: dt.date) -> dict[str, Fen]:
    """Each deposit bank's reserve cash that can be spent on ``on`` (lowest balance from then on)."""
    ledger = LedgerRepo(uow)
    prefix = "reserve:cash:"
    return {code[len(prefix):]: max(0, ledger.lowest_balance_from(code, on))
            for code in sorted(ledger.balances(prefix=prefix))}


def choose_banks(cash: dict[str, Fen], amount: Fen, own: str) -> dict[str, Fen] | None:
    """Which deposit banks pay ``amount`` (see the module docstring); None if cash is short."""
    if cash.get(own, 0) >= amount:
        return {own: amount}
    ranked = sorted(cash.items(), key=lambda kv: (-kv[1], kv[0]))
    if ranked and ranked[0][1] >= amount:
        return {ranked[0][0]: amount}
    out: dict[str, Fen] = {}
    left = amount
    for bank, available in ranked:
        if left == 0:
            break
        take = min(available, left)
        if take > 0:
            out[bank] = take
            left -= take
    return out if left == 0 else None


def pay(uow: UnitOfWork, actor: Actor, claim_id: int, on: dt.date,
        bank: str | None = None) -> Entry:
    """Pay an approved claim from the reserve's cash.

    Raises:
        InsufficientFunds: the reserve's cash (or ``bank``'s) cannot cover it; the
            shortfall is named and nothing changes.
    """
    claim = uow.claims.get(claim_id).pay(on, actor.operator,
                                         separate_duties=actor.separate_duties)
    cash = reserve_cash_by_bank(uow, on)
    if bank is not None:
        institutions.get_row(uow, bank, kind=institutions.InstitutionKind.BANK)
        cash = {bank: cash.get(bank, 0)}
    sources = choose_banks(cash, claim.amount, claim.institution)
    if sources is None:
        have = sum(cash.values())
        where = _("at {bank}").format(bank=bank) if bank else _("across all deposit banks")
        raise InsufficientFunds(_(
            "claim #{id}: the reserve's cash {where} on {on} is {have}; "
            "paying {amount} is short by {short}; the claim stays approved").format(
            id=claim.id, where=where, on=on, have=format_grouped(have),
            amount=format_grouped(claim.amount),
            short=format_grouped(claim.amount - have)))
    entry = entries.post_payment(uow, actor, claim, on, sources)
    uow.claims.save(claim.payment_booked(entry.seq))
    return entry


def owed_on(uow: UnitOfWork, claim_id: int) -> Fen:
    """What the institution still owes the reserve on a claim's recovery shares."""
    return int(uow.s.execute(
        select(func.coalesce(func.sum(RecoveryShareRow.share_fen - RecoveryShareRow.returned_fen),
                             0))
        .join(LoanEventRow, LoanEventRow.id == RecoveryShareRow.event_id)
        .where(RecoveryShareRow.claim_id == claim_id, LIVE_EVENT)).scalar_one())


def return_shares(uow: UnitOfWork, actor: Actor, claim_id: int, on: dt.date,
                  bank: str | None = None, amount: Fen | None = None) -> list[Entry]:
    """Book the institution's return of what it owes on a claim's recovery shares.

    With ``amount``, only that much (the oldest shares first, the last one
    perhaps in part); without, everything still owed.

    Raises:
        ZkdError: nothing is owed, or ``amount`` is not above 0 or above what is owed.
    """
    claim = uow.claims.get(claim_id)
    owed = list(uow.s.execute(
        select(RecoveryShareRow).join(LoanEventRow, LoanEventRow.id == RecoveryShareRow.event_id)
        .where(RecoveryShareRow.claim_id == claim.id, LIVE_EVENT,
               RecoveryShareRow.share_fen > 0, RecoveryShareRow.returned_entry.is_(None))
        .order_by(RecoveryShareRow.id).execution_options(populate_existing=True)).scalars())
    if not owed:
        raise ZkdError(_("claim #{id} has no recovery share owed to the reserve").format(
            id=claim.id))
    due = sum(share.share_fen - share.returned_fen for share in owed)
    if amount is None:
        amount = due
    if amount <= 0:
        raise ZkdError(_("the amount returned must be greater than 0"))
    if amount > due:
        raise ZkdError(_("claim #{id}: {due} is owed to the reserve; {amount} is more than "
                         "that").format(id=claim.id, due=format_grouped(due),
                                        amount=format_grouped(amount)))
    if bank is None:
        inst = uow.s.get(InstitutionRow, claim.institution)
        if inst is None or inst.kind != institutions.InstitutionKind.BANK.value:
            raise ZkdError(_("{code} is not a bank; name the deposit bank "
                             "that receives the money with --at BANK").format(
                code=claim.institution))
        bank = inst.code
    institutions.get_row(uow, bank, kind=institutions.InstitutionKind.BANK)
    out: list[Entry] = []
    left = amount
    for share in owed:
        if left == 0:
            break
        event = uow.s.get(LoanEventRow, share.event_id)
        assert event is not None
        if on < event.occurred_on:
            raise ZkdError(_("the recovery of {recovered} cannot be returned on {on}, "
                             "before it happened").format(recovered=event.occurred_on, on=on))
        part = min(left, share.share_fen - share.returned_fen)
        entry = entries.post_share_returned(uow, actor, claim, share, bank, on, part)
        share.returned_fen += part
        left -= part
        if share.returned_fen == share.share_fen:
            share.returned_on, share.returned_entry = on, entry.seq
        out.append(entry)
    uow.s.flush()
    return out

