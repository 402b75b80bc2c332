"""Reserve sizing, allocation over deposit banks, management fee and suspension."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengkedai.domain.money import parse_yuan
from zhengkedai.domain.policy import load_default_policy
from zhengkedai.domain.policy_reserve import (
    allocate,
    is_suspended,
    management_fee_limit,
    overdue_ratio,
    reserve_target,
    top_up_needed,
)

V = load_default_policy().versions[0]
FIVE_PCT = V.suspension.overdue_ratio_max


def y(text: str) -> int:
    return parse_yuan(text)


def test_the_target_is_ten_percent_of_outstanding_principal_rounded_half_up() -> None:
    assert V.reserve.target_ratio == Decimal("0.10")
    assert reserve_target(y("500000000.00"), V.reserve.target_ratio) == y("50000000.00")
    assert reserve_target(y("0.05"), V.reserve.target_ratio) == y("0.01")  # 0.005 half-up


def test_the_top_up_is_what_the_available_money_lacks_and_never_negative() -> None:
    assert top_up_needed(y("50000000"), y("42000000")) == y("8000000")
    assert top_up_needed(y("50000000"), y("60000000")) == 0


def test_an_allocation_follows_outstanding_principal_and_sums_exactly() -> None:
    shares = allocate(y("100.00"), {"B": 1, "A": 1, "C": 1})
    assert shares == {"A": 3334, "B": 3333, "C": 3333}  # the spare fen to the lower code
    assert allocate(y("1000.00"), {"X": y("300"), "Y": y("100")}) == {"X": 75000, "Y": 25000}


def test_an_allocation_with_no_principal_anywhere_splits_evenly() -> None:
    assert allocate(5, {"B": 0, "A": 0}) == {"A": 3, "B": 2}


def test_an_allocation_with_no_banks_is_refused() -> None:
    with pytest.raises(ValueError):
        allocate(1, {})
    assert allocate(0, {}) == {}


@given(
    total=st.integers(0, 10**13),
    weights=st.dictionaries(
        st.text("ABCDEFG", min_size=1, max_size=3), st.integers(0, 10**12), min_size=1
    ),
)
def test_allocated_shares_always_sum_to_the_total_and_stay_near_pro_rata(
    total: int, weights: dict[str, int]
) -> None:
    shares = allocate(total, weights)
    assert sum(shares.values()) == total
    denominator = sum(weights.values())
    if denominator:
        for key, share in shares.items():
            assert abs(share * denominator - total * weights[key]) < denominator


def test_the_management_fee_is_at_most_one_percent_of_the_average_reserve() -> None:
    assert management_fee_limit(y("50000000.00"), V.reserve.management_fee_max_ratio) == y("500000")


@pytest.mark.parametrize(
    ("outstanding", "overdue", "suspended"),
    [
        ("100000000.00", "5000000.00", False),  # exactly 5%: still active
        ("100000000.00", "5000000.01", True),  # one fen over
        ("0.00", "0.00", False),
        ("333.33", "16.67", True),  # 16.67 > 16.6665
        ("333.33", "16.66", False),
    ],
)
def test_an_institution_is_suspended_only_above_five_percent_overdue(
    outstanding: str, overdue: str, suspended: bool
) -> None:
    assert is_suspended(y(outstanding), y(overdue), FIVE_PCT) is suspended


def test_the_overdue_ratio_is_shown_to_six_places() -> None:
    assert overdue_ratio(y("300"), y("10")) == Decimal("0.033333")
    assert overdue_ratio(0, 0) is None
