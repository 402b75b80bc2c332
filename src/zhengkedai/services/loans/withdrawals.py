"""Withdrawing (撤回) a loan or an event a bank filed by mistake.

A withdrawn row is never deleted: it stays stored and listed, marked with who
withdrew it, when (the day it is done, Zhengzhou time) and why; every figure
is computed without it from then on (:mod:`zhengkedai.db.live`), and the same
loan number, or a corrected event, can be filed again.

What a withdrawal may touch, and what stops it:

- a loss opens a claim. While that claim is submitted it is withdrawn with the
  loss (status ``withdrawn``, 已撤回; it was never money, so no entry). An
  approved claim must be rejected first; a paid one stands, and its money
  comes back by a recovery and ``claims recovery-return``. A rejected claim
  stays rejected.
- a recovery before payment lowered its (submitted) claim: the claim is
  computed again without it. One whose claim is approved or paid is refused
  the same way. A recovery after payment made a share owed to the reserve:
  the entry booking that share is reversed (dated today), unless the share
  was already returned.
- the loan's other events must still follow one another without it (a
  recovery needs a loss before it…): otherwise the withdrawal is refused,
  naming the event to withdraw first.
- submitted claims filed after a withdrawn loss, on the same enterprise, are
  computed again: the loss no longer counts towards the enterprise's
  threshold or the loan's cap.

Closed months' statements stay as their close kept them; the next open
month's statements list the correction (see the institution statement).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from zhengkedai.context import Actor
from zhengkedai.db.live import LIVE_EVENT, LIVE_LOAN
from zhengkedai.db.models import ClaimRow, LoanEventRow, LoanRow, RecoveryShareRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import NotFound, ZkdError
from zhengkedai.domain.loans import EventRefused, EventType, LoanState, apply_event, event_words
from zhengkedai.domain.money import Fen, format_grouped
from zhengkedai.i18n import _
from zhengkedai.services.claims import entries
from zhengkedai.services.claims.computation import (
    APPROVED,
    PAID,
    SUBMITTED,
    ClaimPolicies,
    _set_computation,
    claim_for_recovery,
    compute,
)


@dataclass(frozen=True)
class Recomputed:
    claim_id: int
    before: Fen
    after: Fen


@dataclass
class Withdrawal:
    """What one withdrawal did."""

    institution: str
    loan_no: str
    on: dt.date
    loan_withdrawn: bool = False
    events: list[int] = field(default_factory=list)
    claims_withdrawn: list[int] = field(default_factory=list)
    claims_recomputed: list[Recomputed] = field(default_factory=list)
    entries: list[int] = field(default_factory=list)  # reversals posted
    outstanding: Fen = 0  # the loan's state afterwards (live loans only)
    overdue: Fen = 0


def find_loan(uow: UnitOfWork, loan_no: str, institution: str | None = None, *,
              withdrawn: bool = False) -> LoanRow:
    """The live loan ``loan_no`` (of ``institution``); with ``withdrawn``, else the latest
    withdrawn one of that number.

    Raises:
        NotFound: no such loan.
        ZkdError: several institutions filed that number and none was named.
    """
    stmt = select(LoanRow).where(LoanRow.loan_no == loan_no)
    if institution is not None:
        stmt = stmt.where(LoanRow.institution_code == institution)
    live = list(uow.s.execute(stmt.where(LIVE_LOAN).order_by(LoanRow.id)).scalars())
    if not live and withdrawn:
        live = list(uow.s.execute(stmt.order_by(LoanRow.id.desc()).limit(1)).scalars())
    if len(live) > 1:
        codes = ", ".join(r.institution_code for r in live)
        raise ZkdError(_("loan number {loan_no} was filed by {codes}; say which with "
                         "--institution CODE").format(loan_no=loan_no, codes=codes))
    if not live:
        loan = (_("loan {loan_no} of {institution}").format(loan_no=loan_no,
                                                             institution=institution)
                if institution else _("loan {loan_no}").format(loan_no=loan_no))
        gone = uow.s.execute(stmt.order_by(LoanRow.id.desc()).limit(1)).scalar_one_or_none()
        if gone is not None and gone.withdrawn_on is not None:
            raise NotFound(_("{loan} was withdrawn on {on} by {by}; see `zkd loans list`").format(
                loan=loan, on=gone.withdrawn_on, by=gone.withdrawn_by))
        raise NotFound(_("no {loan}; see `zkd loans list`").format(loan=loan))
    return live[0]


def _reason(reason: str) -> str:
    text = " ".join(reason.split())
    if not text:
        raise ZkdError(_("a withdrawal needs a reason (--reason TEXT)"))
    return text


def _refuse_claim(claim: ClaimRow, what: str) -> None:
    """Refuse when ``claim`` depends on what is withdrawn and is approved or paid."""
    if claim.status == APPROVED:
        raise ZkdError(_("claim #{id}, which depends on {what}, is approved; reject it first "
                         "(`zkd claims reject {id} --reason TEXT`), then withdraw").format(
                             id=claim.id, what=what))
    if claim.status == PAID:
        raise ZkdError(_("claim #{id}, which depends on {what}, was paid on {on}; a paid claim "
                         "stands: recover the money by filing a recovery and returning it "
                         "(`zkd claims recovery-return {id}`)").format(
                             id=claim.id, what=what, on=claim.paid_on))


def _event_text(ev: LoanEventRow) -> str:
    """``event #7 (loss 80,000.00 on 2025-03-01)``, the event's type in the reader's words."""
    return _("event #{id} ({event} {amount} on {on})").format(
        id=ev.id, event=event_words(ev.event), amount=format_grouped(ev.amount_fen), on=ev.occurred_on)


def _replay(loan: LoanRow, events: Sequence[LoanEventRow], without: int) -> LoanState:
    """The loan's state from its live events but ``without``; refused if one no longer follows."""
    state = LoanState(loan.principal_fen)
    for ev in events:
        if ev.id == without:
            continue
        try:
            state = apply_event(state, EventType(ev.event), ev.amount_fen)
        except EventRefused as exc:
            raise ZkdError(_("without event #{without}, {event} of loan {loan_no} no longer "
                             "follows ({reason}); withdraw event #{id} first").format(
                                 without=without, event=_event_text(ev), loan_no=loan.loan_no,
                                 reason=exc, id=ev.id)) from None
    return state


def _mark(row: LoanRow | LoanEventRow, actor: Actor, reason: str, at: dt.datetime) -> None:
    """Mark ``row`` withdrawn at ``at`` (one moment for a loan and its events), today."""
    row.withdrawn_at = at
    row.withdrawn_on = actor.today()
    row.withdrawn_by = actor.operator
    row.withdrawn_reason = reason


def _live_events(uow: UnitOfWork, loan: LoanRow) -> list[LoanEventRow]:
    return list(uow.s.execute(select(LoanEventRow).where(
        LoanEventRow.loan_id == loan.id, LIVE_EVENT).order_by(LoanEventRow.id)).scalars())


def _claim_of(uow: UnitOfWork, event: LoanEventRow) -> ClaimRow | None:
    return uow.s.execute(select(ClaimRow).where(
        ClaimRow.loss_event_id == event.id)).scalar_one_or_none()


def withdraw_event(uow: UnitOfWork, actor: Actor, event_id: int, reason: str) -> Withdrawal:
    """Withdraw one event (see the module docstring for what it touches and what stops it).

    Raises:
        NotFound: no event ``event_id``.
        ZkdError: no reason; already withdrawn; a claim depending on it is approved
            or paid; a later event of the loan would no longer follow.
    """
    reason = _reason(reason)
    uow.lock_ledger()  # one writer at a time: check, then act, under the lock
    event = uow.s.get(LoanEventRow, event_id)
    if event is None:
        raise NotFound(_("no event #{id}; see `zkd events list --loan LOAN_NO`").format(
            id=event_id))
    loan = uow.s.get(LoanRow, event.loan_id)
    assert loan is not None, "an event's loan exists (foreign key)"
    if event.withdrawn_on is not None:
        raise ZkdError(_("event #{id} was already withdrawn on {on} by {by}").format(
            id=event_id, on=event.withdrawn_on, by=event.withdrawn_by))
    what = _("{event} of loan {loan_no}").format(event=_event_text(event), loan_no=loan.loan_no)
    out = Withdrawal(loan.institution_code, loan.loan_no, actor.today(), events=[event.id])
    recompute: list[ClaimRow] = []
    share: RecoveryShareRow | None = None
    if event.event == EventType.LOSS.value:
        claim = _claim_of(uow, event)
        if claim is not None:
            _refuse_claim(claim, what)
    elif event.event == EventType.RECOVERY.value:
        share = uow.s.execute(select(RecoveryShareRow).where(
            RecoveryShareRow.event_id == event.id)).scalar_one_or_none()
        if share is not None:
            if share.returned_entry is not None:
                raise ZkdError(_("the reserve's share of {what}, {share}, was returned on {on} "
                                 "(journal entry #{seq}); the recovery cannot be withdrawn").format(
                                     what=what, share=format_grouped(share.share_fen),
                                     on=share.returned_on, seq=share.returned_entry))
        else:
            claim = claim_for_recovery(uow, event)
            if claim is not None:
                _refuse_claim(claim, what)
                recompute.append(claim)
    state = _replay(loan, _live_events(uow, loan), without=event.id)
    if share is not None and share.owed_entry is not None:
        out.entries.append(entries.reverse(
            uow, actor, share.owed_entry, actor.today(), key=f"recovery:{event.id}:withdraw",
            memo=f"冲销应收追偿返还款：追偿回收事件#{event.id}（贷款{loan.loan_no}）已撤回：{reason}",
        ).seq)
    _mark(event, actor, reason, actor.now())
    loan.outstanding_fen, loan.overdue_fen = state.outstanding, state.overdue
    out.outstanding, out.overdue = state.outstanding, state.overdue
    if event.event == EventType.LOSS.value:
        claim = _claim_of(uow, event)
        if claim is not None and claim.status == SUBMITTED:
            uow.claims.save(uow.claims.get(claim.id, lock=False).withdraw())
            out.claims_withdrawn.append(claim.id)
    for claim in recompute:
        claim.recovered_before_fen = max(0, claim.recovered_before_fen - event.amount_fen)
    uow.s.flush()
    out.claims_recomputed += _recompute(uow, recompute)
    if event.event == EventType.LOSS.value:
        out.claims_recomputed += _recompute(uow, _later_claims(uow, loan, event.id))
    return out


def withdraw_loan(uow: UnitOfWork, actor: Actor, loan_no: str, reason: str,
                  institution: str | None = None) -> Withdrawal:
    """Withdraw a loan with all its events (see the module docstring).

    Raises:
        NotFound: no live loan ``loan_no``.
        ZkdError: no reason; several institutions filed that number; a claim on the
            loan is approved or paid.
    """
    reason = _reason(reason)
    uow.lock_ledger()
    loan = find_loan(uow, loan_no, institution)
    claims = list(uow.s.execute(select(ClaimRow).where(ClaimRow.loan_id == loan.id)
                                .order_by(ClaimRow.id)).scalars())
    for claim in claims:
        _refuse_claim(claim, _("loan {loan_no} of {institution}").format(
            loan_no=loan.loan_no, institution=loan.institution_code))
    out = Withdrawal(loan.institution_code, loan.loan_no, actor.today(), loan_withdrawn=True)
    events = _live_events(uow, loan)
    at = actor.now()
    for ev in events:
        _mark(ev, actor, reason, at)
        out.events.append(ev.id)
    for claim in claims:
        if claim.status == SUBMITTED:
            uow.claims.save(uow.claims.get(claim.id, lock=False).withdraw())
            out.claims_withdrawn.append(claim.id)
    _mark(loan, actor, reason, at)
    uow.s.flush()
    losses = [ev.id for ev in events if ev.event == EventType.LOSS.value]
    if losses:
        out.claims_recomputed += _recompute(uow, _later_claims(uow, loan, min(losses)))
    return out


def _later_claims(uow: UnitOfWork, loan: LoanRow, after_event: int) -> list[ClaimRow]:
    """Submitted claims of the loan's enterprise whose loss was filed after ``after_event``."""
    return list(uow.s.execute(
        select(ClaimRow).join(LoanRow, LoanRow.id == ClaimRow.loan_id)
        .where(LoanRow.credit_code == loan.credit_code, ClaimRow.status == SUBMITTED,
               ClaimRow.loss_event_id > after_event)
        .order_by(ClaimRow.loss_event_id)).scalars())


def _recompute(uow: UnitOfWork, claims: Sequence[ClaimRow]) -> list[Recomputed]:
    """Compute ``claims`` again (in filing order) with what they were computed with."""
    out: list[Recomputed] = []
    computed_with = ClaimPolicies(uow)
    for claim in claims:
        event = uow.s.get(LoanEventRow, claim.loss_event_id)
        loan = uow.s.get(LoanRow, claim.loan_id)
        assert event is not None and loan is not None
        comp = compute(uow, computed_with.stored(claim), event, loan, claim.recovered_before_fen)
        if comp.amount != claim.amount_fen:
            out.append(Recomputed(claim.id, claim.amount_fen, comp.amount))
        _set_computation(claim, comp)
        uow.s.flush()
    return out
