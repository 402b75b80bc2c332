"""What `zkd verify` checks about claims: losses, caps, shares and their entries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, or_, select

from zhengkedai.db.ledger_repo import LedgerRepo, closed_month
from zhengkedai.db.live import LIVE_EVENT
from zhengkedai.db.models import (
    ClaimRow,
    LineRow,
    LoanEventRow,
    LoanRow,
    RecoveryShareRow,
)
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.compensation import (
    InstitutionYear,
    claim_year,
    compute_claim,
    counts_toward_caps,
    has_yearly_cap,
    per_loan_cap,
    yearly_cap_limit,
)
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.loans import EventType, event_words
from zhengkedai.domain.money import Fen, format_grouped
from zhengkedai.domain.periods import period_of, previous_period
from zhengkedai.domain.policy_trace import ClaimComputation
from zhengkedai.domain.workflow import status_words
from zhengkedai.i18n import N_, _
from zhengkedai.services import institutions, portfolio
from zhengkedai.services.audit.records import WITHOUT_TRACE
from zhengkedai.services.claims import entries
from zhengkedai.services.claims.computation import (
    APPROVED,
    PAID,
    REJECTED,
    WITHDRAWN,
    ClaimPolicies,
    to_loan,
)

APPROVAL, PAYMENT = N_("approval"), N_("payment")  # a claim's entries, named in problems


def check_claims(uow: UnitOfWork) -> list[str]:
    """Every claim's loss the amount of its loss event, on its loan; every claim
    within that loss and its policy version's per-loan cap; each institution's
    claims of a year within a yearly cap, where their version has one; shares
    within what was paid; approved and paid claims' journal entries matching
    their amounts. (Status against the journal: :mod:`.records`.)"""
    problems: list[str] = []
    computed_with = ClaimPolicies(uow)
    per_loan: dict[int, tuple[Fen, Fen | None, str]] = {}
    per_year: dict[tuple[str, int], tuple[Fen, Fen]] = {}  # (institution, year) -> total, limit
    balances: dict[int, dict[str, Fen]] = {}  # year -> institution -> prior-year balance
    shares: dict[int, int] = {cid: int(total) for cid, total in uow.s.execute(
        select(RecoveryShareRow.claim_id, func.sum(RecoveryShareRow.share_fen))
        .join(LoanEventRow, LoanEventRow.id == RecoveryShareRow.event_id).where(LIVE_EVENT)
        .group_by(RecoveryShareRow.claim_id)).all()}
    booked = _booked_on_payables(uow)
    for claim, loan_no, owner, disbursed_on, kind, event_loan, event_amount, loss_on in \
            uow.s.execute(
                select(ClaimRow, LoanRow.loan_no, LoanRow.institution_code, LoanRow.disbursed_on,
                       LoanEventRow.event, LoanEventRow.loan_id, LoanEventRow.amount_fen,
                       LoanEventRow.occurred_on)
                .join(LoanRow, LoanRow.id == ClaimRow.loan_id)
                .join(LoanEventRow, LoanEventRow.id == ClaimRow.loss_event_id)
                .order_by(ClaimRow.id).options(WITHOUT_TRACE).execution_options(yield_per=1000)):
        # named only when there is a problem (the words cost more than the checks)
        def name(claim: ClaimRow = claim, loan_no: str = loan_no) -> str:
            return _("claim #{id} (loan {loan})").format(id=claim.id, loan=loan_no)

        # the claim's loss is a copy of its event's: the event is what the bank filed
        if (kind, event_loan, event_amount) != ("loss", claim.loan_id, claim.loss_fen):
            problems.append(_("{name}: loss {loss}, but its loss event #{event} is a {kind} of "
                              "{amount} on loan #{loan}").format(
                name=name(), loss=format_grouped(claim.loss_fen), event=claim.loss_event_id,
                kind=event_words(kind), amount=format_grouped(event_amount),
                loan=event_loan))
        if claim.institution_code != owner:
            problems.append(_("{name}: institution {institution}, but the loan is "
                              "{owner}'s").format(name=name(), institution=claim.institution_code,
                                                  owner=owner))
        net = max(0, claim.loss_fen - claim.recovered_before_fen)
        if not 0 <= claim.amount_fen <= net:
            problems.append(_("{name}: amount {amount} is outside 0–{net}, its loss net of "
                              "recoveries").format(name=name(),
                                                   amount=format_grouped(claim.amount_fen),
                                                   net=format_grouped(net)))
        version = computed_with.stored(claim).policy.version_on(disbursed_on)
        if counts_toward_caps(claim.status):
            total, cap, _loan_no = per_loan.get(claim.loan_id, (0, None, ""))
            caps = [c for c in (per_loan_cap(version), cap) if c is not None]
            per_loan[claim.loan_id] = (total + claim.amount_fen, min(caps, default=None), loan_no)
            if has_yearly_cap(version):
                year = claim_year(loss_on)
                if year not in balances:
                    balances[year] = {code: f.outstanding for code, f in portfolio.by_institution(
                        uow, dt.date(year - 1, 12, 31)).items()}
                limit = yearly_cap_limit(version, balances[year].get(claim.institution_code, 0))
                assert limit is not None
                key = (claim.institution_code, year)
                total, known = per_year.get(key, (0, limit))
                per_year[key] = (total + claim.amount_fen, min(known, limit))
        owed = shares.get(claim.id, 0)
        paid = claim.amount_fen if claim.status == PAID else 0
        if owed > paid:
            problems.append(_("{name}: recovery shares {owed} exceed what the reserve paid, "
                              "{paid}").format(name=name(), owed=format_grouped(owed),
                                               paid=format_grouped(paid)))
        checks = []
        if claim.status in (APPROVED, PAID) and claim.amount_fen > 0:
            checks.append((APPROVAL, claim.approve_entry, -claim.amount_fen))
        if claim.status == PAID:
            checks.append((PAYMENT, claim.pay_entry, claim.amount_fen))
        payable = entries.payable(claim.institution_code) if checks else ""
        for what, seq, expected in checks:
            on_payable = booked.get((seq, payable), 0) if seq is not None else None
            if on_payable != expected:
                problems.append(_("{name}: its {what} entry {seq} does not book {amount} on "
                                  "{account}").format(
                    name=name(), what=_(what), seq="#" + str(seq) if seq else _("(missing)"),
                    amount=format_grouped(abs(expected)), account=payable))
    for total, cap, loan_no in per_loan.values():
        if cap is not None and total > cap:
            problems.append(_("loan {loan}: claims total {total}, above the per-loan cap "
                              "{cap}").format(loan=loan_no, total=format_grouped(total),
                                              cap=format_grouped(cap)))
    for (code, year), (total, limit) in sorted(per_year.items()):
        if total > limit:
            problems.append(_("institution {code}: claims of {year} under a yearly cap total "
                              "{total}, above that cap, {limit}").format(
                code=code, year=year, total=format_grouped(total), limit=format_grouped(limit)))
    return problems




def _booked_on_payables(uow: UnitOfWork) -> dict[tuple[int, str], Fen]:
    """What each claim's approval and payment entry books on each payable account.

    One query for all claims (it was two per approved or paid claim).
    """
    seqs = select(ClaimRow.approve_entry).where(ClaimRow.approve_entry.is_not(None)).union(
        select(ClaimRow.pay_entry).where(ClaimRow.pay_entry.is_not(None))).subquery()
    rows = uow.s.execute(
        select(LineRow.entry_seq, LineRow.account_code, func.sum(LineRow.amount_fen))
        .where(LineRow.entry_seq.in_(select(seqs.c[0])))
        .group_by(LineRow.entry_seq, LineRow.account_code))
    return {(seq, code): int(total) for seq, code, total in rows}


def check_claim_amounts(uow: UnitOfWork) -> list[str]:
    """Each claim's amount recomputed from its stored policy and inputs (the rule itself,
    :func:`~zhengkedai.domain.compensation.compute_claim`, given the facts
    :func:`zhengkedai.services.claims.computation.compute` gives it, gathered for all
    claims in one pass by :func:`recomputed`).

    What is compared: the stored amount must not exceed what ``compute`` gives from
    the facts the database holds now — the claim's loss event and loan, its stored
    policy, its recoveries before payment, and the claims filed before it. Over time
    those facts only move in the claimant's favour (an earlier claim lowered, rejected
    or withdrawn, or an enterprise's loss withdrawn, frees cap and threshold), so a
    paid claim, computed from the facts as they stood, may be below today's figure,
    never above it: an amount above it was raised by hand
    (say 80% of the loss made 100%). One fact can move against it: whether the
    bank was suspended when the loan was made is settled by the close of the month
    before, and a claim may be paid before that close (the close then warns that
    the paid claim stands as paid). A paid claim is therefore not flagged when that
    close came after its payment. A lowered amount is not flagged here (paid
    amounts are held against their entries by :func:`check_claims`). Withdrawn and
    rejected claims are skipped: they pay nothing.
    """
    problems: list[tuple[int, str]] = []
    for claim, loan, expected in recomputed(uow):
        if isinstance(expected, ZkdError):
            problems.append((claim.id, _(
                "claim #{id} (loan {loan}): cannot be recomputed from its stored policy: "
                "{error}").format(id=claim.id, loan=loan.loan_no, error=expected)))
        elif claim.amount_fen > expected and \
                not _paid_before_coverage_was_settled(uow, claim, loan):
            problems.append((claim.id, _(
                "claim #{id} (loan {loan}, {status}): amount {amount}, but its stored "
                "policy and inputs give {expected}").format(
                id=claim.id, loan=loan.loan_no, status=status_words(claim.status),
                amount=format_grouped(claim.amount_fen), expected=format_grouped(expected))))
    return [text for _id, text in sorted(problems, key=lambda p: p[0])]


def recomputed(uow: UnitOfWork) -> Iterator[tuple[ClaimRow, Any, Fen | ZkdError]]:
    """Each claim neither withdrawn nor rejected, its loan (a row of the loan's columns)
    and what :func:`~zhengkedai.services.claims.computation.compute` gives it from the
    facts the database holds now (or why it cannot): in one pass over the loss events in
    filing order, the facts kept as running totals (:class:`_Facts`), no query per claim."""
    facts = _Facts(uow)
    e = LoanEventRow
    loan_columns = [c for c in LoanRow.__table__.columns if c.key != "id"]
    stream = uow.s.execute(
        select(e.id.label("event_id"), e.event, e.amount_fen.label("event_amount"),
               e.occurred_on, e.withdrawn_at.label("event_withdrawn_at"), ClaimRow,
               LoanRow.id.label("loan_id"), *loan_columns)
        .join(LoanRow, LoanRow.id == e.loan_id)
        .outerjoin(ClaimRow, ClaimRow.loss_event_id == e.id)
        .where(or_(e.event == EventType.LOSS.value, ClaimRow.id.is_not(None)))
        .order_by(e.id).options(WITHOUT_TRACE).execution_options(yield_per=1000))
    for row in stream:  # what each claim saw when filed, then the claim itself
        claim: ClaimRow | None = row.ClaimRow
        if claim is not None and claim.status not in (WITHDRAWN, REJECTED):
            try:
                expected: Fen | ZkdError = facts.compute(claim, row).amount
            except ZkdError as exc:
                expected = exc
            yield claim, row, expected
        facts.add(claim, row)


class _Facts:
    """The facts :func:`~zhengkedai.services.claims.computation.compute` reads for a loss
    event, kept as running totals over the loss events in filing order (id), so every
    claim is recomputed in one pass without a query of its own:

    - a firm's losses filed before (every live loss event of its credit code, net of
      the recoveries before payment on its claim): ``enterprise_losses``;
    - the claims on the loan filed before, counted toward caps: ``on_loan``;
    - the institution's claims of the loss's year filed before, counted, computed
      under a version with a yearly cap: ``yearly_cap_claims``; with its balance at
      the end of the year before (:func:`.computation.prior_year_balance`, once per year for
      all institutions) and its suspension status (once per institution and month).
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.policies = ClaimPolicies(uow)
        self.firm: dict[str, Fen] = defaultdict(int)
        self.loan: dict[int, Fen] = defaultdict(int)
        self.year: dict[tuple[str, int], Fen] = defaultdict(int)
        self.balances: dict[int, dict[str, Fen]] = {}  # year -> institution -> balance
        self.suspended: dict[tuple[str, str], bool] = {}

    def compute(self, claim: ClaimRow, row: Any) -> ClaimComputation:
        stored = self.policies.stored(claim)
        loan = to_loan(row)
        version = stored.policy.version_on(loan.disbursed_on)
        usage = None
        if has_yearly_cap(version):
            key = (loan.institution_code, claim_year(row.occurred_on))
            usage = InstitutionYear(self.year[key], self._balance(*key))
        month = (loan.institution_code, period_of(loan.disbursed_on))
        if month not in self.suspended:
            self.suspended[month] = institutions.is_suspended(
                self.uow, loan.institution_code, loan.disbursed_on)
        return compute_claim(
            stored.policy, loan, row.event_amount,
            enterprise_eligible=not version.eligibility.problems(loan.enterprise),
            institution_suspended=self.suspended[month],
            recovered_before_payment=claim.recovered_before_fen,
            enterprise_other_losses=self.firm[loan.enterprise.credit_code],
            loan_compensated_before=self.loan[row.loan_id],
            institution_year=usage)

    def _balance(self, institution: str, year: int) -> Fen:
        """:func:`prior_year_balance`, every institution's of a year in one query."""
        if year not in self.balances:
            self.balances[year] = {code: f.outstanding for code, f in portfolio.by_institution(
                self.uow, dt.date(year - 1, 12, 31)).items()}
        return self.balances[year].get(institution, 0)

    def add(self, claim: ClaimRow | None, row: Any) -> None:
        """Count loss event ``row`` and its claim in what later claims see."""
        if row.event == EventType.LOSS.value and row.event_withdrawn_at is None:
            recovered = claim.recovered_before_fen if claim is not None else 0
            self.firm[row.credit_code] += max(0, int(row.event_amount) - int(recovered))
        if claim is None or not counts_toward_caps(claim.status):
            return
        self.loan[row.loan_id] += claim.amount_fen
        version = self.policies.version(claim, row.disbursed_on)
        if version is not None and has_yearly_cap(version):
            self.year[(claim.institution_code, claim_year(row.occurred_on))] += claim.amount_fen


def _paid_before_coverage_was_settled(uow: UnitOfWork, claim: ClaimRow, loan: Any) -> bool:
    """Whether ``claim`` was paid before the close that settled its bank's suspension
    status for the loan's disbursement month (the close of the month before)."""
    if claim.status != PAID or claim.pay_entry is None:
        return False
    close = closed_month(uow, previous_period(period_of(loan.disbursed_on)))
    paid_at = LedgerRepo(uow).entry(claim.pay_entry).created_at
    return close is None or close.closed_at > paid_at
