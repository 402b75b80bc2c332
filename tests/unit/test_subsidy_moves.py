"""A subsidy application's moves (domain.subsidies.Subsidy): what each allows, refuses and leaves."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.roles import AccessDenied
from zhengkedai.domain.subsidies import Subsidy, rejection_reason
from zhengkedai.domain.workflow import Status

FILED = dt.date(2025, 7, 1)
APPROVED_ON = dt.date(2025, 7, 2)


def subsidy(**changes: object) -> Subsidy:
    base = Subsidy(id=5, kind="financing", beneficiary="91410100MA000000X0", basis=500_000_00,
                   investee=None, period=2025, reference="R1", amount=150_000_00,
                   status=Status.SUBMITTED, policy_name="zhengzhou-2019", policy_version="1",
                   trace=(), submitted_on=FILED, approved_on=None, paid_on=None,
                   rejected_on=None, rejected_reason=None, decided_by=None, file_id=1,
                   file_row=2)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def approved(**changes: object) -> Subsidy:
    review: dict[str, object] = {"status": Status.APPROVED, "approved_on": APPROVED_ON,
                                  "decided_by": "alice", "approve_entry": 8}
    return subsidy(**{**review, **changes})


def test_approving_marks_the_day_and_the_approver_and_leaves_the_original() -> None:
    before = subsidy()
    done = before.approve(APPROVED_ON, "alice")
    assert (done.status, done.approved_on, done.decided_by) == (
        Status.APPROVED, APPROVED_ON, "alice")
    assert before == subsidy()
    with pytest.raises(dataclasses.FrozenInstanceError):
        done.status = Status.PAID  # type: ignore[misc]


def test_a_subsidy_at_zero_or_approved_before_it_was_filed_is_refused() -> None:
    with pytest.raises(ZkdError, match=r"subsidy #5 is 0.00 \(its cap is used up\); reject it"):
        subsidy(amount=0).approve(APPROVED_ON, "alice")
    with pytest.raises(ZkdError, match="was filed on 2025-07-01; it cannot be approved on "
                                       "2025-06-30"):
        subsidy().approve(dt.date(2025, 6, 30), "alice")


def test_an_approved_subsidy_is_not_approved_again() -> None:
    with pytest.raises(ZkdError, match="subsidy #5 is approved; approving needs it submitted"):
        approved().approve(APPROVED_ON, "bob")


def test_a_rejection_keeps_its_stripped_reason_and_its_day() -> None:
    done = approved().reject(" 重复申报 ", "carol", dt.date(2025, 7, 3))
    assert (done.status, done.rejected_reason, done.rejected_on, done.decided_by) == (
        Status.REJECTED, "重复申报", dt.date(2025, 7, 3), "carol")
    assert approved().reverses_approval and not subsidy().reverses_approval


def test_a_rejection_needs_a_reason_before_anything_else() -> None:
    with pytest.raises(ZkdError, match="needs a reason"):
        rejection_reason(" ")
    with pytest.raises(ZkdError, match="needs a reason"):
        approved(status=Status.PAID).reject(" ", "carol", APPROVED_ON)


def test_a_paid_subsidy_is_neither_rejected_nor_paid_again() -> None:
    paid = approved().pay(APPROVED_ON, "bob", separate_duties=True)
    assert (paid.status, paid.paid_on) == (Status.PAID, APPROVED_ON)
    with pytest.raises(ZkdError, match="is paid; rejecting needs it submitted or approved"):
        paid.reject("x", "carol", APPROVED_ON)
    with pytest.raises(ZkdError, match="is paid; paying needs it approved"):
        paid.pay(APPROVED_ON, "bob", separate_duties=True)


def test_a_submitted_subsidy_is_not_paid() -> None:
    with pytest.raises(ZkdError, match="is submitted; paying needs it approved"):
        subsidy().pay(APPROVED_ON, "bob", separate_duties=False)


def test_whoever_approved_a_subsidy_may_not_pay_it_when_duties_are_separate() -> None:
    with pytest.raises(AccessDenied, match="alice approved subsidy application #5"):
        approved().pay(APPROVED_ON, "alice", separate_duties=True)
    assert approved().pay(APPROVED_ON, "alice", separate_duties=False).status == Status.PAID


def test_a_subsidy_is_not_paid_before_its_approval() -> None:
    with pytest.raises(ZkdError, match="approved on 2025-07-02; it cannot be paid before, "
                                       "on 2025-07-01"):
        approved().pay(FILED, "bob", separate_duties=True)


def test_each_booked_entry_is_noted_without_touching_the_others() -> None:
    done = approved().rejection_booked(9)
    assert (done.approve_entry, done.reject_entry, done.pay_entry) == (8, 9, None)
    assert approved().payment_booked(10).pay_entry == 10
    assert subsidy().approval_booked(8).approve_entry == 8


def test_its_kind_reads_in_chinese() -> None:
    assert subsidy().kind_zh == "融资补助"
