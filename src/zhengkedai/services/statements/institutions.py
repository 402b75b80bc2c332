"""合作机构对账单: one statement per partner institution for the month.

Loans filed (disbursed in the month), outstanding and overdue principal at the
month's end, the overdue ratio against the suspension threshold, the claims
submitted / approved / paid, recoveries owed and returned, how much of each
cap its claims have used (per loan, and per institution and year where a
policy has that cap), and each claimed firm's losses against the threshold of
the full-compensation rule — a condition of the 100% ratio, not a cap.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select

from zhengkedai.db.ledger_repo import closed_month
from zhengkedai.db.models import (
    ClaimRow,
    InstitutionMonthRow,
    InstitutionRow,
    LoanEventRow,
    LoanRow,
    RecoveryShareRow,
)
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.compensation import institution_year_limit
from zhengkedai.domain.errors import NotFound
from zhengkedai.domain.loans import LOAN_TYPE_ZH, LoanType
from zhengkedai.domain.money import Fen, apply_ratio, format_grouped
from zhengkedai.domain.policy import PolicyVersion
from zhengkedai.domain.policy_params import format_ratio
from zhengkedai.domain.policy_rules import (
    CapPerInstitutionYearStep,
    CapPerLoanStep,
    Condition,
    RatioStep,
    RatioTier,
    claim_facts,
)
from zhengkedai.domain.statement import CellValue, StatementDoc
from zhengkedai.render.layouts import doc_from_layout, load_layout, section_from_layout
from zhengkedai.services import institutions, portfolio
from zhengkedai.services.claims.computation import (
    ClaimPolicies,
    enterprise_losses,
    has_yearly_cap,
    to_loan,
)
from zhengkedai.services.params import active_policy
from zhengkedai.services.statements.common import Month, percent, ratio_percent, status_as_of


def institution_statements(uow: UnitOfWork, month: Month, states: portfolio.LoanStates, *,
                           only: str | None = None) -> list[StatementDoc]:
    """One statement per filing institution (or only ``only``'s), from the month-end ``states``."""
    stmt = select(InstitutionRow).where(InstitutionRow.kind.in_(institutions.FILING_KINDS))
    if only is not None:
        if uow.s.get(InstitutionRow, only) is None:
            raise NotFound(f"no institution {only!r}")
        stmt = select(InstitutionRow).where(InstitutionRow.code == only)
    return [_statement(uow, month, inst, states)
            for inst in uow.s.execute(stmt.order_by(InstitutionRow.code)).scalars()]


def _statement(uow: UnitOfWork, month: Month, inst: InstitutionRow,
               states: portfolio.LoanStates) -> StatementDoc:
    layout = load_layout("institution")
    version = active_policy(uow).version_on(month.end)
    threshold = version.suspension.overdue_ratio_max
    mine = [(row, st) for row, st in states.values() if row.institution_code == inst.code]
    outstanding = sum(st.outstanding for _, st in mine)
    overdue = sum(st.overdue for _, st in mine)
    filed = [row for row, _ in mine if month.within(row.disbursed_on)]
    profile: dict[str, CellValue] = {
        "institution_code": inst.code, "institution_name": inst.name,
        "institution_kind": institutions.KIND_ZH[institutions.InstitutionKind(inst.kind)],
        "loans_filed_count": len(filed), "loans_filed_amount": sum(r.principal_fen for r in filed),
        "outstanding_principal": outstanding, "overdue_principal": overdue,
        "overdue_ratio": percent(overdue, outstanding),
        "suspension_threshold": ratio_percent(threshold),
        "suspension_status": _status_text(uow, month, inst.code),
    }
    claims = uow.s.execute(
        select(ClaimRow).where(ClaimRow.institution_code == inst.code).order_by(ClaimRow.id)
    ).scalars().all()
    loan_totals: dict[str, CellValue] = {
        "loan_no": "合计", "principal": sum(r.principal_fen for r, _ in mine),
        "outstanding": outstanding, "overdue": overdue}
    yearly_rows, cap_notes = _yearly_caps(uow, month, inst.code, claims)
    cap_rows = yearly_rows + _caps(uow, month, claims)
    firm_rows, firm_notes = _full_compensation(uow, month, claims)
    sections = [
        section_from_layout(layout.section("profile"), values=profile),
        section_from_layout(layout.section("claims"), rows=_claim_rows(month, claims)),
        section_from_layout(layout.section("recoveries"), values=_recoveries(uow, month, claims)),
        section_from_layout(layout.section("caps"), rows=cap_rows, paragraphs=cap_notes),
        section_from_layout(layout.section("full_compensation"), rows=firm_rows,
                            paragraphs=firm_notes),
        section_from_layout(layout.section("loans"), rows=[{
            "loan_no": row.loan_no, "enterprise_name": row.enterprise_name,
            "loan_type": LOAN_TYPE_ZH[LoanType(row.loan_type)], "principal": row.principal_fen,
            "outstanding": st.outstanding, "overdue": st.overdue,
            "disbursed_on": row.disbursed_on, "maturity_on": row.maturity_on,
        } for row, st in sorted(mine, key=lambda p: (p[0].disbursed_on, p[0].loan_no))],
            totals=loan_totals),
    ]
    return doc_from_layout(layout, period=month.period, generated_at=month.generated_at,
                           sections=sections, draft=month.draft,
                           subtitle=f"{inst.name}（{inst.code}）", subject=inst.code)


def _status_text(uow: UnitOfWork, month: Month, code: str) -> str:
    since = institutions.suspended_since(uow, code, month.end)
    text = "正常合作" if since is None else f"暂停（自 {since.isoformat()} 起）"
    if closed_month(uow, month.period) is not None:
        row = uow.s.get(InstitutionMonthRow, (month.period, code))
        if row is not None:
            text += "；月结：下月起暂停" if row.suspended else "；月结：下月正常"
    return text


def _claim_rows(month: Month, claims: Sequence[ClaimRow]) -> list[dict[str, CellValue]]:
    groups: dict[str, list[int]] = {k: [0, 0, 0] for k in
                                    ("本月提交", "本月批准", "本月支付", "本月驳回", "累计已支付")}

    def add(label: str, c: ClaimRow) -> None:
        g = groups[label]
        g[0] += 1
        g[1] += c.loss_fen
        g[2] += c.amount_fen

    for c in claims:
        status = status_as_of(month, submitted_on=c.submitted_on, approved_on=c.approved_on,
                              paid_on=c.paid_on, rejected_on=getattr(c, "rejected_on", None),
                              status=c.status)
        if status is None:
            continue
        if month.within(c.submitted_on):
            add("本月提交", c)
        if month.within(c.approved_on):
            add("本月批准", c)
        if month.within(c.paid_on):
            add("本月支付", c)
        if status == "rejected" and month.within(getattr(c, "rejected_on", None) or c.submitted_on):
            add("本月驳回", c)
        if status == "paid":
            add("累计已支付", c)
    return [{"status": k, "count": v[0], "loss": v[1], "compensation": v[2]}
            for k, v in groups.items()]


def _recoveries(uow: UnitOfWork, month: Month, claims: Sequence[ClaimRow]) -> dict[str, CellValue]:
    ids = [c.id for c in claims]
    owed = returned = 0
    if ids:
        for share, occurred in uow.s.execute(
            select(RecoveryShareRow, LoanEventRow.occurred_on)
            .join(LoanEventRow, LoanEventRow.id == RecoveryShareRow.event_id)
            .where(RecoveryShareRow.claim_id.in_(ids))
        ).all():
            if occurred <= month.end:
                owed += share.share_fen
                if month.by_end(share.returned_on):
                    returned += share.share_fen
    return {"recovery_owed": owed, "recovery_returned": returned,
            "recovery_outstanding": owed - returned}


def _claimed_loans(uow: UnitOfWork, month: Month, claims: Sequence[ClaimRow]
                   ) -> tuple[dict[int, Fen], dict[int, LoanRow]]:
    """Compensation per loan of the claims submitted by the month's end and not rejected."""
    per_loan: dict[int, Fen] = defaultdict(int)
    loans: dict[int, LoanRow] = {}
    for c in claims:
        if c.submitted_on > month.end or c.status == "rejected":
            continue
        per_loan[c.loan_id] += c.amount_fen
        loans[c.loan_id] = loans.get(c.loan_id) or uow.s.get(LoanRow, c.loan_id)  # type: ignore[assignment]
    return per_loan, loans


def _caps(uow: UnitOfWork, month: Month, claims: Sequence[ClaimRow]) -> list[dict[str, CellValue]]:
    """Cumulative use of each claimed loan's per-loan cap."""
    policy = active_policy(uow)
    per_loan, loans = _claimed_loans(uow, month, claims)
    rows: list[dict[str, CellValue]] = []
    for loan_id, used in sorted(per_loan.items()):
        loan = loans[loan_id]
        for step in policy.version_on(loan.disbursed_on).claim_rules:
            if isinstance(step, CapPerLoanStep):
                rows.append(_cap_row(f"单笔贷款补偿上限 {loan.loan_no}", step.amount, used))
    return rows


def _full_compensation(uow: UnitOfWork, month: Month, claims: Sequence[ClaimRow]
                       ) -> tuple[list[dict[str, CellValue]], list[str]]:
    """Each claimed firm's losses against a ratio tier that holds only up to a loss total.

    Under zhengzhou-2019 that is the 100% rule: a high-tech firm's credit or
    IP-pledge loan is compensated in full while the firm's confirmed losses,
    that one included, total no more than 3,000,000; a loss that takes the
    total past it, and every later one, falls through to the next tier (80%).
    The threshold is a condition of a ratio, not a cap on what is paid, so it
    is shown with the losses counted, what is left below it and the ratio that
    now applies, never as a share used. Losses are counted as the engine
    counts them: the firm's loss events across the programme, each net of the
    recoveries before payment on its claim.
    """
    policy = active_policy(uow)
    _, loans = _claimed_loans(uow, month, claims)
    found: dict[str, tuple[LoanRow, RatioStep, RatioTier, Condition]] = {}
    for loan in sorted(loans.values(), key=lambda r: r.id):
        facts = claim_facts(to_loan(loan), 0, 0)
        for step in policy.version_on(loan.disbursed_on).claim_rules:
            if not isinstance(step, RatioStep):
                continue
            for tier in step.tiers:
                limits = [c for c in tier.when if c.fact == "enterprise_losses" and c.op in ("le", "lt")
                          and isinstance(c.operand, int) and not isinstance(c.operand, bool)]
                others = [c for c in tier.when if c.fact != "enterprise_losses"]
                if limits and all(c.holds(facts) for c in others):
                    found.setdefault(loan.credit_code, (loan, step, tier, limits[0]))
    rows: list[dict[str, CellValue]] = []
    notes: list[str] = []
    for code, (loan, step, tier, cond) in sorted(found.items(), key=lambda kv: kv[1][0].id):
        assert isinstance(cond.operand, int)
        threshold = cond.operand
        losses = _enterprise_losses(uow, code, month)
        beyond = format_ratio(step.select(claim_facts(to_loan(loan), 0, threshold + 1)).ratio)
        within = format_ratio(tier.ratio)
        word = "不超过" if cond.op == "le" else "低于"
        below = cond.holds({"enterprise_losses": losses})
        rows.append({
            "enterprise_name": loan.enterprise_name, "credit_code": code, "threshold": threshold,
            "losses": losses, "headroom": max(0, threshold - losses) if below else 0,
            "status": f"未超过门槛：按{within}" if below else f"已超过门槛：此后损失按{beyond}",
        })
        note = (f"全额补偿门槛是{within}补偿规则的适用条件，不是补偿上限：企业在本项目的本金损失"
                f"累计（含本笔，各合作机构合计）{word}门槛 {format_grouped(threshold)} 的，该笔按"
                f"{within}补偿；使累计超过门槛的一笔及其后的损失按{beyond}补偿。"
                f"规则：{tier.label}〔{tier.clause}〕")
        if note not in notes:
            notes.append(note)
    return rows, notes


def _enterprise_losses(uow: UnitOfWork, credit_code: str, month: Month) -> Fen:
    """The firm's confirmed losses by the month's end, across the programme, net of
    recoveries before payment: what :func:`.claims.compute` counts for the threshold."""
    return enterprise_losses(uow, credit_code,
                             LoanEventRow.occurred_on <= month.end)


def _yearly_caps(uow: UnitOfWork, month: Month, code: str, claims: Sequence[ClaimRow]
                 ) -> tuple[list[dict[str, CellValue]], list[str]]:
    """A row per yearly institution cap in force for the statement's year, and how its limit is set.

    The caps are those of the version in force at the month's end and of the
    versions the year's counted claims were computed under. A claim counts as
    :mod:`zhengkedai.services.claims.computation` counts it: its loss fell in the year (by the month's end),
    it is not rejected, and its version has a yearly cap (新老划断: a loan under
    older rules neither is held to the cap nor uses it up).
    """
    year = month.end.year
    found: dict[tuple[Fen | None, Decimal | None], tuple[CapPerInstitutionYearStep, str]] = {}

    def add(version: PolicyVersion) -> None:
        for rule in version.claim_rules:
            if isinstance(rule, CapPerInstitutionYearStep):
                found.setdefault((rule.amount, rule.ratio_of_prior_year_balance),
                                 (rule, f"{version.policy_name}/{version.version}"))

    add(active_policy(uow).version_on(month.end))
    used = 0
    computed_with = ClaimPolicies(uow)
    for c in claims:
        if c.submitted_on.year != year or c.submitted_on > month.end or c.status == "rejected":
            continue
        loan = uow.s.get(LoanRow, c.loan_id)
        assert loan is not None, "a claim's loan exists (foreign key)"
        version = computed_with.version(c, loan.disbursed_on)
        if version is not None and has_yearly_cap(version):
            used += c.amount_fen
            add(version)
    if not found:
        return [], []
    prior_end = dt.date(year - 1, 12, 31)
    prior = portfolio.by_institution(uow, prior_end).get(code)
    balance = prior.outstanding if prior is not None else 0
    rows: list[dict[str, CellValue]] = []
    notes: list[str] = []
    for rule, where in found.values():
        limit = institution_year_limit(rule, balance)
        label = f"{year}年度机构补偿上限（{where}）"
        rows.append(_cap_row(label, limit, used))
        parts = [format_grouped(rule.amount)] if rule.amount is not None else []
        if rule.ratio_of_prior_year_balance is not None:
            by_balance = apply_ratio(balance, rule.ratio_of_prior_year_balance)
            parts.append(f"{format_ratio(rule.ratio_of_prior_year_balance)} × {year - 1}年末"
                         f"项目贷款余额 {format_grouped(balance)} = {format_grouped(by_balance)}")
        notes.append(f"{label} = min({'；'.join(parts)}) = {format_grouped(limit)}。已使用为本机构"
                     f"{year}年确认损失、未驳回、按含此上限的政策版本计算的补偿；"
                     "按新老划断适用旧规则的贷款不受此上限约束，也不占用。")
    return rows, notes


def _cap_row(label: str, limit: Fen, used: Fen) -> dict[str, CellValue]:
    return {"cap": label, "limit": limit, "used": used, "remaining": max(0, limit - used),
            "usage": percent(used, limit)}
