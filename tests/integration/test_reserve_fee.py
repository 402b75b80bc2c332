"""The management fee: 1% of the year's time-weighted average reserve, interest income first.

Worked example: 36,500,000.00 deposited on 1 January 2025 and 73,000.00 of
interest on 2 July (in the reserve for the last 183 days of the year). The
average reserve on 31 December is 36,500,000 + 73,000 × 183 / 365
= 36,536,600.00, so the 2025 limit is 365,366.00.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from tests import factories as f
from zhengkedai.db.models import LineRow
from zhengkedai.domain.errors import InsufficientFunds, InvariantViolation
from zhengkedai.domain.money import parse_yuan
from zhengkedai.services.audit import caps as audit_caps
from zhengkedai.services.audit import verify
from zhengkedai.services.funds import fees as reserve_fee
from zhengkedai.services.funds import reserve

D = dt.date


def y(text: str) -> int:
    return parse_yuan(text)


@pytest.fixture
def funded(uow, actor):  # type: ignore[no-untyped-def]
    f.bank(uow, actor, "ZZB", "郑州银行")
    f.bank(uow, actor, "ZYB", "中原银行")
    f.fund_reserve(uow, actor, y("36500000.00"), on=D(2025, 1, 1))
    reserve.interest(uow, actor, y("73000.00"), bank="ZZB", on=D(2025, 7, 2))
    return uow


def test_the_average_reserve_is_time_weighted_over_the_days_of_the_year_so_far(funded) -> None:
    assert reserve_fee.average_reserve(funded, D(2025, 12, 31)) == (y("36536600.00"), 365)
    # to 1 August (213 days): 36,500,000 + 73,000 × 31 / 213 = 36,510,624.413… → .41
    assert reserve_fee.average_reserve(funded, D(2025, 8, 1)) == (y("36510624.41"), 213)
    fy = reserve_fee.fee_year(funded, D(2025, 12, 31))
    assert (fy.limit, fy.ratio_text, fy.interest_earned) == (y("365366.00"), "1%", y("73000.00"))


def test_a_fee_at_the_limit_is_paid_interest_first_and_one_fen_over_is_refused(
        funded, actor) -> None:
    with pytest.raises(InvariantViolation, match=r"above the limit .*365,366\.00.*at most "
                       r"365,366\.00 can still be taken"):
        reserve_fee.pay_fee(funded, actor, y("365366.01"), on=D(2025, 12, 31))
    paid = reserve_fee.pay_fee(funded, actor, y("365366.00"), on=D(2025, 12, 31), ref="FEE-25")
    assert (paid.bank, paid.from_interest, paid.from_principal) == (
        "ZZB", y("73000.00"), y("292366.00"))
    assert {(line.account, line.amount) for line in paid.entry.lines} == {
        ("reserve:fee_expense:interest", y("73000.00")),
        ("reserve:fee_expense:principal", y("292366.00")),
        ("reserve:cash:ZZB", -y("365366.00")),
    }
    assert "利息收入列支 73,000.00" in paid.entry.memo
    with pytest.raises(InvariantViolation, match="at most 0.00 can still be taken"):
        reserve_fee.pay_fee(funded, actor, y("0.01"), on=D(2025, 12, 31))
    again = reserve_fee.pay_fee(funded, actor, y("365366.00"), on=D(2025, 12, 31), ref="FEE-25")
    assert again.entry.seq == paid.entry.seq
    assert verify.verify(funded).ok


def test_interest_already_used_by_an_earlier_fee_is_not_used_twice(funded, actor) -> None:
    first = reserve_fee.pay_fee(funded, actor, y("50000.00"), on=D(2025, 8, 1))
    assert (first.from_interest, first.from_principal) == (y("50000.00"), 0)
    # the fee is left out of the average, so the year-end limit is still 365,366.00
    second = reserve_fee.pay_fee(funded, actor, y("315366.00"), on=D(2025, 12, 31))
    assert (second.from_interest, second.from_principal) == (y("23000.00"), y("292366.00"))
    assert reserve_fee.fee_year(funded, D(2025, 12, 31)).headroom == 0


def test_early_in_the_year_the_limit_is_one_percent_of_the_average_so_far(funded, actor) -> None:
    # 1 August: 1% of 36,510,624.41 = 365,106.24
    with pytest.raises(InvariantViolation, match="365,106.24"):
        reserve_fee.pay_fee(funded, actor, y("365106.25"), on=D(2025, 8, 1))
    reserve_fee.pay_fee(funded, actor, y("365106.24"), on=D(2025, 8, 1))


def test_the_limit_starts_again_each_year(funded, actor) -> None:
    reserve_fee.pay_fee(funded, actor, y("365366.00"), on=D(2025, 12, 31))
    # 2026 opens at 36,573,000.00 − 365,366.00 = 36,207,634.00: 1% is 362,076.34
    fy = reserve_fee.fee_year(funded, D(2026, 1, 1))
    assert (fy.average_reserve, fy.limit, fy.fees_taken, fy.interest_left) == (
        y("36207634.00"), y("362076.34"), 0, 0)
    paid = reserve_fee.pay_fee(funded, actor, y("362076.34"), on=D(2026, 1, 1))
    assert paid.from_principal == y("362076.34")


def test_the_fee_is_paid_from_the_bank_with_the_most_interest_or_the_one_named(
        funded, actor) -> None:
    reserve.transfer(funded, actor, y("100000.00"), from_bank="ZZB", to_bank="ZYB",
                     on=D(2025, 9, 1))
    reserve.interest(funded, actor, y("100.00"), bank="ZYB", on=D(2025, 9, 30))
    assert reserve_fee.pay_fee(funded, actor, y("10.00"), on=D(2025, 10, 1)).bank == "ZZB"
    assert reserve_fee.pay_fee(funded, actor, y("10.00"), on=D(2025, 10, 1),
                               bank="ZYB").bank == "ZYB"
    with pytest.raises(InsufficientFunds, match="short by 199,910.00"):
        reserve_fee.pay_fee(funded, actor, y("300000.00"), on=D(2025, 12, 31), bank="ZYB")


def test_verify_names_a_year_whose_fees_pass_the_limit(funded, actor) -> None:
    paid = reserve_fee.pay_fee(funded, actor, y("365366.00"), on=D(2025, 12, 31))
    funded.s.execute(update(LineRow).where(LineRow.entry_seq == paid.entry.seq,
                                           LineRow.account_code == "reserve:cash:ZZB")
                     .values(amount_fen=-y("365366.01")))
    funded.s.execute(update(LineRow).where(LineRow.entry_seq == paid.entry.seq,
                                           LineRow.account_code == "reserve:fee_expense:principal")
                     .values(amount_fen=y("292366.01")))
    problems = audit_caps.check_fees(funded)
    assert len(problems) == 1 and "management fees of 2025 total 365,366.01" in problems[0]
