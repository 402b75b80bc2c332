"""The claim workflow: submitted → approved → paid, or rejected; recovery shares returned.

State rules (anything else is refused with a one-line reason):

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
from zhengkedai.domain import workflow
from zhengkedai.domain.errors import InsufficientFunds, NotFound, ZkdError
from zhengkedai.domain.ledger import Entry
from zhengkedai.domain.money import Fen, format_grouped
from zhengkedai.domain.roles import check_payer
from zhengkedai.domain.workflow import Action
from zhengkedai.i18n import N_, _
from zhengkedai.services import institutions
from zhengkedai.services.claims import entries
from zhengkedai.services.claims.computation import APPROVED, PAID, REJECTED


def get(uow: UnitOfWork, claim_id: int) -> ClaimRow:
    claim = uow.s.get(ClaimRow, claim_id)
    if claim is None:
        raise NotFound(_("no claim #{id}; see `zkd claims list`").format(id=claim_id))
    return claim


def get_locked(uow: UnitOfWork, claim_id: int) -> ClaimRow:
    """The claim read afresh under the ledger lock, for an action that changes it.

    The lock comes first: another writer that changed the claim (a payment, a
    rejection, a recovery that lowered it) has then committed, and the claim's
    status and amount are read as it left them, not as this session saw them
    before (the identity map would keep the old values).
    """
    uow.lock_ledger()
    claim = uow.s.get(ClaimRow, claim_id, populate_existing=True)
    if claim is None:
        raise NotFound(_("no claim #{id}; see `zkd claims list`").format(id=claim_id))
    return claim


# how each refused action reads in a message
_ACTIONS = {Action.APPROVE: N_("be approved"), Action.REJECT: N_("be rejected"),
            Action.PAY: N_("be paid"), Action.WITHDRAW: N_("be withdrawn")}


def _refuse_state(claim: ClaimRow, action: Action) -> None:
    if not workflow.may(claim.status, action):
        raise ZkdError(_("claim #{id} is {status}; only {allowed} claims can {action}").format(
            id=claim.id, status=_(claim.status),
            allowed=_(" or ").join(_(a) for a in workflow.allowed_from(action)),
            action=_(_ACTIONS[action])))


def approve(uow: UnitOfWork, actor: Actor, claim_id: int, on: dt.date) -> ClaimRow:
    """Approve a submitted claim on ``on``: its amount becomes the reserve's payable."""
    claim = get_locked(uow, claim_id)
    _refuse_state(claim, Action.APPROVE)
    if claim.amount_fen == 0:
        raise ZkdError(_("claim #{id} computes to 0.00 (see `zkd claims show {id}`); "
                         "there is nothing to approve: reject it with "
                         "`zkd claims reject {id} --reason ...`").format(id=claim.id))
    if on < claim.submitted_on:
        raise ZkdError(_("claim #{id} cannot be approved on {on}, before its loss "
                         "was confirmed on {loss_on}").format(id=claim.id, on=on,
                                                              loss_on=claim.submitted_on))
    entry = entries.post_approval(uow, actor, claim, on, key=f"claim:{claim.id}:approve")
    claim.status, claim.approved_on = APPROVED, on
    claim.approve_entry, claim.decided_by = entry.seq, actor.operator
    uow.s.flush()
    return claim


def reject(uow: UnitOfWork, actor: Actor, claim_id: int, reason: str,
           on: dt.date | None = None) -> ClaimRow:
    """Reject a submitted or approved claim; an approval is reversed (dated ``on``, default today)."""
    claim = get_locked(uow, claim_id)
    _refuse_state(claim, Action.REJECT)
    reason = reason.strip()
    if not reason:
        raise ZkdError(_("a rejection needs a reason (--reason TEXT)"))
    day = on or actor.today()
    if claim.status == APPROVED and claim.approve_entry is not None:
        assert claim.approved_on is not None
        if day < claim.approved_on:
            raise ZkdError(_("claim #{id} was approved on {approved}; "
                             "it cannot be rejected on {on}, before that").format(
                id=claim.id, approved=claim.approved_on, on=day))
        entries.post_rejection(uow, actor, claim, day, reason)
    claim.status, claim.rejected_reason, claim.decided_by = REJECTED, reason, actor.operator
    uow.s.flush()
    return claim


def ids_to_act_on(uow: UnitOfWork, status: str, institution: str | None = None) -> list[int]:
    """The ids of the claims in ``status`` (of ``institution``), oldest first, for a batch."""
    stmt = select(ClaimRow.id).where(ClaimRow.status == status).order_by(ClaimRow.id)
    if institution is not None:
        stmt = stmt.where(ClaimRow.institution_code == institution)
    return list(uow.s.execute(stmt).scalars())


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
    claim = get_locked(uow, claim_id)
    _refuse_state(claim, Action.PAY)
    if actor.separate_duties:
        check_payer(actor.operator, claim.decided_by,
                    _("compensation claim #{id}").format(id=claim.id))
    if claim.amount_fen == 0:
        raise ZkdError(_("claim #{id} is 0.00 after recoveries; there is nothing to pay: "
                         "reject it with `zkd claims reject {id} --reason ...`").format(
            id=claim.id))
    assert claim.approved_on is not None
    if on < claim.approved_on:
        raise ZkdError(_("claim #{id} was approved on {approved}; "
                         "it cannot be paid on {on}, before that").format(
            id=claim.id, approved=claim.approved_on, on=on))
    cash = reserve_cash_by_bank(uow, on)
    if bank is not None:
        institutions.get_row(uow, bank, kind=institutions.InstitutionKind.BANK)
        cash = {bank: cash.get(bank, 0)}
    sources = choose_banks(cash, claim.amount_fen, claim.institution_code)
    if sources is None:
        have = sum(cash.values())
        where = _("at {bank}").format(bank=bank) if bank else _("across all deposit banks")
        raise InsufficientFunds(_(
            "claim #{id}: the reserve's cash {where} on {on} is {have}; "
            "paying {amount} is short by {short}; the claim stays approved").format(
            id=claim.id, where=where, on=on, have=format_grouped(have),
            amount=format_grouped(claim.amount_fen),
            short=format_grouped(claim.amount_fen - have)))
    entry = entries.post_payment(uow, actor, claim, on, sources)
    claim.status, claim.paid_on, claim.pay_entry = PAID, on, entry.seq
    uow.s.flush()
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
    claim = get_locked(uow, claim_id)
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
        inst = uow.s.get(InstitutionRow, claim.institution_code)
        if inst is None or inst.kind != institutions.InstitutionKind.BANK.value:
            raise ZkdError(_("{code} is not a bank; name the deposit bank "
                             "that receives the money with --at BANK").format(
                code=claim.institution_code))
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

