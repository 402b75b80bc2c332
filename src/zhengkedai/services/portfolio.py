"""Programme loan figures as of a date: outstanding and overdue principal per institution.

Withdrawn loans and events (:mod:`zhengkedai.db.live`) are not counted.

Replays each loan's events up to the date through :func:`domain.loans.apply_event`,
so the figures at any past month end are what the files said then.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from zhengkedai.db.live import LIVE_EVENT, LIVE_LOAN
from zhengkedai.db.models import LoanEventRow, LoanRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.loans import EventType, LoanState, apply_event
from zhengkedai.domain.money import Fen


@dataclass(frozen=True)
class InstitutionFigures:
    institution_code: str
    loans: int
    principal: Fen
    outstanding: Fen
    overdue: Fen


LoanStates = dict[int, tuple[LoanRow, LoanState]]


def loan_states(uow: UnitOfWork, on: dt.date, institution: str | None = None) -> LoanStates:
    """Each loan disbursed by ``on`` with its state at the end of ``on``."""
    stmt = select(LoanRow).where(LoanRow.disbursed_on <= on, LIVE_LOAN)
    if institution is not None:
        stmt = stmt.where(LoanRow.institution_code == institution)
    loans = {row.id: row for row in uow.s.execute(stmt).scalars()}
    states = {lid: LoanState(row.principal_fen) for lid, row in loans.items()}
    ev = (
        select(LoanEventRow.loan_id, LoanEventRow.event, LoanEventRow.amount_fen)
        .where(LoanEventRow.occurred_on <= on, LIVE_EVENT)
        .order_by(LoanEventRow.occurred_on, LoanEventRow.id)
    )
    if institution is not None:
        ev = ev.join(LoanRow, LoanRow.id == LoanEventRow.loan_id).where(
            LoanRow.institution_code == institution)
    for loan_id, event, amount in uow.s.execute(ev).all():
        if loan_id in states:
            states[loan_id] = apply_event(states[loan_id], EventType(event), int(amount))
    return {lid: (loans[lid], states[lid]) for lid in loans}


def by_institution(uow: UnitOfWork, on: dt.date) -> dict[str, InstitutionFigures]:
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row, state in loan_states(uow, on).values():
        a = acc[row.institution_code]
        a[0] += 1
        a[1] += row.principal_fen
        a[2] += state.outstanding
        a[3] += state.overdue
    return {code: InstitutionFigures(code, *vals) for code, vals in sorted(acc.items())}


def total_outstanding(uow: UnitOfWork, on: dt.date) -> Fen:
    return sum(f.outstanding for f in by_institution(uow, on).values())
