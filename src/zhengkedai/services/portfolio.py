"""Programme loan figures as of a date: outstanding and overdue principal per institution.

The figures at any past date are what the files said then. Each live loan
keeps its running state (``outstanding_fen``, ``overdue_fen``: its principal
with every live event applied, moved by each import and withdrawal, and held
against a replay of its events by ``zkd verify``). At a date ``on`` that state
is the loan's state then, unless the loan has live events dated after ``on``:
those few loans are replayed up to ``on`` through
:func:`domain.loans.apply_event`, the rule itself (:func:`later_states`). So a
month's figures cost one aggregate over the loans' stored columns plus the
activity after the month, and nothing builds a Python object per loan:

- :func:`totals_by` and :func:`by_institution`: each institution's (or
  guarantor's) loans, principal, outstanding and overdue, by SQL aggregates;
- :func:`loan_lines`: the loans themselves with their state, streamed in
  chunks of plain rows (a statement's listing, an attachment).

:func:`recomputed_by_institution` gets the same totals from the events alone,
in a few set-based queries (what ``verify`` and the tests hold the running
state against); :func:`loan_states` replays every loan in Python (the
reference the tests hold both against). The SQL restates ``apply_event``'s
rules:

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
from collections.abc import Iterator
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


# --- from the running state: the month's cost, not all of history's -----------------------

@dataclass(frozen=True)
class Later:
    """A loan with live events after the date asked about: its running state as stored
    (all its events) and its state at that date (its events up to it, replayed)."""

    institution_code: str
    guarantor_code: str | None
    stored: LoanState
    then: LoanState


def later_states(uow: UnitOfWork, on: dt.date, *where: Any) -> dict[int, Later]:
    """The live loans disbursed by ``on`` (among ``where``) with live events after ``on``,
    each with its state at the end of ``on``, replayed through the rule itself."""
    after = select(LoanEventRow.loan_id).where(LoanEventRow.occurred_on > on, LIVE_EVENT)
    found: dict[int, Later] = {}
    for lid, inst, guarantor, principal, out, overdue in uow.s.execute(
            select(LoanRow.id, LoanRow.institution_code, LoanRow.guarantor_code,
                   LoanRow.principal_fen, LoanRow.outstanding_fen, LoanRow.overdue_fen)
            .where(LoanRow.id.in_(after), LoanRow.disbursed_on <= on, LIVE_LOAN, *where)):
        found[lid] = Later(inst, guarantor, LoanState(int(out), int(overdue)),
                           LoanState(int(principal)))
    if not found:
        return found
    states = {lid: later.then for lid, later in found.items()}
    ids = sorted(found)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for loan_id, event, amount in uow.s.execute(
                select(LoanEventRow.loan_id, LoanEventRow.event, LoanEventRow.amount_fen)
                .where(LoanEventRow.loan_id.in_(chunk), LoanEventRow.occurred_on <= on,
                       LIVE_EVENT)
                .order_by(LoanEventRow.occurred_on, LoanEventRow.id)):
            states[loan_id] = apply_event(states[loan_id], EventType(event), int(amount))
    return {lid: Later(later.institution_code, later.guarantor_code, later.stored, states[lid])
            for lid, later in found.items()}


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


def totals_by(uow: UnitOfWork, on: dt.date, key: Any, *where: Any,
              later: dict[int, Later] | None = None) -> dict[str, Totals]:
    """The live loans disbursed by ``on`` (among ``where``) totalled by ``key`` (a loan
    column: ``LoanRow.institution_code``, ``LoanRow.guarantor_code``), at the end of ``on``.

    ``later`` is :func:`later_states` at ``on`` (computed here when not given)."""
    if later is None:
        later = later_states(uow, on)
    acc: dict[str, list[int]] = {}
    for code, n, principal, out, overdue, fee in uow.s.execute(
            select(key, func.count(), func.sum(LoanRow.principal_fen),
                   func.sum(LoanRow.outstanding_fen), func.sum(LoanRow.overdue_fen),
                   func.sum(LoanRow.guarantee_fee_fen))
            .where(LoanRow.disbursed_on <= on, LIVE_LOAN, key.is_not(None), *where)
            .group_by(key)):
        acc[code] = [int(n), int(principal), int(out), int(overdue), int(fee)]
    name = key.key
    for one in later.values():
        code = getattr(one, name)
        if code in acc:  # ``where`` may have left its loan out
            acc[code][2] += one.then.outstanding - one.stored.outstanding
            acc[code][3] += one.then.overdue - one.stored.overdue
    return {code: Totals(*vals) for code, vals in sorted(acc.items())}


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


_LINE_COLUMNS = (LoanRow.id, LoanRow.loan_no, LoanRow.institution_code, LoanRow.enterprise_name,
                 LoanRow.credit_code, LoanRow.loan_type, LoanRow.principal_fen,
                 LoanRow.outstanding_fen, LoanRow.overdue_fen, LoanRow.guarantor_code,
                 LoanRow.guarantee_fee_fen, LoanRow.disbursed_on, LoanRow.maturity_on)


def loan_lines(uow: UnitOfWork, on: dt.date, *where: Any,
               later: dict[int, Later] | None = None) -> Iterator[LoanLine]:
    """The live loans disbursed by ``on`` (among ``where``), by disbursement date and loan
    number, each with its state at the end of ``on``: streamed, ``CHUNK`` rows at a time.

    ``later`` is :func:`later_states` at ``on`` (computed here when not given)."""
    if later is None:
        later = later_states(uow, on, *where)
    # loan numbers in code-point order, as Python sorts them (PostgreSQL's default
    # collation may follow the locale's rules instead)
    loan_no = (LoanRow.loan_no.collate("C") if uow.s.get_bind().dialect.name == "postgresql"
               else LoanRow.loan_no)
    stmt = (select(*_LINE_COLUMNS).where(LoanRow.disbursed_on <= on, LIVE_LOAN, *where)
            .order_by(LoanRow.disbursed_on, loan_no, LoanRow.id))
    result = uow.s.execute(stmt.execution_options(yield_per=CHUNK))
    for row in result:
        line = LoanLine(int(row[0]), row[1], row[2], row[3], row[4], row[5], int(row[6]),
                        int(row[7]), int(row[8]), row[9], int(row[10]), row[11], row[12])
        one = later.get(line.id)
        if one is not None:
            line = line._replace(outstanding=one.then.outstanding, overdue=one.then.overdue)
        yield line
