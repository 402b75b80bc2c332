"""Finding any record: loans by institution and status, a loan's events, the journal by month."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories as f
from zhengkedai.domain.errors import NotFound, ZkdError
from zhengkedai.domain.money import parse_yuan as y
from zhengkedai.services import journal
from zhengkedai.services.loans import views, withdrawals


@pytest.fixture
def filed(uow, actor):  # type: ignore[no-untyped-def]
    f.bank(uow, actor)
    f.bank(uow, actor, "ZYB", "中原银行")
    f.fund_reserve(uow, actor, y("1,000"), on=dt.date(2025, 1, 2), ref="A")
    f.fund_reserve(uow, actor, y("2,000"), on=dt.date(2025, 2, 3), ref="B")
    late = f.loan(uow, actor, loan_no="L1")
    f.event(uow, actor, late, "overdue", y("10,000"), dt.date(2025, 3, 1))
    paid = f.loan(uow, actor, loan_no="L2", principal=y("5,000"))
    f.event(uow, actor, paid, "repayment", y("5,000"), dt.date(2025, 3, 1))
    f.loan(uow, actor, loan_no="L1", institution="ZYB")
    uow.commit()
    return uow


def test_loans_are_found_by_institution_and_status(filed) -> None:  # type: ignore[no-untyped-def]
    def listed(**kw: str) -> list[tuple[str, str]]:
        return [(r["institution"], r["loan_no"]) for r in views.list_loans(filed, **kw)]

    assert listed() == [("ZZB", "L1"), ("ZZB", "L2"), ("ZYB", "L1")]
    assert listed(institution="ZZB", status="overdue") == [("ZZB", "L1")]
    assert listed(status="settled") == [("ZZB", "L2")]
    assert listed(status="active") == [("ZYB", "L1")]
    assert listed(status="withdrawn") == []


def test_a_number_two_banks_filed_needs_the_institution(filed) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ZkdError, match="filed by ZZB, ZYB; say which with --institution"):
        views.show_loan(filed, "L1")
    detail = views.show_loan(filed, "L1", "ZZB")
    assert (detail.outstanding, detail.overdue) == (y("1,000,000"), y("10,000"))
    assert [(e["event"], e["amount"]) for e in detail.events] == [("overdue", y("10,000"))]
    with pytest.raises(NotFound, match="no loan L9"):
        views.list_events(filed, "L9")


def test_a_withdrawn_loan_is_still_shown_with_its_events_marked(filed, actor) -> None:  # type: ignore[no-untyped-def]
    withdrawals.withdraw_loan(filed, actor, "L2", "filed twice", "ZZB")
    filed.commit()
    events = views.list_events(filed, "L2")
    assert [(e["status"], e["withdrawn_reason"]) for e in events] == [("withdrawn", "filed twice")]
    assert views.show_loan(filed, "L2").loan["status"] == "withdrawn"


def test_the_journal_is_listed_by_month(filed) -> None:  # type: ignore[no-untyped-def]
    assert [r["seq"] for r in journal.list_entries(filed, "2025-02")] == [2]
    assert [r["amount"] for r in journal.list_entries(filed)] == [y("1,000"), y("2,000")]
    assert journal.show_entry(filed, 1)["lines"][0]["debit"] == y("1,000")
