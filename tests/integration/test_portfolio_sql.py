"""The set-based loan figures in SQL agree with the rule itself, replayed loan by loan.

:func:`portfolio.by_institution` (each loan's running state, recomputed in SQL for
loans with events after the date), :func:`portfolio.recomputed_by_institution` (the
events alone) and :func:`portfolio.loan_lines` (each loan) restate
:func:`domain.loans.apply_event` in SQL (outstanding and overdue principal at a
date); here they and the replay run over generated
loans and events — same-day events, overdue levels raised, cleared and lowered
by later repayments and losses, loans disbursed after the date asked about —
and must give the same figures at every month end and on chosen days.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import pytest

from tests import factories as f
from zhengkedai.domain.loans import EventType, LoanState, apply_event
from zhengkedai.services import portfolio


def replayed(uow, on: dt.date) -> dict[str, tuple[int, int, int, int]]:  # type: ignore[no-untyped-def]
    """The figures by the Python rule: every loan's events replayed through apply_event."""
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row, state in portfolio.loan_states(uow, on).values():
        a = acc[row.institution_code]
        a[0] += 1
        a[1] += row.principal_fen
        a[2] += state.outstanding
        a[3] += state.overdue
    return {code: tuple(v) for code, v in acc.items()}  # type: ignore[misc]


def generate(uow, actor, rng: random.Random, loans: int = 30) -> None:  # type: ignore[no-untyped-def]
    for code in ("ZZB", "ZZC", "ZZD"):
        f.bank(uow, actor, code, f"{code} 银行")
    for n in range(loans):
        principal = rng.randrange(1, 50) * 10_000_00 + rng.randrange(100)
        start = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(120))
        loan = f.loan(uow, actor, institution=rng.choice(("ZZB", "ZZC", "ZZD")),
                      loan_no=f"G{n}", principal=principal, disbursed_on=start,
                      enterprise_seq=n % 7 + 1)
        state, day = LoanState(principal), start
        for _ in range(rng.randrange(8)):
            day += dt.timedelta(days=rng.choice((0, 0, 1, 9, 31)))  # same-day events too
            kind = rng.choice((EventType.REPAYMENT, EventType.OVERDUE, EventType.OVERDUE,
                               EventType.LOSS))
            if state.outstanding == 0:
                break
            if kind is EventType.OVERDUE:
                amount = rng.choice((0, state.outstanding, rng.randrange(state.outstanding + 1)))
            else:
                amount = rng.randrange(1, state.outstanding + 1)
                amount = min(amount, state.outstanding // rng.choice((1, 2, 5)) or 1)
            state = apply_event(state, kind, amount)
            f.event(uow, actor, loan, kind.value, amount, day)
    uow.s.flush()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_sql_figures_equal_the_replayed_rule_at_every_month_end(uow, actor, seed) -> None:  # type: ignore[no-untyped-def]
    generate(uow, actor, random.Random(seed))
    days = [dt.date(2024, 12, 31), dt.date(2025, 1, 15)] + [
        dt.date(2025, m + 1, 1) - dt.timedelta(days=1) for m in range(1, 12)]
    for on in days:
        sql = {c: (x.loans, x.principal, x.outstanding, x.overdue)
               for c, x in portfolio.by_institution(uow, on).items()}
        assert sql == replayed(uow, on), on
        scratch = {c: (x.loans, x.principal, x.outstanding, x.overdue)
                   for c, x in portfolio.recomputed_by_institution(uow, on).items()}
        assert scratch == sql, on
        # each loan listed with its state then: the running state, or for a loan with
        # events after the date, its state recomputed in SQL
        lines = {line.id: (line.outstanding, line.overdue)
                 for line in portfolio.loan_lines(uow, on)}
        assert lines == {row.id: (state.outstanding, state.overdue)
                         for row, state in portfolio.loan_states(uow, on).values()}, on


def test_an_overdue_level_is_lowered_by_a_repayment_the_same_day_only_if_filed_after_it(
        uow, actor) -> None:  # type: ignore[no-untyped-def]
    f.bank(uow, actor)
    day = dt.date(2025, 2, 1)
    first = f.loan(uow, actor, loan_no="A", principal=1_000_000)
    f.event(uow, actor, first, "overdue", 300_000, day)
    f.event(uow, actor, first, "repayment", 100_000, day)
    second = f.loan(uow, actor, loan_no="B", principal=1_000_000)
    f.event(uow, actor, second, "repayment", 100_000, day)
    f.event(uow, actor, second, "overdue", 300_000, day)
    figures = portfolio.by_institution(uow, day)["ZZB"]
    assert (figures.outstanding, figures.overdue) == (1_800_000, 200_000 + 300_000)
    assert figures.overdue == replayed(uow, day)["ZZB"][3]
