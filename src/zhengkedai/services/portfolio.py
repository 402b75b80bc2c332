"""Programme loan figures as of a date: outstanding and overdue principal per institution.

The figures at any past date are what the files said then. Each live loan
keeps its running state (``outstanding_fen``, ``overdue_fen``: its principal
with every live event applied, moved by each import and withdrawal, and held
against a replay of its events by ``zkd verify``). At a date ``on`` that state
is the loan's state then, unless the loan has live events dated after ``on``:
for those loans the state then is recomputed from their events up to ``on``
in SQL (:func:`states_then`, the rules below). So a month's figures cost an
aggregate over the loans' stored columns plus the activity after the month,
and nothing builds a Python object per loan:

- :func:`totals_by` and :func:`by_institution`: each institution's (or
  guarantor's) loans, principal, outstanding and overdue, by SQL aggregates;
- :func:`loan_lines`: the loans themselves with their state, streamed in
  chunks of plain rows (a statement's listing, an attachment).

:func:`recomputed_by_institution` gets the same totals from the events alone,
in a few set-based queries, whatever the running state says; :func:`loan_states`
replays every loan in Python (the reference the tests hold both against). The
SQL restates ``apply_event``'s rules:

  - outstanding = principal − repayments − losses (events on or before the date);
  - overdue = the loan's last overdue level (latest by date, then by event id,
    the replay's order) less the repayments and losses after it, never below 0
    (a loan with no overdue report has none). Subtracting each amount and
    clipping at 0 in turn is the same as clipping once, since the amounts are
    positive.

Every query over loans and events starts from :func:`loans_until` and
:func:`events_until` (or the live conditions of :mod:`zhengkedai.db.live`), so
a rule that excludes some rows (a withdrawn loan, say) is added there once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

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


def recomputed_by_institution(uow: UnitOfWork, on: dt.date) -> dict[str, InstitutionFigures]:
    """Each filing institution's loans, principal, outstanding and overdue at the end of
    ``on``, from the loans' principal and events alone (not their running state)."""
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
    per_loan = _overdue_per_loan(on)
    left = case((per_loan.c.level > per_loan.c.lowered, per_loan.c.level - per_loan.c.lowered),
                else_=0)
    return (select(loans.c.institution_code, func.sum(left))
            .join(per_loan, per_loan.c.loan_id == loans.c.id)
            .group_by(loans.c.institution_code))


def _overdue_per_loan(on: dt.date, *where: Any) -> Any:
    """SQL (``loan_id``, ``level``, ``lowered``): each loan's last overdue level by ``on``
    and the repayments and losses after it (among the events ``where``)."""
    overdue = events_until(on).where(LoanEventRow.event == EventType.OVERDUE.value,
                                     *where).subquery()
    ranked = select(
        overdue, func.row_number().over(
            partition_by=overdue.c.loan_id,
            order_by=(overdue.c.occurred_on.desc(), overdue.c.id.desc())).label("nth"),
    ).subquery("ranked")
    last = select(ranked).where(ranked.c.nth == 1).subquery("last_level")
    later = events_until(on).where(*where).subquery("later")
    after_level = or_(later.c.occurred_on > last.c.occurred_on,
                      and_(later.c.occurred_on == last.c.occurred_on, later.c.id > last.c.id))
    return (
        select(last.c.loan_id, last.c.amount_fen.label("level"),
               func.coalesce(func.sum(later.c.amount_fen), 0).label("lowered"))
        .select_from(last.outerjoin(later, and_(later.c.loan_id == last.c.loan_id,
                                                later.c.event.in_(LOWERING), after_level)))
        .group_by(last.c.loan_id, last.c.amount_fen)
    ).subquery("per_loan")


def total_outstanding(uow: UnitOfWork, on: dt.date) -> Fen:
    return sum(f.outstanding for f in by_institution(uow, on).values())


# --- from the running state: the month's cost, not all of history's -----------------------

def _later(on: dt.date) -> Select:  # type: ignore[type-arg]
    """The loans with live events dated after ``on``: their running state is not their
    state at ``on``."""
    return select(LoanEventRow.loan_id).where(LoanEventRow.occurred_on > on, LIVE_EVENT)


def states_then(on: dt.date) -> Any:
    """SQL (a subquery: ``loan_id``, ``outstanding``, ``overdue``): the state at the end of
    ``on`` of each live loan disbursed by then with live events after it, from its events
    up to ``on`` (the rules of the module docstring) — the activity after ``on``, not the
    loans' history."""
    later = _later(on)
    events = events_until(on).where(LoanEventRow.loan_id.in_(later)).subquery("events_then")
    lowered = (select(events.c.loan_id, func.sum(events.c.amount_fen).label("lowered"))
               .where(events.c.event.in_(LOWERING)).group_by(events.c.loan_id)
               ).subquery("lowered_then")
    level = _overdue_per_loan(on, LoanEventRow.loan_id.in_(later))
    left = case((level.c.level > level.c.lowered, level.c.level - level.c.lowered), else_=0)
    return (select(LoanRow.id.label("loan_id"),
                   (LoanRow.principal_fen - func.coalesce(lowered.c.lowered, 0)
                    ).label("outstanding"),
                   func.coalesce(left, 0).label("overdue"))
            .outerjoin(lowered, lowered.c.loan_id == LoanRow.id)
            .outerjoin(level, level.c.loan_id == LoanRow.id)
            .where(LoanRow.id.in_(later), LoanRow.disbursed_on <= on, LIVE_LOAN)
            ).subquery("states_then")


CHUNK = 2000  # rows fetched at a time where loans are listed


@dataclass(frozen=True)
class Totals:
    """A set of loans at a date: how many, their principal, outstanding and overdue
    principal, and guarantee fees."""

    loans: int = 0
    principal: Fen = 0
    outstanding: Fen = 0
    overdue: Fen = 0
    guarantee_fee: Fen = 0


def totals_by(uow: UnitOfWork, on: dt.date, key: Any, *where: Any) -> dict[str, Totals]:
    """The live loans disbursed by ``on`` (among ``where``) totalled by ``key`` (a loan
    column: ``LoanRow.institution_code``, ``LoanRow.guarantor_code``), at the end of ``on``:
    each loan's running state, or for a loan with events after ``on`` its state then."""
    then = states_then(on)
    acc: dict[str, Totals] = {}
    for code, n, principal, out, overdue, fee in uow.s.execute(
            select(key, func.count(), func.sum(LoanRow.principal_fen),
                   func.sum(func.coalesce(then.c.outstanding, LoanRow.outstanding_fen)),
                   func.sum(func.coalesce(then.c.overdue, LoanRow.overdue_fen)),
                   func.sum(LoanRow.guarantee_fee_fen))
            .outerjoin(then, then.c.loan_id == LoanRow.id)
            .where(LoanRow.disbursed_on <= on, LIVE_LOAN, key.is_not(None), *where)
            .group_by(key)):
        acc[code] = Totals(int(n), int(principal), int(out), int(overdue), int(fee))
    return dict(sorted(acc.items()))


def by_institution(uow: UnitOfWork, on: dt.date) -> dict[str, InstitutionFigures]:
    """Each filing institution's loans, principal, outstanding and overdue at the end of ``on``."""
    return {code: InstitutionFigures(code, t.loans, t.principal, t.outstanding, t.overdue)
            for code, t in totals_by(uow, on, LoanRow.institution_code).items()}


class LoanLine(NamedTuple):
    """A loan as a statement lists it: its own columns and its state at the date asked."""

    id: int
    loan_no: str
    institution_code: str
    enterprise_name: str
    credit_code: str
    loan_type: str
    principal_fen: int
    outstanding: int
    overdue: int
    guarantor_code: str | None
    guarantee_fee_fen: int
    disbursed_on: dt.date
    maturity_on: dt.date


def loan_lines(uow: UnitOfWork, on: dt.date, *where: Any) -> Iterator[LoanLine]:
    """The live loans disbursed by ``on`` (among ``where``), by disbursement date and loan
    number, each with its state at the end of ``on``: streamed, ``CHUNK`` rows at a time."""
    for part in loan_line_chunks(uow, on, *where):
        for row in part:
            yield LoanLine(int(row[0]), row[1], row[2], row[3], row[4], row[5], int(row[6]),
                           int(row[7]), int(row[8]), row[9], int(row[10]), row[11], row[12])


def loan_line_chunks(uow: UnitOfWork, on: dt.date, *where: Any,
                     columns: Callable[[Sequence[Any]], Sequence[Any]] = list,
                     ) -> Iterator[Sequence[Any]]:
    """:func:`loan_lines` as plain database rows (the fields of :class:`LoanLine`, in its
    order), ``CHUNK`` at a time: what a list of a million loans is written from.

    ``columns`` turns those fields' SQL expressions into the columns fetched instead (an
    attachment has the database spell its cells)."""
    then = states_then(on)
    # loan numbers in code-point order, as Python sorts them (PostgreSQL's default
    # collation may follow the locale's rules instead)
    loan_no = (LoanRow.loan_no.collate("C") if uow.s.get_bind().dialect.name == "postgresql"
               else LoanRow.loan_no)
    fields = [LoanRow.id, LoanRow.loan_no, LoanRow.institution_code,
              LoanRow.enterprise_name, LoanRow.credit_code, LoanRow.loan_type,
              LoanRow.principal_fen,
              func.coalesce(then.c.outstanding, LoanRow.outstanding_fen),
              func.coalesce(then.c.overdue, LoanRow.overdue_fen),
              LoanRow.guarantor_code, LoanRow.guarantee_fee_fen, LoanRow.disbursed_on,
              LoanRow.maturity_on]
    # the order of ix_loans_institution_order and ix_loans_guarantor_order
    stmt = (select(*columns(fields))
            .outerjoin(then, then.c.loan_id == LoanRow.id)
            .where(LoanRow.disbursed_on <= on, LIVE_LOAN, *where)
            .order_by(LoanRow.disbursed_on, loan_no, LoanRow.id))
    # through the session's connection (its transaction), without the ORM's per-row work
    result = uow.s.connection().execute(stmt.execution_options(yield_per=CHUNK))
    yield from result.partitions()
