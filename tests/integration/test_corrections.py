"""Correcting a booking made by hand: `zkd reverse` posts its reversal, both kept (SPEC 3)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories as f
from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.domain.errors import InsufficientFunds, InvariantViolation, NotFound, ZkdError
from zhengkedai.domain.money import parse_yuan as y
from zhengkedai.services import closing, policies
from zhengkedai.services.audit import verify
from zhengkedai.services.claims import computation as claims
from zhengkedai.services.claims import workflow as wf
from zhengkedai.services.funds import corrections, reserve
from zhengkedai.services.funds import fees as reserve_fee

D = dt.date(2025, 3, 3)


@pytest.fixture
def books(uow, actor):  # type: ignore[no-untyped-def]
    f.bank(uow, actor)
    policies.load_bundled(uow, actor)
    return uow


def test_a_mistyped_deposit_is_reversed_and_booked_again_both_kept(books, actor) -> None:
    wrong = reserve.deposit(books, actor, y("1,000,000"), source="city", bank="ZZB", on=D)
    undo = corrections.reverse_entry(books, actor, wrong.seq, "typed 1,000,000 for 100,000",
                                     on=D + dt.timedelta(days=1))
    reserve.deposit(books, actor, y("100,000"), source="city", bank="ZZB", on=D, ref="again")
    assert undo.reverses == wrong.seq and "冲销凭证#1（准备金存入）" in undo.memo
    assert reserve.status(books, D + dt.timedelta(days=2)).balance == y("100,000")
    assert len(list(LedgerRepo(books).entries())) == 3 and verify.verify(books).ok
    with pytest.raises(ZkdError, match="already reversed by entry #2"):
        corrections.reverse_entry(books, actor, wrong.seq, "again")
    with pytest.raises(ZkdError, match="itself the reversal of entry #1"):
        corrections.reverse_entry(books, actor, undo.seq, "undo the undo")


def test_a_deposit_already_spent_cannot_be_reversed(books, actor) -> None:
    deposit = reserve.deposit(books, actor, y("1,000,000"), source="city", bank="ZZB", on=D)
    loan = f.loan(books, actor, principal=y("2,000,000"))
    claim = claims.open_claim(books, actor, f.event(books, actor, loan, "loss", y("1,000,000"), D))
    wf.approve(books, actor, claim.id, D)
    wf.pay(books, actor, claim.id, D)  # 800,000 of the 1,000,000 paid out
    with pytest.raises(InsufficientFunds, match="800,000.00"):
        corrections.reverse_entry(books, actor, deposit.seq, "wrong bank", on=D)


def test_entries_made_by_a_workflow_are_corrected_through_it(books, actor) -> None:
    reserve.deposit(books, actor, y("1,000,000"), source="city", bank="ZZB", on=D)
    loan = f.loan(books, actor, principal=y("2,000,000"))
    claim = claims.open_claim(books, actor, f.event(books, actor, loan, "loss", y("100,000"), D))
    approval = wf.approve(books, actor, claim.id, D).approve_entry
    with pytest.raises(ZkdError, match="workflow; correct it through its claim's workflow"):
        corrections.reverse_entry(books, actor, approval, "no")
    with pytest.raises(NotFound, match="no journal entry #99"):
        corrections.reverse_entry(books, actor, 99, "no")


def test_a_reversal_is_not_dated_before_its_entry_or_in_a_closed_month(books, actor, clock) -> None:
    deposit = reserve.deposit(books, actor, y("1,000"), source="city", bank="ZZB", on=D)
    with pytest.raises(ZkdError, match="cannot be dated 2025-03-02, before it"):
        corrections.reverse_entry(books, actor, deposit.seq, "x", on=D - dt.timedelta(days=1))
    with pytest.raises(ZkdError, match="needs a reason"):
        corrections.reverse_entry(books, actor, deposit.seq, "  ")
    clock.now = dt.datetime(2025, 4, 2, 9)
    for period in ("2025-01", "2025-02", "2025-03"):
        closing.close_month(books, actor, period)
    with pytest.raises(InvariantViolation, match="month 2025-03 is closed"):
        corrections.reverse_entry(books, actor, deposit.seq, "late", on=D)
    assert corrections.reverse_entry(books, actor, deposit.seq, "in April").entry_date == \
        dt.date(2025, 4, 2)


def test_reversing_a_management_fee_gives_its_room_under_the_limit_back(books, actor) -> None:
    reserve.deposit(books, actor, y("10,000,000"), source="city", bank="ZZB",
                    on=dt.date(2025, 1, 1))
    on = dt.date(2025, 12, 31)
    limit = reserve_fee.fee_year(books, on).limit
    fee = reserve_fee.pay_fee(books, actor, limit, on=on)
    assert reserve_fee.fee_year(books, on).headroom == 0
    corrections.reverse_entry(books, actor, fee.entry.seq, "paid twice by mistake", on=on)
    year = reserve_fee.fee_year(books, on)
    assert (year.fees_taken, year.headroom) == (0, limit) and verify.verify(books).ok


def test_a_reversed_voucher_is_free_and_the_right_booking_takes_its_number(books, actor) -> None:
    wrong = reserve.deposit(books, actor, y("1,000,000"), source="city", bank="ZZB", on=D,
                            ref="CZ-7")
    # while it stands, the voucher again is the same booking or a refusal
    assert reserve.deposit(books, actor, y("1,000,000"), source="city", bank="ZZB", on=D,
                           ref="CZ-7").seq == wrong.seq
    with pytest.raises(InvariantViolation, match=rf"reverse it first \(`zkd reverse {wrong.seq}"):
        reserve.deposit(books, actor, y("100,000"), source="city", bank="ZZB", on=D, ref="CZ-7")
    corrections.reverse_entry(books, actor, wrong.seq, "typed 1,000,000 for 100,000", on=D)
    right = reserve.deposit(books, actor, y("100,000"), source="city", bank="ZZB", on=D,
                            ref="CZ-7")
    assert right.seq > wrong.seq and "凭证 CZ-7" in right.memo
    assert reserve.deposit(books, actor, y("100,000"), source="city", bank="ZZB", on=D,
                           ref="CZ-7").seq == right.seq  # and it is booked once
    # the same goes for the budget and a management fee's voucher
    from zhengkedai.services.funds import budget

    first = budget.deposit(books, actor, y("500"), on=D, ref="B-1")
    corrections.reverse_entry(books, actor, first.seq, "wrong amount", on=D)
    assert budget.deposit(books, actor, y("50"), on=D, ref="B-1").seq > first.seq
    assert reserve.status(books, D).balance == y("100,000") and verify.verify(books).ok
