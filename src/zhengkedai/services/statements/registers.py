"""The claims register (补偿明细表) and the subsidies register (补助明细表).

A register lists what was alive in the month: submitted in it, decided in it,
paid in it, or still open at its end; each row's status is as of the month's
end. A claim's row gives its result and the rule that decided it in one line;
its full calculation trace is in the appendix section at the end.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.db.models import (
    ClaimRow,
    ImportFileRow,
    InstitutionRow,
    LoanEventRow,
    LoanRow,
    SubsidyRow,
)
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.money import Fen
from zhengkedai.domain.statement import CellValue, StatementDoc
from zhengkedai.domain.workflow import Status
from zhengkedai.render.layouts import doc_from_layout, load_layout, section_from_layout
from zhengkedai.services.claims.computation import WITHDRAWN
from zhengkedai.services.statements.common import (
    STATUS_ZH,
    Month,
    deciding_line,
    percent,
    status_as_of,
    trace_lines,
    trace_steps,
)
from zhengkedai.services.subsidies.applications import kind_zh


def _totals(**values: CellValue) -> dict[str, CellValue]:
    return values


def _status(month: Month, row: Any) -> str | None:
    """``row``: a claim or subsidy (a row or a result row with its dates and status)."""
    return status_as_of(month, submitted_on=row.submitted_on, approved_on=row.approved_on,
                        paid_on=row.paid_on, rejected_on=getattr(row, "rejected_on", None),
                        status=row.status)


def _alive(month: Month, row: Any, status: str | None) -> bool:
    if status is None:
        return False
    touched = (month.within(row.submitted_on) or month.within(row.approved_on)
               or month.within(row.paid_on) or month.within(getattr(row, "rejected_on", None)))
    return touched or status in (Status.SUBMITTED, Status.APPROVED)


def claims_statement(uow: UnitOfWork, month: Month) -> StatementDoc:
    layout = load_layout("claims")
    rows: list[dict[str, CellValue]] = []
    traces: list[dict[str, CellValue]] = []
    loss_total = comp_total = 0
    submitted = approved = paid = 0
    paid_amount = 0
    # the columns the register shows, not whole claims, loans and events
    query = (
        select(ClaimRow.id, ClaimRow.institution_code, ClaimRow.loss_fen,
               ClaimRow.recovered_before_fen, ClaimRow.amount_fen, ClaimRow.status,
               ClaimRow.submitted_on, ClaimRow.approved_on, ClaimRow.paid_on,
               ClaimRow.rejected_reason, ClaimRow.trace, LoanRow.loan_no,
               LoanRow.enterprise_name, LoanEventRow.occurred_on, LoanEventRow.file_row,
               ImportFileRow.filename)
        .join(LoanRow, LoanRow.id == ClaimRow.loan_id)
        .join(LoanEventRow, LoanEventRow.id == ClaimRow.loss_event_id)
        .join(ImportFileRow, ImportFileRow.id == LoanEventRow.file_id)
        .where(ClaimRow.status != WITHDRAWN)
        .order_by(ClaimRow.id)
    )
    # streamed: a claim no longer open and untouched in the month is dropped as it comes
    for claim in uow.s.connection().execute(query.execution_options(yield_per=500)):
        status = _status(month, claim)
        if not _alive(month, claim, status):
            continue
        submitted += month.within(claim.submitted_on)
        approved += month.within(claim.approved_on)
        if month.within(claim.paid_on):
            paid += 1
            paid_amount += claim.amount_fen
        loss_total += claim.loss_fen
        comp_total += claim.amount_fen
        steps = trace_steps(claim.trace)
        lines = trace_lines(steps)
        lines.append(f"来源：{claim.filename} 第 {claim.file_row} 行"
                     f"（损失确认 {claim.occurred_on}）")
        rows.append({
            "claim_id": f"C{claim.id}", "institution_code": claim.institution_code,
            "loan_no": claim.loan_no, "enterprise_name": claim.enterprise_name,
            "loss_on": claim.occurred_on, "loss": claim.loss_fen,
            "recovery_before": claim.recovered_before_fen, "compensation": claim.amount_fen,
            "status": STATUS_ZH[status or Status.SUBMITTED], "paid_on": claim.paid_on
            if month.by_end(claim.paid_on) else None,
            "basis": deciding_line(steps),
            "reason": (claim.rejected_reason or "") if status == Status.REJECTED else None,
        })
        traces.append({"claim_id": f"C{claim.id}", "trace": "\n".join(lines)})
    committed = -sum(LedgerRepo(uow).balances(prefix="reserve:compensation_payable:",
                                               as_of=month.end).values())
    sections = [
        section_from_layout(layout.section("summary"), values={
            "claims_submitted": submitted, "claims_approved": approved, "claims_paid": paid,
            "compensation_paid": paid_amount, "compensation_committed": committed}),
        section_from_layout(layout.section("register"), rows=rows, totals=_totals(
            claim_id="合计", loss=loss_total, compensation=comp_total)),
        section_from_layout(layout.section("traces"), rows=traces),
    ]
    notes = ["每笔补偿按贷款发放日有效的政策版本计算（新老划断）；“结果及依据”列出决定结果的规则，"
             "附录的计算过程列出每一步规则、条款和前后金额。"]
    return doc_from_layout(layout, period=month.period, generated_at=month.generated_at,
                           sections=sections, draft=month.draft, footnotes=notes)


def subsidies_statement(uow: UnitOfWork, month: Month) -> StatementDoc:
    layout = load_layout("subsidies")
    ledger = LedgerRepo(uow)
    before = month.start - dt.timedelta(days=1)
    opening = ledger.balance("budget:cash", as_of=before)
    closing = ledger.balance("budget:cash", as_of=month.end)
    in_month = ledger.balances(prefix="budget:contribution", since=month.start, as_of=month.end)
    deposits = -sum(in_month.values())
    committed = -ledger.balance("budget:subsidy_payable", as_of=month.end)
    names = {r.code: r.name for r in uow.s.execute(select(InstitutionRow)).scalars()}
    alive = [(sub, status) for sub in uow.s.execute(select(SubsidyRow).order_by(SubsidyRow.id))
             .scalars() if _alive(month, sub, status := _status(month, sub))]
    firms = _firm_names(uow, {sub.beneficiary for sub, _ in alive} - set(names))
    by_kind: dict[str, list[Fen]] = defaultdict(lambda: [0, 0, 0, 0])
    rows: list[dict[str, CellValue]] = []
    paid_total = 0
    for sub, status in alive:
        paid_here = sub.amount_fen if month.within(sub.paid_on) else 0
        paid_total += paid_here
        k = by_kind[sub.kind]
        k[0] += 1
        k[1] += sub.basis_fen
        k[2] += sub.amount_fen
        k[3] += paid_here
        rate: Decimal | None = percent(sub.amount_fen, sub.basis_fen)
        rows.append({
            "subsidy_id": f"S{sub.id}", "kind": kind_zh(sub.kind),
            "beneficiary": sub.beneficiary,
            "beneficiary_name": names.get(sub.beneficiary) or firms.get(sub.beneficiary, ""),
            "year": str(sub.period_year), "reference": sub.reference, "basis": sub.basis_fen,
            "rate": rate, "amount": sub.amount_fen, "status": STATUS_ZH[status or Status.SUBMITTED],
            "paid_on": sub.paid_on if month.by_end(sub.paid_on) else None,
        })
    kind_rows: list[dict[str, CellValue]] = [{"kind": kind_zh(k), "count": v[0], "basis": v[1],
                  "amount": v[2], "paid": v[3]} for k, v in sorted(by_kind.items())]
    sections = [
        section_from_layout(layout.section("budget"), values={
            "opening_balance": opening, "deposits": deposits, "paid": paid_total,
            "closing_balance": closing, "committed": committed, "available": closing - committed}),
        section_from_layout(layout.section("by_kind"), rows=kind_rows, totals=_totals(
            kind="合计", count=sum(v[0] for v in by_kind.values()),
            basis=sum(v[1] for v in by_kind.values()),
            amount=sum(v[2] for v in by_kind.values()),
            paid=sum(v[3] for v in by_kind.values()))),
        section_from_layout(layout.section("register"), rows=rows),
    ]
    notes = ["补助比例为核定金额 ÷ 计算基数；费率与补助比例中无公开文件规定的，为项目默认参数（见政策文件）。"]
    return doc_from_layout(layout, period=month.period, generated_at=month.generated_at,
                           sections=sections, draft=month.draft, footnotes=notes)


def _firm_names(uow: UnitOfWork, codes: set[str]) -> dict[str, str]:
    """The enterprise name of each credit code among ``codes``, as its latest filed loan
    gives it: the register's firms, not every loan."""
    if not codes:
        return {}
    latest = (select(func.max(LoanRow.id)).where(LoanRow.credit_code.in_(sorted(codes)))
              .group_by(LoanRow.credit_code))
    return {code: name for code, name in uow.s.execute(
        select(LoanRow.credit_code, LoanRow.enterprise_name).where(LoanRow.id.in_(latest)))}
