"""Verify's one-pass recomputation of every claim gives what ``compute`` gives claim by claim.

``audit.claims.recomputed`` keeps the facts a claim's computation reads (the
firm's losses filed before it, the loan's earlier claims, the institution's
yearly cap usage) as running totals over the loss events in filing order,
instead of querying them for each claim. Here both run over generated claims
under both policies a ledger may hold (zhengzhou-2019's full-compensation
threshold, henan-2025's yearly cap), with losses filed late and back-dated,
several losses on one loan, a rejected claim and recoveries before payment —
and must agree for every claim.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from tests import factories as f
from zhengkedai.db.models import ClaimRow, LoanEventRow, LoanRow
from zhengkedai.domain.money import parse_yuan as y
from zhengkedai.services import policies
from zhengkedai.services.audit.claims import check_claim_amounts, recomputed
from zhengkedai.services.claims import computation as claims
from zhengkedai.services.claims import workflow as wf


def one_by_one(uow) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """Each claim neither rejected nor withdrawn, computed by ``compute`` itself."""
    out = {}
    with_policies = claims.ClaimPolicies(uow)
    for claim in uow.s.execute(select_counted()).scalars():
        event = uow.s.get(LoanEventRow, claim.loss_event_id)
        loan = uow.s.get(LoanRow, claim.loan_id)
        out[claim.id] = claims.compute(uow, with_policies.stored(claim), event, loan,
                                       claim.recovered_before_fen).amount
    return out


def select_counted():  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    return select(ClaimRow).where(ClaimRow.status.not_in(("rejected", "withdrawn")))


@pytest.mark.parametrize("seed", [1, 2])
def test_the_one_pass_recomputation_equals_compute_claim_by_claim(uow, actor, seed) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    f.bank(uow, actor)
    f.bank(uow, actor, "ZZC", "ZZC 银行")
    f.fund_reserve(uow, actor, y("100,000,000"))
    policies.load_bundled(uow, actor)
    f.loan(uow, actor, loan_no="OLD", principal=y("400,000,000"),
           disbursed_on=dt.date(2024, 6, 1), enterprise_seq=9)
    opened: list[ClaimRow] = []
    for n in range(24):
        if n == 12:  # the later claims under henan-2025 (a yearly cap for loans from June)
            policies.activate(uow, actor, "henan-2025")
        disbursed = dt.date(2025, rng.choice((2, 5, 6, 7)), rng.randrange(1, 28))
        high_tech = rng.random() < 0.7  # the full-compensation rule's firms
        loan = f.loan(uow, actor, institution=rng.choice(("ZZB", "ZZC")), loan_no=f"G{n}",
                      principal=y("20,000,000"), disbursed_on=disbursed,
                      enterprise_seq=rng.randrange(1, 4), loan_type=rng.choice(
                          ("credit", "credit", "collateral")), high_tech=high_tech,
                      profitable_two_years=high_tech)
        for _ in range(rng.choice((1, 1, 2))):
            on = max(disbursed, dt.date(2025, 8, 1) - dt.timedelta(days=rng.randrange(40)))
            loss = f.event(uow, actor, loan, "loss", y(rng.choice(("400,000", "900,000",
                                                                    "2,500,000", "4,000,000"))),
                           on)
            opened.append(claims.open_claim(uow, actor, loss))
    wf.reject(uow, actor, opened[3].id, "not a programme loan", dt.date(2025, 8, 5))
    for claim in opened[5::7]:
        recovery = f.event(uow, actor, uow.s.get(LoanRow, claim.loan_id), "recovery",
                           y("100,000"), dt.date(2025, 8, 10))
        claims.record_recovery(uow, actor, recovery)
    uow.s.flush()
    expected = one_by_one(uow)
    assert len(expected) == len(opened) - 1
    assert {c.id: amount for c, _loan, amount in recomputed(uow)} == expected
    assert check_claim_amounts(uow) == []
    # an amount raised by hand above what its facts give is named
    raised = uow.s.get(ClaimRow, opened[-1].id)
    raised.amount_fen = expected[raised.id] + 1
    uow.s.flush()
    assert [p for p in check_claim_amounts(uow) if f"claim #{raised.id} " in p]
