"""Reading claims: the register, one claim with its trace and origins, and what-if replays.

Nothing here writes. A replay recomputes every claim, in loss order, under
another policy file, each claim seeing the *replayed* amounts of the claims
before it (for the per-loan and per-institution caps), so the totals are what
the programme would have granted under that policy. Rejected claims are shown
but count in no total.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from zhengkedai.db.models import (
    ClaimRow,
    EntryRow,
    ImportFileRow,
    LoanEventRow,
    LoanRow,
    RecoveryShareRow,
)
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.compensation import rule_label
from zhengkedai.domain.money import Fen, format_grouped, parse_yuan
from zhengkedai.domain.policy import PolicyError, load_policy_text
from zhengkedai.i18n import _, is_chinese
from zhengkedai.services import policies
from zhengkedai.services.claims.computation import (
    REJECTED,
    WITHDRAWN,
    compute,
)
from zhengkedai.services.claims.workflow import get


def summarize_trace(steps: list[dict[str, Any]]) -> str:
    """The steps that changed the amount, e.g. ``compensation_ratio 1,000,000.00→800,000.00``."""
    parts = []
    for step in steps:
        if step["before"] != step["after"]:
            before = format_grouped(parse_yuan(step["before"]))
            after = format_grouped(parse_yuan(step["after"]))
            parts.append(f"{rule_label(step['rule'], is_chinese())} {before}→{after}")
    return "; ".join(parts) or _("compensated in full: no rule lowered the loss")


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


def _summary(claim: Any, loan: Any) -> ClaimSummary:
    return ClaimSummary(
        claim.id, claim.institution_code, loan.loan_no, loan.enterprise_name, loan.credit_code,
        claim.submitted_on, claim.loss_fen, claim.recovered_before_fen, claim.amount_fen,
        claim.status, f"{claim.policy_name}/{claim.policy_version}",
        summarize_trace(json.loads(claim.trace)),
    )


def list_claims(uow: UnitOfWork, status: str | None = None,
                institution: str | None = None) -> Iterator[ClaimSummary]:
    """The claims register, oldest first, optionally by status and institution: read as it
    is used, a thousand claims at a time (20,000 claims' traces are 100 MB of text)."""
    c, loan = ClaimRow, LoanRow
    stmt = (select(c.id, c.institution_code, c.submitted_on, c.loss_fen, c.recovered_before_fen,
                   c.amount_fen, c.status, c.policy_name, c.policy_version, c.trace,
                   loan.loan_no, loan.enterprise_name, loan.credit_code)
            .join(LoanRow, LoanRow.id == ClaimRow.loan_id))
    if status:
        stmt = stmt.where(ClaimRow.status == status)
    if institution:
        stmt = stmt.where(ClaimRow.institution_code == institution)
    for row in uow.s.execute(stmt.order_by(ClaimRow.id).execution_options(yield_per=1000)):
        yield _summary(row, row)


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
                       "returned": share.returned_fen,  # so far: a share may come back in parts
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
        return [line for line in self.lines if line.status not in (REJECTED, WITHDRAWN)]

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
        .where(ClaimRow.status != WITHDRAWN)
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
