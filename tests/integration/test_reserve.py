"""The reserve: interest, transfers, status figures and the month's movements, worked by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests import factories as f
from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.domain.errors import InsufficientFunds, ZkdError
from zhengkedai.domain.ledger import EntryDraft, Line
from zhengkedai.domain.money import parse_yuan
from zhengkedai.services.funds import reserve

D = dt.date


def y(text: str) -> int:
    return parse_yuan(text)


@pytest.fixture
def two_banks(uow, actor):  # type: ignore[no-untyped-def]
    f.bank(uow, actor, "ZZB", "郑州银行")
    f.bank(uow, actor, "ZYB", "中原银行")
    return uow


def test_interest_and_a_transfer_move_money_between_deposit_banks(two_banks, actor) -> None:
    uow = two_banks
    f.fund_reserve(uow, actor, y("1000000.00"), on=D(2025, 1, 2))
    reserve.transfer(uow, actor, y("300000.00"), from_bank="ZZB", to_bank="ZYB", on=D(2025, 2, 1))
    entry = reserve.interest(uow, actor, y("1234.56"), bank="ZYB", on=D(2025, 3, 21), ref="INT-1")
    assert {(line.account, line.amount) for line in entry.lines} == {
        ("reserve:cash:ZYB", y("1234.56")), ("reserve:interest_income", -y("1234.56"))}
    assert "利息收入" in entry.memo
    assert reserve.balances_by_bank(uow, D(2025, 3, 31)) == {
        "ZYB": y("301234.56"), "ZZB": y("700000.00")}
    again = reserve.interest(uow, actor, y("1234.56"), bank="ZYB", on=D(2025, 3, 21), ref="INT-1")
    assert again.seq == entry.seq


def test_a_transfer_larger_than_the_bank_holds_is_refused_with_the_shortfall(
        two_banks, actor) -> None:
    uow = two_banks
    f.fund_reserve(uow, actor, y("700000.00"), on=D(2025, 1, 2))
    with pytest.raises(InsufficientFunds, match="short by 100,000.00"):
        reserve.transfer(uow, actor, y("800000.00"), from_bank="ZZB", to_bank="ZYB",
                         on=D(2025, 2, 1))
    with pytest.raises(ZkdError, match="two different deposit banks"):
        reserve.transfer(uow, actor, y("1.00"), from_bank="ZZB", to_bank="ZZB", on=D(2025, 2, 1))


def test_status_shows_target_top_up_and_allocation_by_each_banks_outstanding_principal(
        two_banks, actor) -> None:
    uow = two_banks
    f.loan(uow, actor, institution="ZZB", loan_no="A1", principal=y("4000000.00"))
    f.loan(uow, actor, institution="ZZB", loan_no="A2", principal=y("2000000.00"),
           enterprise_seq=2)
    b1 = f.loan(uow, actor, institution="ZYB", loan_no="B1", principal=y("3000000.00"),
                enterprise_seq=3)
    f.event(uow, actor, b1, "repayment", y("1000000.00"), D(2025, 3, 1))
    f.fund_reserve(uow, actor, y("500000.00"), bank_code="ZZB", on=D(2025, 1, 2))
    f.fund_reserve(uow, actor, y("100000.00"), bank_code="ZYB", on=D(2025, 1, 2))
    LedgerRepo(uow).post(EntryDraft(D(2025, 3, 5), "test.approve", "批准补偿",
                                    (Line("reserve:compensation_expense", y("50000.00")),
                                     Line("reserve:compensation_payable:ZZB", -y("50000.00"))),
                                    "test-approve-1"), actor)
    st = reserve.status(uow, D(2025, 3, 31))
    # outstanding 4M + 2M + (3M − 1M) = 8M; target 10% = 800,000; balance 600,000,
    # of which 50,000 is owed on an approved claim: 550,000 available, 250,000 short
    assert st.outstanding_principal == y("8000000.00")
    assert st.target == y("800000.00") and st.balance == y("600000.00")
    assert st.committed == y("50000.00") and st.available == y("550000.00")
    assert st.top_up_needed == y("250000.00")
    assert [(s.bank, s.balance, s.outstanding_principal, s.suggested, s.difference)
            for s in st.allocation] == [
        ("ZYB", y("100000.00"), y("2000000.00"), y("200000.00"), y("100000.00")),
        ("ZZB", y("500000.00"), y("6000000.00"), y("600000.00"), y("100000.00")),
    ]
    before = reserve.status(uow, D(2025, 2, 28))  # before the repayment and the approval
    assert before.target == y("900000.00") and before.top_up_needed == y("300000.00")


def test_allocation_shares_sum_exactly_to_the_target_by_largest_remainder(
        two_banks, actor) -> None:
    uow = two_banks
    f.bank(uow, actor, "ICB", "工商银行")
    for i, code in enumerate(("ZZB", "ZYB", "ICB"), start=1):
        f.loan(uow, actor, institution=code, loan_no=f"L{i}", principal=y("1000000.00"),
               enterprise_seq=i)
    f.fund_reserve(uow, actor, y("1.00"), bank_code="ZZB", on=D(2025, 1, 2))
    st = reserve.status(uow, D(2025, 1, 31))
    assert {s.bank: s.suggested for s in st.allocation} == {
        "ICB": y("100000.00"), "ZYB": y("100000.00"), "ZZB": y("100000.00")}
    # 12.5% of 3,000,000.00 = 375,000.00 = 125,000.00 each; 3,000,000.00 × 0.1000001
    # = 300,000.30 leaves 0.30 / 3 = 0.10 each; 0.1000002 gives 300,000.60 → 0.20 each;
    # 0.10000001 gives 300,000.03 → 0.01 each; 0.100000013 gives 300,000.04: one fen more
    # to the lowest code on equal remainders
    odd = reserve.status(uow, D(2025, 1, 31), target_ratio=Decimal("0.100000013"))
    assert odd.target == y("300000.04")
    assert {s.bank: s.suggested for s in odd.allocation} == {
        "ICB": y("100000.02"), "ZYB": y("100000.01"), "ZZB": y("100000.01")}
    assert sum(s.suggested for s in odd.allocation) == odd.target


def test_the_months_movements_are_told_by_kind_and_add_up_per_bank(two_banks, actor) -> None:
    uow = two_banks
    f.fund_reserve(uow, actor, y("1000000.00"), on=D(2025, 1, 2))
    reserve.deposit(uow, actor, y("200000.00"), source="district:金水区", bank="ZYB",
                    on=D(2025, 2, 3))
    reserve.transfer(uow, actor, y("300000.00"), from_bank="ZZB", to_bank="ZYB", on=D(2025, 2, 4))
    reserve.interest(uow, actor, y("99.99"), bank="ZZB", on=D(2025, 2, 21))
    reserve.interest(uow, actor, y("1.00"), bank="ZZB", on=D(2025, 3, 21))
    moves = reserve.movements(uow, D(2025, 2, 1), D(2025, 2, 28))
    assert moves["ZZB"].opening == y("1000000.00")
    assert moves["ZZB"].flows == {"interest": y("99.99"), "transfer_out": -y("300000.00")}
    assert moves["ZZB"].closing == y("700099.99")
    assert moves["ZYB"].flows == {"deposit": y("200000.00"), "transfer_in": y("300000.00")}
    assert moves["ZYB"].opening == 0 and moves["ZYB"].closing == y("500000.00")
