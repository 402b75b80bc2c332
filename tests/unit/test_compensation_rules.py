"""Each cap and threshold as one rule, read from the policy: what the claim
computation, the statements and verify all call."""

from __future__ import annotations

import pytest

from tests.unit.test_compensation_table import BEFORE_HENAN, HENAN, UNDER_HENAN, ZZ, make_loan, y
from zhengkedai.domain.compensation import (
    claim_year,
    counts_toward_caps,
    has_yearly_cap,
    loss_threshold,
    per_loan_cap,
    yearly_cap_limit,
)


def test_the_per_loan_cap_is_five_million_under_both_policies() -> None:
    assert per_loan_cap(ZZ.version_on(BEFORE_HENAN)) == y("5000000.00")
    assert per_loan_cap(HENAN.version_on(UNDER_HENAN)) == y("5000000.00")


def test_only_henan_2025_caps_an_institution_by_year() -> None:
    assert not has_yearly_cap(ZZ.version_on(BEFORE_HENAN))
    assert yearly_cap_limit(ZZ.version_on(BEFORE_HENAN), y("1000000000.00")) is None
    henan = HENAN.version_on(UNDER_HENAN)
    assert has_yearly_cap(henan)


@pytest.mark.parametrize(("balance", "limit"), [
    ("100000000.00", "2000000.00"),  # 2% of the prior-year balance is the smaller
    ("500000000.00", "10000000.00"),  # 2% would be 10,000,000.00: equal to the fixed cap
    ("900000000.00", "10000000.00"),  # the fixed 10,000,000.00 is the smaller
])
def test_the_yearly_cap_is_the_smaller_of_two_percent_and_ten_million(
        balance: str, limit: str) -> None:
    assert yearly_cap_limit(HENAN.version_on(UNDER_HENAN), y(balance)) == y(limit)


def test_a_claim_counts_toward_caps_unless_rejected_or_withdrawn() -> None:
    assert [s for s in ("submitted", "approved", "paid", "rejected", "withdrawn")
            if counts_toward_caps(s)] == ["submitted", "approved", "paid"]


def test_a_claim_counts_in_the_year_its_loss_was_confirmed() -> None:
    assert claim_year(UNDER_HENAN) == 2025


def test_the_full_compensation_threshold_applies_to_a_high_tech_credit_loan() -> None:
    loan = make_loan("credit", high_tech=True, profitable=True)
    rule = loss_threshold(ZZ.version_on(BEFORE_HENAN), loan)
    assert rule is not None and rule.amount == y("3000000.00") and rule.inclusive
    assert rule.holds(y("3000000.00")) and not rule.holds(y("3000000.01"))
    assert str(rule.tier.ratio) == "1" and str(rule.ratio_beyond(loan)) == "0.8"


def test_a_collateral_loan_or_an_ordinary_firm_has_no_threshold() -> None:
    version = ZZ.version_on(BEFORE_HENAN)
    assert loss_threshold(version, make_loan("collateral", high_tech=True, profitable=True)) is None
    assert loss_threshold(version, make_loan("credit")) is None
