"""Month close: in order, only after the month ends, suspensions from the next month."""

import datetime as dt
import json

import pytest

from tests import factories as f
from zhengkedai.db.ledger_repo import LedgerRepo, closed_month
from zhengkedai.db.models import ClaimRow
from zhengkedai.domain.errors import InvariantViolation, ZkdError
from zhengkedai.services import closing, institutions, policies
from zhengkedai.services.audit import verify
from zhengkedai.services.claims import computation as claims
from zhengkedai.services.claims import workflow as wf


def test_an_institution_above_five_percent_overdue_is_suspended_from_next_month(uow, actor, clock) -> None:
    f.bank(uow, actor)
    f.bank(uow, actor, "ZYB", "中原银行")
    a = f.loan(uow, actor, loan_no="A", principal=100_000_000, disbursed_on=dt.date(2025, 1, 5))
    f.loan(uow, actor, institution="ZYB", loan_no="B", principal=100_000_000,
           disbursed_on=dt.date(2025, 1, 5), enterprise_seq=2)
    f.event(uow, actor, a, "overdue", 5_000_001, dt.date(2025, 1, 20))  # 5.00001%
    clock.now = dt.datetime(2025, 2, 1, 10)
    result = closing.close_month(uow, actor, "2025-01")
    uow.commit()
    by_code = {i.code: i for i in result.institutions}
    assert by_code["ZZB"].suspended_next_month and not by_code["ZYB"].suspended_next_month
    assert institutions.suspended_since(uow, "ZZB", dt.date(2025, 2, 1)) == dt.date(2025, 2, 1)
    assert not institutions.is_suspended(uow, "ZZB", dt.date(2025, 1, 31))
    assert not institutions.is_suspended(uow, "ZYB", dt.date(2025, 2, 1))


def test_exactly_five_percent_overdue_is_not_suspended_and_a_later_close_reinstates(uow, actor, clock) -> None:
    f.bank(uow, actor)
    a = f.loan(uow, actor, principal=100_000_000, disbursed_on=dt.date(2025, 1, 5))
    f.event(uow, actor, a, "overdue", 6_000_000, dt.date(2025, 1, 20))
    clock.now = dt.datetime(2025, 3, 2)
    assert closing.close_month(uow, actor, "2025-01").institutions[0].suspended_next_month
    f.event(uow, actor, a, "overdue", 5_000_000, dt.date(2025, 2, 10))  # exactly 5%
    assert not closing.close_month(uow, actor, "2025-02").institutions[0].suspended_next_month
    uow.commit()
    assert institutions.is_suspended(uow, "ZZB", dt.date(2025, 2, 15))
    assert not institutions.is_suspended(uow, "ZZB", dt.date(2025, 3, 1))


def test_months_close_in_order_once_and_only_after_they_end(uow, actor, clock) -> None:
    f.bank(uow, actor)
    f.fund_reserve(uow, actor, 1000, on=dt.date(2025, 1, 2))
    clock.now = dt.datetime(2025, 3, 31, 15, 59)  # 23:59 in Zhengzhou
    with pytest.raises(ZkdError, match="has not ended"):
        closing.close_month(uow, actor, "2025-03")
    with pytest.raises(ZkdError, match="close 2025-01 first"):
        closing.close_month(uow, actor, "2025-02")
    closing.close_month(uow, actor, "2025-01")
    with pytest.raises(ZkdError, match="was closed"):
        closing.close_month(uow, actor, "2025-01")
    with pytest.raises(InvariantViolation, match="2025-01 is closed"):
        f.fund_reserve(uow, actor, 1000, on=dt.date(2025, 1, 31), ref="late")
    closing.close_month(uow, actor, "2025-02")
    month = closed_month(uow, "2025-02")
    assert month is not None and month.last_seq == 1
    assert month.chain_head == LedgerRepo(uow).entry(1).hash


def test_close_command_prints_the_ratios_and_refuses_a_second_close(zkd_frozen) -> None:
    zkd = zkd_frozen
    zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank")
    zkd("reserve", "deposit", "--ref", "V-1", "100", "--source", "city", "--at", "ZZB", "--on", "2025-01-02")
    r = zkd("close", "2025-01")
    assert r.exit_code == 0, r.output
    assert "Closed 2025-01" in r.output and "ZZB" in r.output
    again = zkd("close", "2025-01")
    assert again.exit_code == 1 and again.stderr.startswith("Error: month 2025-01 was closed")
    doc = json.loads(zkd("close", "2025-02", "--format", "json").output)
    assert doc["rows"] == [{"institution": "ZZB", "outstanding": "0.00", "overdue": "0.00",
                            "overdue_ratio": None, "status_next_month": "active"}]
    assert doc["recomputed_claims"] == []


def test_a_claim_opened_before_the_close_that_suspends_its_bank_is_computed_again(
        uow, actor, clock) -> None:
    """A loan disbursed in April is filed, and its loss claimed and approved, before
    March is closed. The March close suspends the bank from 1 April: the loan was
    disbursed while suspended, so the claim is 0.00, its approval reversed."""
    f.bank(uow, actor)
    f.fund_reserve(uow, actor, 100_000_000, on=dt.date(2025, 1, 2))
    policies.load_bundled(uow, actor)
    old = f.loan(uow, actor, loan_no="A", principal=100_000_000, disbursed_on=dt.date(2025, 1, 5))
    f.event(uow, actor, old, "overdue", 10_000_000, dt.date(2025, 3, 20))  # 6.7% of 150,000,000
    clock.now = dt.datetime(2025, 3, 1, 9)
    closing.close_month(uow, actor, "2025-01")
    closing.close_month(uow, actor, "2025-02")
    late = f.loan(uow, actor, loan_no="S7", principal=50_000_000, disbursed_on=dt.date(2025, 4, 15),
                  enterprise_seq=2)
    covered = f.loan(uow, actor, loan_no="S6", principal=50_000_000,
                     disbursed_on=dt.date(2025, 3, 31), enterprise_seq=3)
    claim = claims.open_claim(uow, actor, f.event(uow, actor, late, "loss", 50_000_000,
                                                  dt.date(2025, 4, 20)))
    kept = claims.open_claim(uow, actor, f.event(uow, actor, covered, "loss", 10_000_000,
                                                 dt.date(2025, 4, 21)))
    assert (claim.amount_fen, kept.amount_fen) == (40_000_000, 8_000_000)  # 80%: ZZB active so far
    clock.now = dt.datetime(2025, 4, 25, 9)
    wf.approve(uow, actor, claim.id, dt.date(2025, 4, 22))

    result = closing.close_month(uow, actor, "2025-03")
    uow.commit()
    assert [(r.claim_id, r.amount_before, r.amount_after, r.changed) for r in result.recomputed] == [
        (claim.id, 40_000_000, 0, True)]
    claim = uow.s.get(ClaimRow, claim.id)
    assert (claim.amount_fen, claim.status, claim.approve_entry) == (0, "submitted", None)
    assert '"rule": "institution_active"' in claim.trace and "suspended" in claim.trace
    assert uow.s.get(ClaimRow, kept.id).amount_fen == 8_000_000  # disbursed in March: covered
    assert verify.verify(uow).ok


def test_a_claim_paid_before_the_close_that_suspends_its_bank_stands_and_verifies(
        uow, actor, clock) -> None:
    """The same, but the claim was paid before March was closed: the close warns and
    leaves it paid, and verify does not take the paid amount for one raised by hand."""
    claim = f.claim_before_a_suspending_close(uow, actor, clock)
    wf.pay(uow, actor, claim.id, dt.date(2025, 4, 23))
    clock.now = dt.datetime(2025, 4, 26, 9)

    result = closing.close_month(uow, actor, "2025-03")
    uow.commit()
    assert [(r.claim_id, r.amount_before, r.amount_after, r.changed) for r in result.recomputed] == [
        (claim.id, 40_000_000, 0, False)]
    assert uow.s.get(ClaimRow, claim.id).status == "paid"
    assert verify.verify(uow).ok, verify.verify(uow).problems


def test_a_close_that_reinstates_a_bank_restores_a_claim_opened_while_it_was_suspended(
        uow, actor, clock) -> None:
    f.bank(uow, actor)
    policies.load_bundled(uow, actor)
    old = f.loan(uow, actor, loan_no="A", principal=100_000_000, disbursed_on=dt.date(2025, 1, 5))
    f.event(uow, actor, old, "overdue", 6_000_000, dt.date(2025, 1, 20))
    clock.now = dt.datetime(2025, 2, 1, 9)
    closing.close_month(uow, actor, "2025-01")        # suspended from 1 February
    f.event(uow, actor, old, "overdue", 0, dt.date(2025, 2, 10))
    late = f.loan(uow, actor, loan_no="B", principal=10_000_000, disbursed_on=dt.date(2025, 3, 3),
                  enterprise_seq=2)
    claim = claims.open_claim(uow, actor, f.event(uow, actor, late, "loss", 1_000_000,
                                                  dt.date(2025, 3, 5)))
    assert claim.amount_fen == 0                       # still suspended, as far as anyone knew
    clock.now = dt.datetime(2025, 3, 6, 9)
    result = closing.close_month(uow, actor, "2025-02")  # back under 5%: active from 1 March
    assert [(r.amount_before, r.amount_after) for r in result.recomputed] == [(0, 800_000)]
    assert uow.s.get(ClaimRow, claim.id).amount_fen == 800_000


def test_nothing_dated_before_the_latest_close_is_accepted_and_no_earlier_month_closes(
        uow, actor, clock) -> None:
    """The first close (January 2025) closes everything before it too: a deposit
    dated 2024 would change the figures January's statements already report."""
    f.bank(uow, actor)
    f.fund_reserve(uow, actor, 1000, on=dt.date(2025, 1, 2))
    clock.now = dt.datetime(2025, 3, 1, 9)
    closing.close_month(uow, actor, "2025-01")
    closing.close_month(uow, actor, "2025-02")
    with pytest.raises(InvariantViolation, match="the months up to 2025-02 are closed; "
                                                  "nothing dated 2024-06-01 can be booked"):
        f.fund_reserve(uow, actor, 1000, on=dt.date(2024, 6, 1), ref="back-dated")
    with pytest.raises(ZkdError, match="month 2024-06 comes before 2025-02, which is closed"):
        closing.close_month(uow, actor, "2024-06")
    f.fund_reserve(uow, actor, 1000, on=dt.date(2025, 3, 1), ref="march")  # March is open


def test_a_loan_disbursed_before_the_first_closed_month_cannot_be_filed(
        uow, actor, clock, tmp_path) -> None:
    from tests.integration.test_import_large_files import line, write
    from zhengkedai.services.files import importing

    f.bank(uow, actor)
    f.bank(uow, actor, "ZZDB", "郑州担保", "guarantor")
    f.fund_reserve(uow, actor, 1000, on=dt.date(2025, 1, 2))
    clock.now = dt.datetime(2025, 2, 1, 9)
    closing.close_month(uow, actor, "2025-01")
    path = write(tmp_path, "old.csv", [line("OLD", 1, day="2024-11-10"),
                                       line("NEW", 2, day="2025-02-01")])
    with pytest.raises(importing.FileHasErrors) as caught:
        importing.submit(uow, actor, path, institution="ZZB")
    assert [(e.row, e.message) for e in caught.value.errors] == [
        (2, "month 2024-11 is closed; a loan disbursed in it cannot be filed")]


def test_close_through_closes_every_open_month_up_to_it_in_order(uow, actor, clock) -> None:
    f.bank(uow, actor)
    a = f.loan(uow, actor, principal=100_000_000, disbursed_on=dt.date(2025, 1, 5))
    f.event(uow, actor, a, "overdue", 6_000_000, dt.date(2025, 2, 20))  # 6%: suspended in March
    clock.now = dt.datetime(2025, 4, 2)
    results = closing.close_through(uow, actor, "2025-03")
    uow.commit()
    assert [r.period for r in results] == ["2025-01", "2025-02", "2025-03"]
    assert [r.institutions[0].suspended_next_month for r in results] == [False, True, True]
    assert closed_month(uow, "2025-03") is not None and verify.verify(uow).ok
    with pytest.raises(ZkdError, match="month 2025-02 is closed already"):
        closing.close_through(uow, actor, "2025-02")


def test_close_through_a_month_not_yet_ended_closes_none(uow, actor, clock) -> None:
    f.bank(uow, actor)
    f.loan(uow, actor, principal=100_000_000, disbursed_on=dt.date(2025, 1, 5))
    clock.now = dt.datetime(2025, 3, 15)
    with pytest.raises(ZkdError, match="month 2025-03 has not ended yet"):
        closing.close_through(uow, actor, "2025-03")
    uow.rollback()
    assert closed_month(uow, "2025-01") is None


def test_a_loans_file_says_which_loans_were_disbursed_while_the_bank_was_suspended(
        uow, actor, clock, tmp_path) -> None:
    """Filed as any other, but a clerk is told at once that a loss on them will not be
    compensated (the claim would come out at 0 months later)."""
    from tests.integration.test_import_large_files import line, write
    from zhengkedai.services.files import importing

    f.bank(uow, actor)
    f.bank(uow, actor, "ZZDB", "郑州担保", "guarantor")
    a = f.loan(uow, actor, loan_no="A", principal=100_000_000, disbursed_on=dt.date(2025, 1, 5))
    f.event(uow, actor, a, "overdue", 6_000_000, dt.date(2025, 1, 20))  # 6%: suspended
    clock.now = dt.datetime(2025, 3, 2, 9)
    closing.close_month(uow, actor, "2025-01")
    f.bank(uow, actor, "ZYB", "中原银行")
    uow.commit()  # (a dry run rolls back what its transaction holds)
    path = write(tmp_path, "feb.csv", [line("FEB-1", 1, day="2025-02-03"),
                                       line("MAR-1", 2, day="2025-03-01"),
                                       line("FEB-2", 3, day="2025-02-20")])
    result = importing.submit(uow, actor, path, institution="ZZB", dry_run=True)
    assert [n for n in result.notes if "suspended" in n] == [
        "2 loans disbursed in 2025-02, while ZZB was suspended (from 2025-02-01): a loss on a "
        "loan disbursed during a suspension is not compensated",
        "1 loan disbursed in 2025-03, while ZZB was suspended (from 2025-02-01): a loss on a "
        "loan disbursed during a suspension is not compensated"]
    assert not any("suspended" in n for n in importing.submit(
        uow, actor, path, institution="ZYB", dry_run=True).notes)
