"""Reading claims: the register, one claim with its trace and origins, and what-if replays.

Nothing here writes. A replay recomputes every claim, in loss order, under
another policy file, each claim seeing the *replayed* amounts of the claims
before it (for the per-loan and per-institution caps), so the totals are what
the programme would have granted under that policy. Rejected claims are shown
but count in no total.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from ..db.ledger_repo import LedgerRepo
from ..db.models import ClaimRow, EntryRow, ImportFileRow, LoanEventRow, LoanRow, RecoveryShareRow
from ..db.uow import UnitOfWork
from ..domain.compensation import institution_year_limit
from ..domain.money import Fen, format_grouped, parse_yuan
from ..domain.policy import PolicyError, load_policy_text
from ..domain.policy_rules import CapPerInstitutionYearStep, CapPerLoanStep
from . import claims_entries as entries
from . import policies, portfolio, verify
from .claims import APPROVED, PAID, REJECTED, ClaimPolicies, compute
from .claims_workflow import get


def summarize_trace(steps: list[dict[str, Any]]) -> str:
    """The steps that changed the amount, e.g. ``compensation_ratio 1,000,000.00→800,000.00``."""
    parts = []
    for step in steps:
        if step["before"] != step["after"]:
            before = format_grouped(parse_yuan(step["before"]))
            after = format_grouped(parse_yuan(step["after"]))
            parts.append(f"{step['rule']} {before}→{after}")
    return "; ".join(parts) or "compensated in full: no rule lowered the loss"


@dataclass(frozen=True)
class ClaimSummary:
    id: int
    institution: str
    loan_no: str
    enterprise: str
    credit_code: str
    loss_on: Any
    loss: Fen
    recovered_before: Fen
    amount: Fen
    status: str
    policy: str
    trace_summary: str

    def as_row(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _summary(claim: ClaimRow, loan: LoanRow) -> ClaimSummary:
    return ClaimSummary(
        claim.id, claim.institution_code, loan.loan_no, loan.enterprise_name, loan.credit_code,
        claim.submitted_on, claim.loss_fen, claim.recovered_before_fen, claim.amount_fen,
        claim.status, f"{claim.policy_name}/{claim.policy_version}",
        summarize_trace(json.loads(claim.trace)),
    )


def list_claims(uow: UnitOfWork, status: str | None = None,
                institution: str | None = None) -> list[ClaimSummary]:
    """The claims register, oldest first, optionally by status and institution."""
    stmt = select(ClaimRow, LoanRow).join(LoanRow, LoanRow.id == ClaimRow.loan_id)
    if status:
        stmt = stmt.where(ClaimRow.status == status)
    if institution:
        stmt = stmt.where(ClaimRow.institution_code == institution)
    return [_summary(c, loan) for c, loan in uow.s.execute(stmt.order_by(ClaimRow.id)).all()]


@dataclass(frozen=True)
class ClaimDetail:
    summary: ClaimSummary
    claim: dict[str, Any]
    loan: dict[str, Any]
    event: dict[str, Any]
    trace: list[dict[str, Any]]
    recovery_shares: list[dict[str, Any]]
    entries: list[dict[str, Any]]


def detail(uow: UnitOfWork, claim_id: int) -> ClaimDetail:
    """One claim with its full trace, its loan and enterprise, its loss event, file and row."""
    claim = get(uow, claim_id)
    loan = uow.s.get(LoanRow, claim.loan_id)
    event = uow.s.get(LoanEventRow, claim.loss_event_id)
    assert loan is not None and event is not None
    file = uow.s.get(ImportFileRow, event.file_id)
    shares = []
    for share, ev in uow.s.execute(
        select(RecoveryShareRow, LoanEventRow)
        .join(LoanEventRow, LoanEventRow.id == RecoveryShareRow.event_id)
        .where(RecoveryShareRow.claim_id == claim.id).order_by(RecoveryShareRow.id)
    ).all():
        shares.append({"event_id": ev.id, "recovered_on": ev.occurred_on,
                       "recovery": ev.amount_fen, "share": share.share_fen,
                       "owed_entry": share.owed_entry, "returned_on": share.returned_on,
                       "returned_entry": share.returned_entry})
    rows = uow.s.execute(
        select(EntryRow).where(EntryRow.source_ref.startswith(f"claim:{claim.id} ",
                                                              autoescape=True))
        .order_by(EntryRow.seq)).scalars()
    entries = [{"seq": r.seq, "date": r.entry_date, "kind": r.kind, "memo": r.memo,
                "key": r.idempotency_key} for r in rows]
    return ClaimDetail(
        summary=_summary(claim, loan),
        claim={"submitted_on": claim.submitted_on, "approved_on": claim.approved_on,
               "paid_on": claim.paid_on, "rejected_reason": claim.rejected_reason,
               "decided_by": claim.decided_by, "policy_id": claim.policy_id,
               "approve_entry": claim.approve_entry, "pay_entry": claim.pay_entry},
        loan={"loan_no": loan.loan_no, "institution": loan.institution_code,
              "enterprise": loan.enterprise_name, "credit_code": loan.credit_code,
              "loan_type": loan.loan_type, "principal": loan.principal_fen,
              "disbursed_on": loan.disbursed_on, "high_tech": loan.high_tech,
              "profitable_two_years": loan.profitable_two_years,
              "revenue_prev_year": loan.revenue_prev_year_fen},
        event={"event_id": event.id, "occurred_on": event.occurred_on,
               "loss": event.amount_fen, "file_id": event.file_id,
               "file": file.filename if file else None, "row": event.file_row},
        trace=json.loads(claim.trace),
        recovery_shares=shares,
        entries=entries,
    )


@dataclass(frozen=True)
class ReplayLine:
    claim_id: int
    institution: str
    loan_no: str
    status: str
    old: Fen
    new: Fen | None  # None: the what-if policy does not cover the loan
    old_policy: str
    new_policy: str

    @property
    def difference(self) -> Fen | None:
        return None if self.new is None else self.new - self.old


@dataclass(frozen=True)
class ReplayResult:
    policy_name: str
    source: str
    lines: list[ReplayLine]

    @property
    def counted(self) -> list[ReplayLine]:
        return [line for line in self.lines if line.status != REJECTED]

    @property
    def total_old(self) -> Fen:
        return sum(line.old for line in self.counted)

    @property
    def total_new(self) -> Fen:
        return sum(line.new or 0 for line in self.counted)


def replay(uow: UnitOfWork, text: str, source: str) -> ReplayResult:
    """Recompute every claim under the policy in ``text``; nothing is written.

    A ``predecessor`` the file names is taken from the stored policies.

    Raises:
        PolicyError: the text is not a valid policy.
    """
    policy = load_policy_text(text, source, known=policies.known_for(uow, text))
    what_if = policies.StoredPolicy(row_id=0, policy=policy, sha256=policies.sha256_of(text),
                                    source_file=source, active=False)
    rows = uow.s.execute(
        select(ClaimRow, LoanRow, LoanEventRow)
        .join(LoanRow, LoanRow.id == ClaimRow.loan_id)
        .join(LoanEventRow, LoanEventRow.id == ClaimRow.loss_event_id)
        .order_by(LoanEventRow.id)  # filing order, as claims are computed
    ).all()
    amounts: dict[int, Fen] = {}
    lines = []
    for claim, loan, event in rows:
        try:
            comp = compute(uow, what_if, event, loan, claim.recovered_before_fen, amounts)
            new: Fen | None = comp.amount
            new_policy = f"{comp.policy_name}/{comp.policy_version}"
        except PolicyError as exc:
            new, new_policy = None, f"not covered: {exc}"
        amounts[claim.id] = new or 0
        lines.append(ReplayLine(claim.id, claim.institution_code, loan.loan_no, claim.status,
                                claim.amount_fen, new,
                                f"{claim.policy_name}/{claim.policy_version}", new_policy))
    lines.sort(key=lambda line: line.claim_id)
    return ReplayResult(policy.name, source, lines)


# --- what `zkd verify` checks about claims ------------------------------------

def check_claims(uow: UnitOfWork) -> list[str]:
    """Every claim's loss the amount of its loss event, on its loan; every claim
    within that loss and its policy version's per-loan cap; each institution's
    claims of a year within a yearly cap, where their version has one; shares
    within what was paid; approved and paid claims' journal entries matching
    their amounts. (Status against the journal: :mod:`.verify_records`.)"""
    problems: list[str] = []
    ledger = LedgerRepo(uow)
    computed_with = ClaimPolicies(uow)
    per_loan: dict[int, tuple[Fen, Fen | None, str]] = {}
    per_year: dict[tuple[str, int], tuple[Fen, Fen]] = {}  # (institution, year) -> total, limit
    balances: dict[int, dict[str, Fen]] = {}  # year -> institution -> prior-year balance
    shares: dict[int, int] = {cid: int(total) for cid, total in uow.s.execute(
        select(RecoveryShareRow.claim_id, func.sum(RecoveryShareRow.share_fen))
        .group_by(RecoveryShareRow.claim_id)).all()}
    for claim, loan, event in uow.s.execute(
        select(ClaimRow, LoanRow, LoanEventRow)
        .join(LoanRow, LoanRow.id == ClaimRow.loan_id)
        .join(LoanEventRow, LoanEventRow.id == ClaimRow.loss_event_id)
        .order_by(ClaimRow.id)
    ).all():
        name = f"claim #{claim.id} (loan {loan.loan_no})"
        loss_on = event.occurred_on
        # the claim's loss is a copy of its event's: the event is what the bank filed
        if (event.event, event.loan_id, event.amount_fen) != ("loss", claim.loan_id, claim.loss_fen):
            problems.append(f"{name}: loss {format_grouped(claim.loss_fen)}, but its loss event "
                            f"#{event.id} is a {event.event} of {format_grouped(event.amount_fen)}"
                            f" on loan #{event.loan_id}")
        if claim.institution_code != loan.institution_code:
            problems.append(f"{name}: institution {claim.institution_code}, but the loan is "
                            f"{loan.institution_code}'s")
        net = max(0, claim.loss_fen - claim.recovered_before_fen)
        if not 0 <= claim.amount_fen <= net:
            problems.append(f"{name}: amount {format_grouped(claim.amount_fen)} is outside "
                            f"0–{format_grouped(net)}, its loss net of recoveries")
        version = computed_with.stored(claim).policy.version_on(loan.disbursed_on)
        caps = [r.amount for r in version.claim_rules if isinstance(r, CapPerLoanStep)]
        if claim.status != REJECTED:
            total, cap, _ = per_loan.get(loan.id, (0, None, ""))
            cap = min([*caps, *([cap] if cap is not None else [])], default=None)
            per_loan[loan.id] = (total + claim.amount_fen, cap, loan.loan_no)
            for rule in version.claim_rules:
                if isinstance(rule, CapPerInstitutionYearStep):
                    year = loss_on.year
                    if year not in balances:
                        balances[year] = {code: f.outstanding for code, f in portfolio.by_institution(
                            uow, dt.date(year - 1, 12, 31)).items()}
                    limit = institution_year_limit(
                        rule, balances[year].get(claim.institution_code, 0))
                    key = (claim.institution_code, year)
                    total, known = per_year.get(key, (0, limit))
                    per_year[key] = (total + claim.amount_fen, min(known, limit))
        owed = shares.get(claim.id, 0)
        paid = claim.amount_fen if claim.status == PAID else 0
        if owed > paid:
            problems.append(f"{name}: recovery shares {format_grouped(owed)} exceed what the "
                            f"reserve paid, {format_grouped(paid)}")
        payable = entries.payable(claim.institution_code)
        checks = []
        if claim.status in (APPROVED, PAID) and claim.amount_fen > 0:
            checks.append(("approval", claim.approve_entry, -claim.amount_fen))
        if claim.status == PAID:
            checks.append(("payment", claim.pay_entry, claim.amount_fen))
        for what, seq, expected in checks:
            on_payable = (sum(line.amount for line in ledger.entry(seq).lines
                              if line.account == payable) if seq is not None else None)
            if on_payable != expected:
                problems.append(f"{name}: its {what} entry "
                                f"{'#' + str(seq) if seq else '(missing)'} does not book "
                                f"{format_grouped(abs(expected))} on {payable}")
    for total, cap, loan_no in per_loan.values():
        if cap is not None and total > cap:
            problems.append(f"loan {loan_no}: claims total {format_grouped(total)}, above the "
                            f"per-loan cap {format_grouped(cap)}")
    for (code, year), (total, limit) in sorted(per_year.items()):
        if total > limit:
            problems.append(f"institution {code}: claims of {year} under a yearly cap total "
                            f"{format_grouped(total)}, above that cap, {format_grouped(limit)}")
    return problems


if check_claims not in verify.EXTRA_CHECKS:
    verify.EXTRA_CHECKS.append(check_claims)
