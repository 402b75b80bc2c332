"""Worked compensation examples, computed by hand (SPEC section 6 and henan-2025)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from zhengkedai.domain.compensation import InstitutionYear, compute_claim, recovery_share
from zhengkedai.domain.loans import Enterprise, Loan, LoanType
from zhengkedai.domain.money import parse_yuan
from zhengkedai.domain.policy import Policy, PolicyError, default_policy_dir, load_policy_dir

POLICIES = load_policy_dir(default_policy_dir())
ZZ = POLICIES["zhengzhou-2019"]
HENAN = POLICIES["henan-2025"]

BEFORE_HENAN = dt.date(2024, 3, 1)
UNDER_HENAN = dt.date(2025, 7, 1)


def y(text: str) -> int:
    return parse_yuan(text)


def make_loan(
    loan_type: str = "collateral",
    *,
    high_tech: bool = False,
    profitable: bool = False,
    research: bool = False,
    revenue: str = "50000000.00",
    collateral: str = "2000000.00",
    guarantor: str | None = None,
    disbursed: dt.date = BEFORE_HENAN,
) -> Loan:
    firm = Enterprise(
        credit_code="91410100MA44XXXX0X",
        name="郑州某科技有限公司",
        district="高新区",
        revenue_prev_year=y(revenue),
        high_tech=high_tech,
        profitable_two_years=profitable,
        research_cooperation=research,
    )
    return Loan(
        institution_code="ZZB",
        loan_no="L-001",
        enterprise=firm,
        loan_type=LoanType(loan_type),
        collateral_value=y(collateral),
        principal=y("10000000.00"),
        annual_rate=Decimal("3.85"),
        disbursed_on=disbursed,
        maturity_on=disbursed + dt.timedelta(days=365),
        guarantor_code=guarantor,
    )


STAR: dict[str, Any] = {"high_tech": True, "profitable": True, "collateral": "0"}  # 2019 art. 3 firm
BIG_BANK = InstitutionYear(compensated_this_year=0, prior_year_balance=y("1000000000.00"))


def claim(policy: Policy, loan: Loan, loss: str, **kw: Any) -> int:
    kw.setdefault("enterprise_eligible", True)
    kw.setdefault("institution_suspended", False)
    return compute_claim(policy, loan, y(loss), **kw).amount


# (id, policy, loan, loss, extra inputs, expected compensation)
CASES: list[tuple[str, Policy, Loan, str, dict[str, Any], str]] = [
    # --- SPEC section 6, zhengzhou-2019, every row ---
    ("collateral loan, ordinary firm", ZZ, make_loan(), "1000000.00", {}, "800000.00"),
    ("rounding 266,666.664 half-up", ZZ, make_loan(), "333333.33", {}, "266666.66"),
    (
        "credit, high-tech, first loss 100%",
        ZZ,
        make_loan("credit", **STAR),
        "2000000.00",
        {},
        "2000000.00",
    ),
    (
        "second loss, firm total exactly 3,000,000",
        ZZ,
        make_loan("credit", **STAR),
        "1000000.00",
        {"enterprise_other_losses": y("2000000.00")},
        "1000000.00",
    ),
    (
        "third loss, firm total 3,000,000.01: 80% of 0.01 half-up",
        ZZ,
        make_loan("credit", **STAR),
        "0.01",
        {"enterprise_other_losses": y("3000000.00")},
        "0.01",
    ),
    (
        "another firm reaching 3,300,000: whole loss at 80%",
        ZZ,
        make_loan("credit", **STAR),
        "2800000.00",
        {"enterprise_other_losses": y("500000.00")},
        "2240000.00",
    ),
    ("80% lands exactly on the per-loan cap", ZZ, make_loan(), "6250000.00", {}, "5000000.00"),
    ("80% one fen over the cap before rounding", ZZ, make_loan(), "6250000.02", {}, "5000000.00"),
    (
        "disbursed while the bank was suspended",
        ZZ,
        make_loan(),
        "900000.00",
        {"institution_suspended": True},
        "0.00",
    ),
    (
        "recovery of 100,000 before payment",
        ZZ,
        make_loan(),
        "1000000.00",
        {"recovered_before_payment": y("100000.00")},
        "720000.00",
    ),
    # --- more zhengzhou-2019 cases ---
    (
        "IP-pledge loan alone at the 3,000,000 threshold: 100%",
        ZZ,
        make_loan("ip_pledge", **STAR),
        "3000000.00",
        {},
        "3000000.00",
    ),
    (
        "high-tech credit loan above 3,000,000 on its own: 80%",
        ZZ,
        make_loan("credit", **STAR),
        "6000000.00",
        {},
        "4800000.00",
    ),
    (
        "high-tech but not profitable two years: 80%",
        ZZ,
        make_loan("credit", high_tech=True, collateral="0"),
        "1000000.00",
        {},
        "800000.00",
    ),
    (
        "profitable two years but not high-tech: 80%",
        ZZ,
        make_loan("credit", profitable=True, collateral="0"),
        "1000000.00",
        {},
        "800000.00",
    ),
    (
        "collateral loan to a star firm: 80%",
        ZZ,
        make_loan("collateral", high_tech=True, profitable=True),
        "1000000.00",
        {},
        "800000.00",
    ),
    (
        "ineligible enterprise: not covered",
        ZZ,
        make_loan(),
        "1000000.00",
        {"enterprise_eligible": False},
        "0.00",
    ),
    (
        "per-loan cap shared with the loan's earlier claim",
        ZZ,
        make_loan(),
        "2000000.00",
        {"loan_compensated_before": y("4500000.00")},
        "500000.00",
    ),
    (
        "per-loan cap already used up",
        ZZ,
        make_loan(),
        "2000000.00",
        {"loan_compensated_before": y("5000000.00")},
        "0.00",
    ),
    (
        "recoveries above the loss leave nothing",
        ZZ,
        make_loan(),
        "100000.00",
        {"recovered_before_payment": y("150000.00")},
        "0.00",
    ),
    (
        "a henan policy loan disbursed before 2025-06-01 keeps zhengzhou-2019's 80%",
        HENAN,
        make_loan(revenue="300000000.00", disbursed=dt.date(2025, 5, 31)),
        "1000000.00",
        {},
        "800000.00",
    ),
    # --- henan-2025: revenue tiers at each boundary (collateral loans) ---
    (
        "revenue exactly 20M: 60%",
        HENAN,
        make_loan(revenue="20000000.00", disbursed=UNDER_HENAN),
        "1000000.00",
        {"institution_year": BIG_BANK},
        "600000.00",
    ),
    (
        "revenue 20M + 0.01: 50%",
        HENAN,
        make_loan(revenue="20000000.01", disbursed=UNDER_HENAN),
        "1000000.00",
        {"institution_year": BIG_BANK},
        "500000.00",
    ),
    (
        "revenue exactly 50M: 50%",
        HENAN,
        make_loan(revenue="50000000.00", disbursed=UNDER_HENAN),
        "1000000.00",
        {"institution_year": BIG_BANK},
        "500000.00",
    ),
    (
        "revenue 50M + 0.01: 40%",
        HENAN,
        make_loan(revenue="50000000.01", disbursed=UNDER_HENAN),
        "1000000.00",
        {"institution_year": BIG_BANK},
        "400000.00",
    ),
    (
        "revenue exactly 100M: 40%",
        HENAN,
        make_loan(revenue="100000000.00", disbursed=UNDER_HENAN),
        "1000000.00",
        {"institution_year": BIG_BANK},
        "400000.00",
    ),
    (
        "revenue 100M + 0.01: 30%",
        HENAN,
        make_loan(revenue="100000000.01", disbursed=UNDER_HENAN),
        "1000000.00",
        {"institution_year": BIG_BANK},
        "300000.00",
    ),
    (
        "50% of 0.03 is 0.015, half-up 0.02",
        HENAN,
        make_loan(revenue="30000000.00", disbursed=UNDER_HENAN),
        "0.03",
        {"institution_year": BIG_BANK},
        "0.02",
    ),
    # --- henan-2025: credit and research-cooperation rules ---
    (
        "credit loan, no collateral, no guarantor: 60% (revenue 80M)",
        HENAN,
        make_loan("credit", collateral="0", revenue="80000000.00", disbursed=UNDER_HENAN),
        "1000000.00",
        {"institution_year": BIG_BANK},
        "600000.00",
    ),
    (
        "credit loan with a guarantor falls to its revenue tier",
        HENAN,
        make_loan(
            "credit", collateral="0", guarantor="GTR", revenue="80000000.00", disbursed=UNDER_HENAN
        ),
        "1000000.00",
        {"institution_year": BIG_BANK},
        "400000.00",
    ),
    (
        "credit loan with collateral falls to its revenue tier",
        HENAN,
        make_loan("credit", collateral="1.00", revenue="80000000.00", disbursed=UNDER_HENAN),
        "1000000.00",
        {"institution_year": BIG_BANK},
        "400000.00",
    ),
    (
        "research cooperation under 10M revenue: 80%",
        HENAN,
        make_loan(research=True, revenue="9999999.99", disbursed=UNDER_HENAN),
        "1000000.00",
        {"institution_year": BIG_BANK},
        "800000.00",
    ),
    (
        "research cooperation at exactly 10M: its revenue tier, 60%",
        HENAN,
        make_loan(research=True, revenue="10000000.00", disbursed=UNDER_HENAN),
        "1000000.00",
        {"institution_year": BIG_BANK},
        "600000.00",
    ),
    (
        "research cooperation credit loan: the 80% rule comes first",
        HENAN,
        make_loan(
            "credit", research=True, collateral="0", revenue="5000000.00", disbursed=UNDER_HENAN
        ),
        "1000000.00",
        {"institution_year": BIG_BANK},
        "800000.00",
    ),
    # --- henan-2025: caps ---
    (
        "institution cap at 2% of prior-year balance",
        HENAN,
        make_loan(revenue="10000000.00", disbursed=UNDER_HENAN),
        "1000000.00",
        {"institution_year": InstitutionYear(y("1500000.00"), y("100000000.00"))},
        "500000.00",
    ),
    (
        "institution cap at 10,000,000 when 2% of balance is more",
        HENAN,
        make_loan(revenue="10000000.00", disbursed=UNDER_HENAN),
        "1000000.00",
        {"institution_year": InstitutionYear(y("9800000.00"), y("1000000000.00"))},
        "200000.00",
    ),
    (
        "institution cap used up",
        HENAN,
        make_loan(revenue="10000000.00", disbursed=UNDER_HENAN),
        "1000000.00",
        {"institution_year": InstitutionYear(y("2000000.00"), y("100000000.00"))},
        "0.00",
    ),
    (
        "henan 30% above the city's per-loan cap",
        HENAN,
        make_loan(revenue="200000000.00", disbursed=UNDER_HENAN),
        "20000000.00",
        {"institution_year": BIG_BANK},
        "5000000.00",
    ),
]


@pytest.mark.parametrize(
    ("policy", "loan", "loss", "extra", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_each_worked_example_pays_the_hand_computed_amount(
    policy: Policy, loan: Loan, loss: str, extra: dict[str, Any], expected: str
) -> None:
    assert claim(policy, loan, loss, **extra) == y(expected)


@pytest.mark.parametrize(
    ("recovery", "paid", "loss", "returned", "expected"),
    [
        ("50000.00", "800000.00", "1000000.00", "0", "40000.00"),  # SPEC
        ("1400000.00", "5000000.00", "7000000.00", "0", "1000000.00"),  # SPEC, capped claim
        ("0.01", "0.80", "1.00", "0", "0.01"),  # 0.008 half-up
        ("0.01", "0.50", "1.00", "0", "0.01"),  # exactly half a fen rounds up
        ("2000000.00", "800000.00", "1000000.00", "700000.00", "100000.00"),  # never above paid
        ("90000.00", "720000.00", "900000.00", "0", "72000.00"),  # on the net loss
        ("100.00", "0", "1000.00", "0", "0.00"),  # nothing was paid
    ],
)
def test_a_recovery_after_payment_returns_the_reserves_share(
    recovery: str, paid: str, loss: str, returned: str, expected: str
) -> None:
    assert recovery_share(y(recovery), y(paid), y(loss), y(returned)) == y(expected)


def test_the_trace_names_rule_clause_and_version_at_each_step() -> None:
    result = compute_claim(
        ZZ, make_loan(), y("6250000.02"), enterprise_eligible=True, institution_suspended=False
    )
    assert (result.policy_name, result.policy_version) == ("zhengzhou-2019", "2019")
    rules = [s.rule for s in result.steps]
    assert rules == [
        "recoveries_before_payment",
        "eligible_enterprise",
        "institution_active",
        "compensation_ratio",
        "cap_per_loan",
    ]
    ratio, cap = result.steps[-2:]
    assert ratio.clause == "郑州市2019年科技金融政策 第二条"
    assert (ratio.before, ratio.after) == (y("6250000.02"), y("5000000.02"))
    assert (cap.limit, cap.used, cap.left, cap.after) == (
        y("5000000"),
        0,
        y("5000000"),
        y("5000000"),
    )
    assert all(s.policy_version == "2019" for s in result.steps)
    for a, b in zip(result.steps, result.steps[1:], strict=False):
        assert a.after == b.before


def test_a_suspended_bank_gets_zero_with_the_suspension_rule_in_the_trace() -> None:
    result = compute_claim(
        ZZ, make_loan(), y("900000"), enterprise_eligible=True, institution_suspended=True
    )
    last = result.steps[-1]
    assert (result.amount, last.rule, last.after) == (0, "institution_active", 0)
    assert "suspended" in last.note and "第二条" in last.clause


def test_a_loan_under_henan_keeps_its_policy_name_in_the_result() -> None:
    loan = make_loan(revenue="10000000.00", disbursed=UNDER_HENAN)
    result = compute_claim(
        HENAN,
        loan,
        y("100"),
        enterprise_eligible=True,
        institution_suspended=False,
        institution_year=BIG_BANK,
    )
    assert (result.policy_name, result.policy_version) == ("henan-2025", "2025")
    cap = result.steps[-1]
    assert cap.rule == "cap_per_institution_year" and cap.limit == y("10000000.00")
    older = compute_claim(
        HENAN,
        replace(loan, disbursed_on=BEFORE_HENAN),
        y("100"),
        enterprise_eligible=True,
        institution_suspended=False,
    )
    assert older.policy_name == "zhengzhou-2019"


def test_a_henan_claim_without_cap_usage_is_refused() -> None:
    with pytest.raises(PolicyError, match="InstitutionYear"):
        claim(HENAN, make_loan(disbursed=UNDER_HENAN), "100")


def test_a_loan_before_any_policy_version_is_refused() -> None:
    with pytest.raises(PolicyError, match="not in force"):
        claim(ZZ, make_loan(disbursed=dt.date(2018, 12, 31)), "100")


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError):
        claim(ZZ, make_loan(), "100", recovered_before_payment=-1)
