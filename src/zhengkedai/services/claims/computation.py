"""Compensation claims (损失补偿申请): opened by loss events, lowered or shared by recoveries.

A confirmed loss (损失确认) opens one claim (:func:`open_claim`), computed by the
policy engine (:func:`~zhengkedai.domain.compensation.compute_claim`) from the
facts the database holds, and stored with its full trace and the stored policy
content it used (``policy_id``), so it can be recomputed at any time. A claim
is not money until approved: opening one writes no journal entry. The workflow
(approve, reject, pay, returned recoveries) is in :mod:`zhengkedai.services.claims.workflow`.

Facts passed to the engine, for a loss event E on loan L of institution I:

- eligibility of L's enterprise on the disbursement date (the version's
  ``eligibility`` parameters) and whether I was suspended on that date;
- the enterprise's other confirmed losses: every loss event on any loan with
  the same credit code (any institution) *filed before E*, each net of the
  recoveries before payment recorded on its claim;
- compensation already granted on L: claims on L filed before E, not rejected;
- for a yearly institution cap: the claims of I whose loss fell in E's year,
  filed before E, not rejected, and computed under a policy version that has
  the cap (新老划断: a loan under older rules neither is capped by it nor uses
  it up), and I's outstanding programme principal at the end of the previous
  year.

"Filed before E" is the order of the loss events' ids, whatever their dates. A
loss filed late with an earlier date therefore counts everything already
filed, so it cannot reopen a threshold or a cap that earlier claims have used
up (ordering by date let it: two back-dated claims could each see the other
as "later"). Recomputing a claim (after a recovery, or in a replay) sees the
same facts as when it was opened.

A recovery (:func:`record_recovery`) goes to the loan's latest claim, not
rejected, whose loss is on or before the recovery date. While that claim is
unpaid it lowers the loss the claim is computed on (an approved claim's
payable is adjusted: the approval entry is reversed and a new one posted).
Once paid, the reserve's pro-rata share (:func:`~zhengkedai.domain.compensation.recovery_share`)
is owed by the institution: Dr ``reserve:recovery_receivable:<I>`` / Cr
``reserve:recovery_income``, stored in ``recovery_shares``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from zhengkedai.context import Actor
from zhengkedai.db.live import LIVE_EVENT
from zhengkedai.db.models import ClaimRow, LoanEventRow, LoanRow, RecoveryShareRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.compensation import (
    NOT_COUNTED,
    InstitutionYear,
    claim_year,
    compute_claim,
    has_yearly_cap,
    recovery_share,
)
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.loans import Enterprise, EventType, Loan, LoanType, event_words
from zhengkedai.domain.money import Fen, format_plain
from zhengkedai.domain.policy import PolicyError, PolicyVersion
from zhengkedai.domain.policy_trace import ClaimComputation, steps_json
from zhengkedai.domain.workflow import Status
from zhengkedai.i18n import _
from zhengkedai.services import institutions, policies, portfolio
from zhengkedai.services.claims import entries

SUBMITTED, APPROVED, PAID, REJECTED = (Status.SUBMITTED, Status.APPROVED, Status.PAID,
                                       Status.REJECTED)
WITHDRAWN = Status.WITHDRAWN  # its loss was withdrawn (撤回) while the claim was unpaid
STATUSES = tuple(s.value for s in (SUBMITTED, APPROVED, PAID, REJECTED, WITHDRAWN))
# a claim that counts (for caps, thresholds, recoveries): neither rejected nor withdrawn
COUNTED = ClaimRow.status.not_in(NOT_COUNTED)


def to_loan(row: LoanRow) -> Loan:
    """The domain loan a stored loan row describes."""
    return Loan(
        institution_code=row.institution_code,
        loan_no=row.loan_no,
        enterprise=Enterprise(
            credit_code=row.credit_code, name=row.enterprise_name, district=row.district,
            revenue_prev_year=row.revenue_prev_year_fen, high_tech=row.high_tech,
            profitable_two_years=row.profitable_two_years,
            research_cooperation=row.research_cooperation,
        ),
        loan_type=LoanType(row.loan_type),
        collateral_value=row.collateral_value_fen,
        principal=row.principal_fen,
        annual_rate=row.annual_rate,
        disbursed_on=row.disbursed_on,
        maturity_on=row.maturity_on,
        guarantor_code=row.guarantor_code,
        guarantee_fee=row.guarantee_fee_fen,
    )


def _before(event: LoanEventRow):  # type: ignore[no-untyped-def]
    """SQL: events filed before ``event`` (see the module docstring)."""
    return LoanEventRow.id < event.id


def compute(uow: UnitOfWork, stored: policies.StoredPolicy, event: LoanEventRow,
            loan_row: LoanRow, recovered_before: Fen,
            amounts: Mapping[int, Fen] | None = None) -> ClaimComputation:
    """Compute the claim of loss ``event`` under ``stored`` from the database's facts.

    Args:
        recovered_before: recoveries on this loss received before payment.
        amounts: replayed amounts of other claims by id (what-if); stored amounts otherwise.
    """
    s = uow.s
    loan = to_loan(loan_row)
    version = stored.policy.version_on(loan.disbursed_on)

    def amount_of(claim: ClaimRow) -> Fen:
        return amounts.get(claim.id, claim.amount_fen) if amounts is not None else claim.amount_fen

    enterprise_other = enterprise_losses(uow, loan_row.credit_code, _before(event))
    on_loan = s.execute(
        select(ClaimRow).join(LoanEventRow, LoanEventRow.id == ClaimRow.loss_event_id)
        .where(COUNTED, _before(event), ClaimRow.loan_id == loan_row.id)).scalars().all()
    usage = None
    if has_yearly_cap(version):
        year = claim_year(event.occurred_on)
        counted = ClaimPolicies(uow, stored if amounts is not None else None)
        capped = yearly_cap_claims(uow, loan_row.institution_code, year, _before(event), counted)
        usage = InstitutionYear(sum(amount_of(c) for c, _ in capped),
                                prior_year_balance(uow, loan_row.institution_code, year))
    return compute_claim(
        stored.policy, loan, event.amount_fen,
        enterprise_eligible=not version.eligibility.problems(loan.enterprise),
        institution_suspended=institutions.is_suspended(
            uow, loan_row.institution_code, loan.disbursed_on),
        recovered_before_payment=recovered_before,
        enterprise_other_losses=enterprise_other,
        loan_compensated_before=sum(amount_of(c) for c in on_loan),
        institution_year=usage,
    )


def enterprise_losses(uow: UnitOfWork, credit_code: str, which) -> Fen:  # type: ignore[no-untyped-def]
    """A firm's confirmed losses across the programme among the loss events ``which``
    (an SQL condition), each net of the recoveries before payment on its claim."""
    found = uow.s.execute(
        select(LoanEventRow.amount_fen, ClaimRow.recovered_before_fen)
        .join(LoanRow, LoanRow.id == LoanEventRow.loan_id)
        .outerjoin(ClaimRow, ClaimRow.loss_event_id == LoanEventRow.id)
        .where(LoanRow.credit_code == credit_code, LoanEventRow.event == EventType.LOSS.value,
               LIVE_EVENT, which)
    ).all()
    return sum(max(0, int(a) - int(r or 0)) for a, r in found)


def yearly_cap_claims(uow: UnitOfWork, institution: str, year: int, which,  # type: ignore[no-untyped-def]
                      counted: ClaimPolicies) -> list[tuple[ClaimRow, PolicyVersion]]:
    """The institution's claims that use up its yearly cap of ``year``, with the
    version each was computed under: among the loss events ``which`` (an SQL
    condition), claims counted toward caps whose loss was confirmed in the year
    (:func:`~zhengkedai.domain.compensation.claim_year`) and whose version has a
    yearly cap (新老划断: a loan under older rules neither is held to it nor uses it up)."""
    rows = uow.s.execute(
        select(ClaimRow, LoanRow.disbursed_on)
        .join(LoanEventRow, LoanEventRow.id == ClaimRow.loss_event_id)
        .join(LoanRow, LoanRow.id == ClaimRow.loan_id)
        .where(ClaimRow.institution_code == institution, COUNTED,
               LoanEventRow.occurred_on >= dt.date(year, 1, 1),
               LoanEventRow.occurred_on <= dt.date(year, 12, 31), which)
        .order_by(ClaimRow.id)).all()
    found = []
    for claim, disbursed in rows:
        version = counted.version(claim, disbursed)
        if version is not None and has_yearly_cap(version):
            found.append((claim, version))
    return found


def prior_year_balance(uow: UnitOfWork, institution: str, year: int) -> Fen:
    """The institution's programme loan balance at the end of the year before ``year``,
    which a yearly cap may be a share of."""
    prior = portfolio.by_institution(uow, dt.date(year - 1, 12, 31)).get(institution)
    return prior.outstanding if prior else 0


class ClaimPolicies:
    """The stored policy each claim was computed with, each loaded once.

    For the claims of a loop (a year's claims, a close's, verify's), so the
    same stored policy is not read and rebuilt for every claim. In a replay
    (``what_if``) every claim is taken as computed with the policy being tried.
    """

    def __init__(self, uow: UnitOfWork, what_if: policies.StoredPolicy | None = None) -> None:
        self.uow, self.what_if = uow, what_if
        self._stored: dict[int, policies.StoredPolicy] = {}

    def stored(self, claim: ClaimRow) -> policies.StoredPolicy:
        if self.what_if is not None:
            return self.what_if
        if claim.policy_id not in self._stored:
            self._stored[claim.policy_id] = policies.by_id(self.uow, claim.policy_id)
        return self._stored[claim.policy_id]

    def version(self, claim: ClaimRow, disbursed_on: dt.date) -> PolicyVersion | None:
        """The version the claim's policy gives its loan's disbursement date, if any."""
        try:
            return self.stored(claim).policy.version_on(disbursed_on)
        except PolicyError:
            return None



def trace_json(comp: ClaimComputation) -> str:
    return steps_json(comp.steps)


def _set_computation(claim: ClaimRow, comp: ClaimComputation) -> None:
    claim.amount_fen = comp.amount
    claim.policy_name = comp.policy_name
    claim.policy_version = comp.policy_version
    claim.trace = trace_json(comp)



def open_claim(uow: UnitOfWork, actor: Actor, event_row: LoanEventRow) -> ClaimRow:
    """Open the claim of a loss event (already flushed), computed by the active policy.

    The claim is ``submitted`` on the loss date; no journal entry is written.
    Opening the claim of an event that already has one returns that claim.

    Raises:
        ZkdError: the event is not a loss.
        PolicyError: no policy version covers the loan's disbursement date.
    """
    if event_row.event != EventType.LOSS.value:
        raise ZkdError(_("event #{id} is a {event}, not a loss; no claim").format(
            id=event_row.id, event=event_words(event_row.event)))
    existing = uow.s.execute(
        select(ClaimRow).where(ClaimRow.loss_event_id == event_row.id)).scalar_one_or_none()
    if existing is not None:
        return existing
    loan_row = uow.s.get(LoanRow, event_row.loan_id)
    assert loan_row is not None, "an event's loan exists (foreign key)"
    stored = policies.active(uow, actor)
    comp = compute(uow, stored, event_row, loan_row, 0)
    claim = ClaimRow(
        loan_id=loan_row.id, loss_event_id=event_row.id,
        institution_code=loan_row.institution_code, loss_fen=event_row.amount_fen,
        recovered_before_fen=0, status=SUBMITTED, policy_id=stored.row_id,
        submitted_on=event_row.occurred_on,
        amount_fen=0, policy_name="", policy_version="", trace="[]",
    )
    _set_computation(claim, comp)
    uow.s.add(claim)
    uow.s.flush()
    return claim


@dataclass(frozen=True)
class RecoveryOutcome:
    """What a recovery did: lowered an unpaid claim, made a share owed, or nothing."""

    claim_id: int | None
    effect: str  # "claim_lowered" | "share_owed" | "none"
    amount_before: Fen = 0
    amount_after: Fen = 0
    share: Fen = 0
    note: str = ""


def claim_for_recovery(uow: UnitOfWork, event_row: LoanEventRow) -> ClaimRow | None:
    """The loan's latest claim, not rejected or withdrawn, whose loss is on or before the
    recovery date."""
    return uow.s.execute(
        select(ClaimRow).join(LoanEventRow, LoanEventRow.id == ClaimRow.loss_event_id)
        .where(ClaimRow.loan_id == event_row.loan_id, COUNTED,
               LoanEventRow.occurred_on <= event_row.occurred_on)
        .order_by(LoanEventRow.occurred_on.desc(), LoanEventRow.id.desc()).limit(1)
    ).scalar_one_or_none()


def record_recovery(uow: UnitOfWork, actor: Actor, event_row: LoanEventRow) -> RecoveryOutcome:
    """Apply a recovery event (already flushed) to its claim (see the module docstring).

    Raises:
        ZkdError: the event is not a recovery, or the loan has no claim for it.
        InvariantViolation: an adjusting entry would fall in a closed month.
    """
    if event_row.event != EventType.RECOVERY.value:
        raise ZkdError(_("event #{id} is a {event}, not a recovery").format(
            id=event_row.id, event=event_words(event_row.event)))
    done = uow.s.execute(select(RecoveryShareRow).where(
        RecoveryShareRow.event_id == event_row.id)).scalar_one_or_none()
    if done is not None:
        return RecoveryOutcome(done.claim_id, "share_owed", share=done.share_fen,
                               note="already recorded")
    claim = claim_for_recovery(uow, event_row)
    if claim is None:
        rejected = uow.s.execute(select(ClaimRow.id).where(
            ClaimRow.loan_id == event_row.loan_id, ClaimRow.status == REJECTED)
            .order_by(ClaimRow.id.desc()).limit(1)).scalar_one_or_none()
        if rejected is not None:
            return RecoveryOutcome(rejected, "none", note="the claim was rejected; nothing owed")
        loan = uow.s.get(LoanRow, event_row.loan_id)
        loan_no = loan.loan_no if loan else event_row.loan_id
        raise ZkdError(_("recovery on loan {loan_no}: no open claim for a loss on or before "
                         "{on}").format(loan_no=loan_no, on=event_row.occurred_on))
    if claim.status in (SUBMITTED, APPROVED):
        return _lower_unpaid(uow, actor, claim, event_row)
    return _share_after_payment(uow, actor, claim, event_row)


def _lower_unpaid(uow: UnitOfWork, actor: Actor, claim: ClaimRow, event: LoanEventRow
                  ) -> RecoveryOutcome:
    before = claim.amount_fen
    claim.recovered_before_fen += event.amount_fen
    loss_event = uow.s.get(LoanEventRow, claim.loss_event_id)
    loan_row = uow.s.get(LoanRow, claim.loan_id)
    assert loss_event is not None and loan_row is not None
    comp = compute(uow, policies.by_id(uow, claim.policy_id), loss_event, loan_row,
                   claim.recovered_before_fen)
    _set_computation(claim, comp)
    uow.s.flush()
    if claim.status == APPROVED and comp.amount != before:
        uow.claims.save(entries.readjust_approval(
            uow, actor, uow.claims.get(claim.id, lock=False), event))
    return RecoveryOutcome(claim.id, "claim_lowered", before, comp.amount,
                           note=f"recovered before payment {format_plain(event.amount_fen)}")


def _share_after_payment(uow: UnitOfWork, actor: Actor, claim: ClaimRow, event: LoanEventRow
                         ) -> RecoveryOutcome:
    already = uow.s.execute(
        select(func.coalesce(func.sum(RecoveryShareRow.share_fen), 0))
        .join(LoanEventRow, LoanEventRow.id == RecoveryShareRow.event_id)
        .where(RecoveryShareRow.claim_id == claim.id, LIVE_EVENT)).scalar_one()
    net_loss = max(0, claim.loss_fen - claim.recovered_before_fen)
    share = recovery_share(event.amount_fen, claim.amount_fen, net_loss, int(already))
    row = RecoveryShareRow(claim_id=claim.id, event_id=event.id, share_fen=share)
    uow.s.add(row)
    uow.s.flush()
    if share > 0:
        row.owed_entry = entries.post_share_owed(
            uow, actor, uow.claims.get(claim.id, lock=False), event, share).seq
        uow.s.flush()
    return RecoveryOutcome(claim.id, "share_owed", claim.amount_fen, claim.amount_fen, share)


# --- a close that changes an institution's status -----------------------------

@dataclass(frozen=True)
class Recomputed:
    """A claim computed again because a close changed its institution's status."""

    claim_id: int
    institution: str
    loan_no: str
    status: str
    amount_before: Fen
    amount_after: Fen
    changed: bool  # False for a paid claim: it stands, and is reported


def recompute_after_close(uow: UnitOfWork, actor: Actor, period: str, since: dt.date,
                          codes: Sequence[str], why: Mapping[str, str]) -> list[Recomputed]:
    """Compute again the claims on ``codes``' loans disbursed on or after ``since``.

    The close of ``period`` has just decided those institutions' status from
    ``since`` (the next month's first day) differently from what the claims
    assumed when they were opened: a loan disbursed after a month's end is
    filed, and its loss claimed, before that month is closed. Unpaid claims
    take the new amount (an approved one's approval is reversed and, above
    0.00, posted again, dated today); a paid claim is left as paid and
    reported, for staff to recover by hand.
    """
    rows = uow.s.execute(
        select(ClaimRow, LoanRow, LoanEventRow)
        .join(LoanRow, LoanRow.id == ClaimRow.loan_id)
        .join(LoanEventRow, LoanEventRow.id == ClaimRow.loss_event_id)
        .where(ClaimRow.institution_code.in_(codes), LoanRow.disbursed_on >= since,
               COUNTED)
        .order_by(LoanEventRow.id)
    ).all()
    out: list[Recomputed] = []
    computed_with = ClaimPolicies(uow)
    for claim, loan_row, event in rows:
        comp = compute(uow, computed_with.stored(claim), event, loan_row,
                       claim.recovered_before_fen)
        before = claim.amount_fen
        if comp.amount == before:
            continue
        if claim.status == PAID:
            out.append(Recomputed(claim.id, claim.institution_code, loan_row.loan_no, PAID,
                                  before, comp.amount, changed=False))
            continue
        _set_computation(claim, comp)
        uow.s.flush()
        if claim.status == APPROVED:
            assert claim.approved_on is not None
            uow.claims.save(entries.readjust_after_close(
                uow, actor, uow.claims.get(claim.id, lock=False),
                max(actor.today(), claim.approved_on), period, why[claim.institution_code]))
        out.append(Recomputed(claim.id, claim.institution_code, loan_row.loan_no, claim.status,
                              before, comp.amount, changed=True))
    return out
