"""Month close: in order, only after the month ends, suspensions from the next month."""

import datetime as dt

import pytest

from tests import factories as f
from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.domain.errors import InvariantViolation, ZkdError
from zhengkedai.services import closing, institutions


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
    clock.now = dt.datetime(2025, 3, 31, 23)
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
    month = closing.closed_month(uow, "2025-02")
    assert month is not None and month.last_seq == 1
    assert month.chain_head == LedgerRepo(uow).entry(1).hash


def test_close_command_prints_the_ratios_and_refuses_a_second_close(zkd_frozen) -> None:
    zkd = zkd_frozen
    zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank")
    zkd("reserve", "deposit", "100", "--source", "city", "--at", "ZZB", "--on", "2025-01-02")
    r = zkd("close", "2025-01")
    assert r.exit_code == 0, r.output
    assert "Closed 2025-01" in r.output and "ZZB" in r.output
    again = zkd("close", "2025-01")
    assert again.exit_code == 1 and again.stderr.startswith("Error: month 2025-01 was closed")
