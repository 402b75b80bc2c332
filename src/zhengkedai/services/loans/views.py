"""Reading loans and their events as filed: lists and one loan in full. Nothing here writes.

A loan's figures are its stored running state (principal less repayments and
losses; the last overdue level), kept with every event, so a list costs one
query. Withdrawn loans and events are listed too, marked ``withdrawn`` with
who, when and why; they count in no figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from zhengkedai.db.live import LIVE_LOAN
from zhengkedai.db.models import ClaimRow, ImportFileRow, LoanEventRow, LoanRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.money import Fen
from zhengkedai.i18n import _, code_name
from zhengkedai.services.loans.withdrawals import find_loan

ACTIVE, OVERDUE, SETTLED, WITHDRAWN = "active", "overdue", "settled", "withdrawn"
LOAN_STATUSES = (ACTIVE, OVERDUE, SETTLED, WITHDRAWN)
LOAN_STATUS_ZH = {ACTIVE: "正常", OVERDUE: "逾期", SETTLED: "已结清", WITHDRAWN: "已撤回"}


def loan_status_words(status: str) -> str:
    """A loan's status as the reader says it: ``逾期`` in Chinese, ``overdue`` in English."""
    return code_name(LOAN_STATUS_ZH, status)


def loan_status(row: LoanRow) -> str:
    """withdrawn; settled (nothing outstanding); overdue (some principal overdue); active."""
    if row.withdrawn_at is not None:
        return WITHDRAWN
    if row.outstanding_fen == 0:
        return SETTLED
    return OVERDUE if row.overdue_fen > 0 else ACTIVE


def _withdrawal(row: LoanRow | LoanEventRow) -> dict[str, Any]:
    return {"withdrawn_on": row.withdrawn_on, "withdrawn_by": row.withdrawn_by,
            "withdrawn_reason": row.withdrawn_reason}


def loan_row(row: LoanRow) -> dict[str, Any]:
    """A loan as a listing row; a withdrawn one shows no outstanding or overdue figure."""
    live = row.withdrawn_at is None
    return {
        "institution": row.institution_code, "loan_no": row.loan_no,
        "enterprise": row.enterprise_name, "credit_code": row.credit_code,
        "loan_type": row.loan_type, "principal": row.principal_fen,
        "disbursed_on": row.disbursed_on, "maturity_on": row.maturity_on,
        "outstanding": row.outstanding_fen if live else None,
        "overdue": row.overdue_fen if live else None,
        "status": loan_status(row), **_withdrawal(row),
    }


def list_loans(uow: UnitOfWork, *, institution: str | None = None,
               status: str | None = None) -> list[dict[str, Any]]:
    """Loans in filing order, optionally one institution's and in one status."""
    if status is not None and status not in LOAN_STATUSES:
        raise ZkdError(_("unknown loan status {status!r}; one of {statuses}").format(
            status=status, statuses=", ".join(LOAN_STATUSES)))
    stmt = select(LoanRow).order_by(LoanRow.id)
    if institution is not None:
        stmt = stmt.where(LoanRow.institution_code == institution)
    if status == WITHDRAWN:
        stmt = stmt.where(LoanRow.withdrawn_at.is_not(None))
    elif status is not None:
        stmt = stmt.where(LIVE_LOAN)
        if status == SETTLED:
            stmt = stmt.where(LoanRow.outstanding_fen == 0)
        else:
            stmt = stmt.where(LoanRow.outstanding_fen > 0)
            stmt = stmt.where(LoanRow.overdue_fen > 0 if status == OVERDUE
                              else LoanRow.overdue_fen == 0)
    return [loan_row(r) for r in uow.s.execute(stmt).scalars()]


def event_rows(uow: UnitOfWork, loan: LoanRow) -> list[dict[str, Any]]:
    """The loan's events in filing order, each with its file, row and claim."""
    claims = {ev: cid for ev, cid in uow.s.execute(
        select(ClaimRow.loss_event_id, ClaimRow.id).where(ClaimRow.loan_id == loan.id)).all()}
    out = []
    for ev, filename in uow.s.execute(
            select(LoanEventRow, ImportFileRow.filename)
            .join(ImportFileRow, ImportFileRow.id == LoanEventRow.file_id)
            .where(LoanEventRow.loan_id == loan.id).order_by(LoanEventRow.id)).all():
        out.append({
            "event_id": ev.id, "institution": loan.institution_code, "loan_no": loan.loan_no,
            "event": ev.event, "occurred_on": ev.occurred_on, "amount": ev.amount_fen,
            "note": ev.note, "file": filename, "row": ev.file_row, "claim_id": claims.get(ev.id),
            "status": WITHDRAWN if ev.withdrawn_at is not None else "filed", **_withdrawal(ev),
        })
    return out


def list_events(uow: UnitOfWork, loan_no: str, institution: str | None = None
                ) -> list[dict[str, Any]]:
    """The events of loan ``loan_no`` (the live one, else the latest withdrawn one)."""
    return event_rows(uow, find_loan(uow, loan_no, institution, withdrawn=True))


@dataclass(frozen=True)
class LoanDetail:
    loan: dict[str, Any]
    events: list[dict[str, Any]]
    claims: list[dict[str, Any]]
    file: str
    row: int
    outstanding: Fen | None
    overdue: Fen | None


def show_loan(uow: UnitOfWork, loan_no: str, institution: str | None = None) -> LoanDetail:
    """One loan with its events, outstanding and overdue principal and claims."""
    row = find_loan(uow, loan_no, institution, withdrawn=True)
    file = uow.s.get(ImportFileRow, row.file_id)
    claims = [{"claim_id": c.id, "status": c.status, "loss": c.loss_fen,
               "recovered_before": c.recovered_before_fen, "amount": c.amount_fen,
               "submitted_on": c.submitted_on, "approved_on": c.approved_on,
               "paid_on": c.paid_on}
              for c in uow.s.execute(select(ClaimRow).where(ClaimRow.loan_id == row.id)
                                     .order_by(ClaimRow.id)).scalars()]
    doc = loan_row(row)
    doc.update({"annual_rate": row.annual_rate, "guarantor_code": row.guarantor_code,
                "district": row.district})
    return LoanDetail(doc, event_rows(uow, row), claims, file.filename if file else "",
                      row.file_row, doc["outstanding"], doc["overdue"])
