"""Properties of the compensation engine that hold for any inputs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from zhengkedai.domain.compensation import InstitutionYear, compute_claim, recovery_share
from zhengkedai.domain.loans import Enterprise, Loan, LoanType
from zhengkedai.domain.policy import default_policy_dir, load_policy_dir

POLICIES = load_policy_dir(default_policy_dir())
PER_LOAN_CAP = 500_000_000  # 5,000,000.00 yuan in fen, in both policy files
fen = st.integers(min_value=0, max_value=10**12)  # up to 10,000,000,000.00 yuan


@st.composite
def loans(draw: st.DrawFn) -> Loan:
    firm = Enterprise(
        credit_code="91410100MA44XXXX0X",
        name="firm",
        district=None,
        revenue_prev_year=draw(st.integers(0, 40_000_000_000)),
        high_tech=draw(st.booleans()),
        profitable_two_years=draw(st.booleans()),
        research_cooperation=draw(st.booleans()),
    )
    day = draw(st.dates(dt.date(2019, 1, 1), dt.date(2030, 12, 31)))
    return Loan(
        institution_code="B",
        loan_no="1",
        enterprise=firm,
        loan_type=draw(st.sampled_from(list(LoanType))),
        collateral_value=draw(st.sampled_from([0, 1, 100_000_000])),
        principal=draw(fen.filter(lambda p: p > 0)),
        annual_rate=Decimal("4"),
        disbursed_on=day,
        maturity_on=day + dt.timedelta(days=365),
        guarantor_code=draw(st.sampled_from([None, "G1"])),
    )


@given(
    policy_name=st.sampled_from(sorted(POLICIES)),
    loan=loans(),
    loss=fen,
    recovered=fen,
    other=fen,
    loan_before=fen,
    year_used=fen,
    balance=fen,
    eligible=st.booleans(),
    suspended=st.booleans(),
)
def test_compensation_never_exceeds_the_loss_or_any_cap(
    policy_name: str,
    loan: Loan,
    loss: int,
    recovered: int,
    other: int,
    loan_before: int,
    year_used: int,
    balance: int,
    eligible: bool,
    suspended: bool,
) -> None:
    result = compute_claim(
        POLICIES[policy_name],
        loan,
        loss,
        enterprise_eligible=eligible,
        institution_suspended=suspended,
        recovered_before_payment=recovered,
        enterprise_other_losses=other,
        loan_compensated_before=loan_before,
        institution_year=InstitutionYear(year_used, balance),
    )
    net = max(0, loss - recovered)
    assert 0 <= result.amount <= net
    assert result.amount <= max(0, PER_LOAN_CAP - loan_before)
    if not eligible or suspended:
        assert result.amount == 0
    for step in result.steps:
        if step.left is not None:
            assert step.after <= step.left
            assert result.amount <= step.left
    assert result.steps[0].before == loss
    assert result.steps[-1].after == result.amount
    for a, b in zip(result.steps, result.steps[1:], strict=False):
        assert a.after == b.before


@given(
    paid_and_loss=st.tuples(fen, fen.filter(lambda x: x > 0)).map(sorted),
    recoveries=st.lists(fen, max_size=8),
)
def test_shares_of_recoveries_never_return_more_than_the_reserve_paid(
    paid_and_loss: list[int], recoveries: list[int]
) -> None:
    paid, loss = paid_and_loss  # a claim never pays more than its loss
    if loss == 0:
        loss = 1
    returned = 0
    for recovery in recoveries:
        share = recovery_share(recovery, paid, loss, returned)
        assert 0 <= share <= recovery
        returned += share
    assert returned <= paid


@given(recovery=fen, paid=fen, extra=fen)
def test_a_recovery_share_is_the_exact_pro_rata_amount_rounded_half_up(
    recovery: int, paid: int, extra: int
) -> None:
    loss = paid + extra + 1
    half_up = (2 * recovery * paid + loss) // (2 * loss)  # exact integer half-up
    assert recovery_share(recovery, paid, loss, 0) == min(half_up, paid)
