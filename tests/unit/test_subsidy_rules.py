"""Subsidy amounts under the default policy (rates 50% / 30% / 20%, programme choices)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengkedai.domain.money import parse_yuan
from zhengkedai.domain.policy import load_default_policy
from zhengkedai.domain.subsidy_rules import (
    SubsidyKind,
    compute_subsidy,
    financing_subsidy,
    guarantee_fee_subsidy,
    investment_risk_subsidy,
)

V = load_default_policy().versions[0]


def y(text: str) -> int:
    return parse_yuan(text)


@pytest.mark.parametrize(
    ("fee", "principal", "days", "expected"),
    [
        ("20000.00", None, None, "10000.00"),  # term unknown: 50% of the fee paid
        ("20000.00", "1000000.00", 365, "5000.00"),  # fee counted 1% of 1,000,000
        ("10000.00", "1000000.00", 365, "5000.00"),  # fee exactly at the 1% cap
        ("9999.99", "1000000.00", 365, "5000.00"),  # 4,999.995 half-up
        ("6000.00", "1000000.00", 182, "2493.15"),  # cap 4,986.30 (4,986.3013…), half of it
        ("0.03", None, None, "0.02"),  # 0.015 half-up
    ],
)
def test_a_guarantee_fee_subsidy_is_half_the_fee_counted_within_the_fee_rate_cap(
    fee: str, principal: str | None, days: int | None, expected: str
) -> None:
    result = guarantee_fee_subsidy(
        V,
        y(fee),
        guaranteed_principal=None if principal is None else y(principal),
        guarantee_days=days,
    )
    assert result.amount == y(expected)
    assert [s.rule for s in result.steps] == ["fee_rate_cap", "rate"]
    assert result.steps[1].clause.startswith("programme choice: ")


def test_the_trace_says_when_the_fee_could_not_be_capped() -> None:
    result = guarantee_fee_subsidy(V, y("100"))
    assert "not given" in result.steps[0].note and result.steps[0].limit is None


@pytest.mark.parametrize(
    ("basis", "granted", "expected"),
    [
        ("1000000.00", "0", "300000.00"),
        ("3333333.33", "0", "1000000.00"),  # 999,999.999 rounds onto the cap
        ("3333333.35", "0", "1000000.00"),  # 1,000,000.005 -> capped
        ("4000000.00", "0", "1000000.00"),
        ("1000000.00", "900000.00", "100000.00"),
        ("1000000.00", "1000000.00", "0.00"),
    ],
)
def test_a_financing_subsidy_is_thirty_percent_up_to_a_million_a_year(
    basis: str, granted: str, expected: str
) -> None:
    result = financing_subsidy(V, y(basis), granted_this_year=y(granted))
    assert result.amount == y(expected)
    cap = result.steps[-1]
    assert (cap.limit, cap.used) == (y("1000000"), y(granted))


@pytest.mark.parametrize(
    ("basis", "granted", "expected"),
    [
        ("10000000.00", "0", "2000000.00"),
        ("25000000.00", "0", "5000000.00"),  # exactly at the cap
        ("25000000.05", "0", "5000000.00"),  # 5,000,000.01 -> capped
        ("10000000.00", "4500000.00", "500000.00"),
        ("10000000.00", "6000000.00", "0.00"),  # over-used cap pays nothing
    ],
)
def test_an_investment_risk_subsidy_is_twenty_percent_up_to_five_million_a_year(
    basis: str, granted: str, expected: str
) -> None:
    result = investment_risk_subsidy(V, y(basis), granted_this_year=y(granted))
    assert result.amount == y(expected)
    assert result.steps[-1].left == max(0, y("5000000") - y(granted))


def test_applications_share_the_yearly_cap_in_the_order_they_are_granted() -> None:
    granted = 0
    paid = []
    for _ in range(3):
        amount = compute_subsidy(V, "financing", y("2000000"), granted_this_year=granted).amount
        paid.append(amount)
        granted += amount
    assert paid == [y("600000"), y("400000"), 0]


def test_the_result_names_its_kind_and_policy_version() -> None:
    result = compute_subsidy(V, SubsidyKind.INVESTMENT_RISK, y("1"))
    assert (result.kind, result.policy_name, result.policy_version) == (
        "investment_risk",
        "zhengzhou-2019",
        "2019",
    )


def test_negative_bases_are_refused() -> None:
    with pytest.raises(ValueError):
        financing_subsidy(V, -1)


amounts = st.integers(min_value=0, max_value=10**11)


@given(
    kind=st.sampled_from(["financing", "investment_risk"]),
    bases=st.lists(amounts, max_size=10),
)
def test_a_yearly_cap_is_never_exceeded_however_many_applications(
    kind: str, bases: list[int]
) -> None:
    cap = y("1000000") if kind == "financing" else y("5000000")
    rate = 30 if kind == "financing" else 20
    granted = 0
    for basis in bases:
        amount = compute_subsidy(V, kind, basis, granted_this_year=granted).amount
        assert 0 <= amount * 100 <= rate * basis + 50  # at most the half-up rate share
        granted += amount
    assert granted <= cap


@given(fee=amounts, principal=amounts, days=st.integers(0, 3650))
def test_a_guarantee_fee_subsidy_never_exceeds_half_the_capped_fee(
    fee: int, principal: int, days: int
) -> None:
    result = guarantee_fee_subsidy(V, fee, guaranteed_principal=principal, guarantee_days=days)
    assert 2 * result.amount <= min(fee, result.steps[0].limit or 0) + 1
