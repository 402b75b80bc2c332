"""Programme loan figures as of a date: outstanding and overdue principal per institution.

The figures at any past date are what the files said then. Two ways to get them:

- :func:`loan_states` replays each loan's events up to the date through
  :func:`domain.loans.apply_event`, the rule itself, one loan at a time (for
  a statement that lists every loan);
- :func:`by_institution` asks the database for the totals in a few set-based
  queries, so memory stays flat and no loan is built in Python. It restates
  ``apply_event``'s rules in SQL, and ``tests/integration/test_portfolio_sql.py``
  checks it against the replay on generated loans and events:

  - outstanding = principal − repayments − losses (events on or before the date);
  - overdue = the loan's last overdue level (latest by date, then by event id,
    the replay's order) less the repayments and losses after it, never below 0
    (a loan with no overdue report has none). Subtracting each amount and
    clipping at 0 in turn is the same as clipping once, since the amounts are
    positive.

Every query over loans and events starts from :func:`loans_until` and
:func:`events_until`, so a rule that excludes some rows (a withdrawn loan, say)
is added there once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, and_, case, func, or_, select

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


def loans_until(on: dt.date) -> Select:  # type: ignore[type-arg]
    """The programme loans disbursed on or before ``on`` and not withdrawn."""
    return select(LoanRow.id, LoanRow.institution_code, LoanRow.principal_fen).where(
        LoanRow.disbursed_on <= on, LIVE_LOAN)


def events_until(on: dt.date) -> Select:  # type: ignore[type-arg]
    """The post-loan events that occurred on or before ``on`` and are not withdrawn."""
    return select(LoanEventRow.id, LoanEventRow.loan_id, LoanEventRow.event,
                  LoanEventRow.occurred_on, LoanEventRow.amount_fen).where(
        LoanEventRow.occurred_on <= on, LIVE_EVENT)


LOWERING = (EventType.REPAYMENT.value, EventType.LOSS.value)  # lower outstanding and overdue


def by_institution(uow: UnitOfWork, on: dt.date) -> dict[str, InstitutionFigures]:
    """Each filing institution's loans, principal, outstanding and overdue at the end of ``on``."""
    loans = loans_until(on).subquery("loans_then")
    events = events_until(on).subquery("events_then")
    code = loans.c.institution_code
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for inst, count, principal in uow.s.execute(
            select(code, func.count(), func.sum(loans.c.principal_fen)).group_by(code)):
        acc[inst][0], acc[inst][1] = int(count), int(principal)
    for inst, lowered in uow.s.execute(
            select(code, func.sum(events.c.amount_fen))
            .join(events, events.c.loan_id == loans.c.id)
            .where(events.c.event.in_(LOWERING)).group_by(code)):
        acc[inst][2] -= int(lowered)
    for inst, overdue in uow.s.execute(_overdue_by_institution(loans, on)):
        acc[inst][3] = int(overdue or 0)
    for a in acc.values():
        a[2] += a[1]
    return {c: InstitutionFigures(c, *vals) for c, vals in sorted(acc.items())}


def _overdue_by_institution(loans, on: dt.date) -> Select:  # type: ignore[no-untyped-def, type-arg]
    """Σ per institution of max(0, last overdue level − repayments and losses after it)."""
    overdue = events_until(on).where(LoanEventRow.event == EventType.OVERDUE.value).subquery()
    ranked = select(
        overdue, func.row_number().over(
            partition_by=overdue.c.loan_id,
            order_by=(overdue.c.occurred_on.desc(), overdue.c.id.desc())).label("nth"),
    ).subquery("ranked")
    last = select(ranked).where(ranked.c.nth == 1).subquery("last_level")
    later = events_until(on).subquery("later")
    after_level = or_(later.c.occurred_on > last.c.occurred_on,
                      and_(later.c.occurred_on == last.c.occurred_on, later.c.id > last.c.id))
    per_loan = (
        select(last.c.loan_id, last.c.amount_fen.label("level"),
               func.coalesce(func.sum(later.c.amount_fen), 0).label("lowered"))
        .select_from(last.outerjoin(later, and_(later.c.loan_id == last.c.loan_id,
                                                later.c.event.in_(LOWERING), after_level)))
        .group_by(last.c.loan_id, last.c.amount_fen)
    ).subquery("per_loan")
    left = case((per_loan.c.level > per_loan.c.lowered, per_loan.c.level - per_loan.c.lowered),
                else_=0)
    return (select(loans.c.institution_code, func.sum(left))
            .join(per_loan, per_loan.c.loan_id == loans.c.id)
            .group_by(loans.c.institution_code))


def total_outstanding(uow: UnitOfWork, on: dt.date) -> Fen:
    return sum(f.outstanding for f in by_institution(uow, on).values())
