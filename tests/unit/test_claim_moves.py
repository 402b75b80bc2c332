"""A compensation claim's moves (domain.claims.Claim): what each allows, refuses and leaves."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from zhengkedai.domain.claims import Claim
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.roles import AccessDenied
from zhengkedai.domain.workflow import Action, Status, may

LOSS = dt.date(2025, 3, 1)
APPROVED_ON = dt.date(2025, 3, 10)


def claim(**changes: object) -> Claim:
    base = Claim(id=7, loan_id=3, loss_event_id=40, institution="ZZB", loss=100_000_00,
                 recovered_before=0, amount=80_000_00, status=Status.SUBMITTED,
                 submitted_on=LOSS)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def approved(**changes: object) -> Claim:
    review: dict[str, object] = {"status": Status.APPROVED, "approved_on": APPROVED_ON,
                                  "decided_by": "alice", "approve_entry": 12}
    return claim(**{**review, **changes})


def move(c: Claim, action: Action) -> Claim:
    if action is Action.APPROVE:
        return c.approve(APPROVED_ON, "alice")
    if action is Action.REJECT:
        return c.reject("材料不全", "alice", APPROVED_ON)
    if action is Action.PAY:
        return c.pay(APPROVED_ON, "bob", separate_duties=True)
    return c.withdraw()


def test_approving_a_submitted_claim_marks_the_day_and_the_approver() -> None:
    done = claim().approve(APPROVED_ON, "alice")
    assert (done.status, done.approved_on, done.decided_by) == (
        Status.APPROVED, APPROVED_ON, "alice")
    assert done.amount == 80_000_00 and done.approve_entry is None


def test_a_move_leaves_the_claim_it_was_made_on_as_it_was() -> None:
    before = claim()
    before.approve(APPROVED_ON, "alice")
    assert before == claim() and before.status == Status.SUBMITTED


def test_a_claim_cannot_be_changed_in_place() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        claim().status = Status.PAID  # type: ignore[misc]


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(Action))
def test_each_move_is_allowed_exactly_from_where_the_workflow_allows_it(
        status: Status, action: Action) -> None:
    c = approved(status=status) if status != Status.SUBMITTED else claim()
    if may(status, action):
        assert move(c, action).status != status
    else:
        with pytest.raises(ZkdError, match=f"claim #7 is {status}; only .* claims can be"):
            move(c, action)


def test_a_paid_claim_refuses_rejection_naming_what_it_could_be() -> None:
    with pytest.raises(ZkdError, match="claim #7 is paid; only submitted or approved claims "
                                       "can be rejected"):
        approved(status=Status.PAID).reject("x", "alice", APPROVED_ON)


def test_a_claim_at_zero_is_not_approved_but_rejected() -> None:
    with pytest.raises(ZkdError, match="computes to 0.00 .* reject it with"):
        claim(amount=0).approve(APPROVED_ON, "alice")


def test_a_claim_cannot_be_approved_before_its_loss() -> None:
    with pytest.raises(ZkdError, match="cannot be approved on 2025-02-28, before its loss "
                                       "was confirmed on 2025-03-01"):
        claim().approve(dt.date(2025, 2, 28), "alice")
    assert claim().approve(LOSS, "alice").approved_on == LOSS


def test_a_rejection_needs_a_reason_and_keeps_it_stripped() -> None:
    with pytest.raises(ZkdError, match="needs a reason"):
        claim().reject("  ", "alice", APPROVED_ON)
    done = claim().reject("  材料不全 ", "carol", APPROVED_ON)
    assert (done.status, done.rejected_reason, done.decided_by) == (
        Status.REJECTED, "材料不全", "carol")


def test_an_approved_claim_is_not_rejected_before_its_approval() -> None:
    with pytest.raises(ZkdError, match="approved on 2025-03-10; it cannot be rejected on "
                                       "2025-03-09"):
        approved().reject("x", "carol", dt.date(2025, 3, 9))
    # a submitted one has no approval to reverse, so no such date to respect
    assert claim().reject("x", "carol", LOSS).status == Status.REJECTED


def test_only_an_approved_claim_with_its_entry_has_an_approval_to_reverse() -> None:
    assert approved().reverses_approval
    assert not approved(approve_entry=None).reverses_approval
    assert not claim().reverses_approval


def test_paying_an_approved_claim_marks_the_day_and_then_its_entry() -> None:
    paid = approved().pay(dt.date(2025, 3, 12), "bob", separate_duties=True)
    assert (paid.status, paid.paid_on, paid.pay_entry) == (
        Status.PAID, dt.date(2025, 3, 12), None)
    assert paid.payment_booked(15).pay_entry == 15


def test_whoever_approved_a_claim_may_not_pay_it_when_duties_are_separate() -> None:
    with pytest.raises(AccessDenied, match="alice approved compensation claim #7 and may "
                                           "not pay it"):
        approved().pay(APPROVED_ON, "alice", separate_duties=True)
    assert approved().pay(APPROVED_ON, "alice", separate_duties=False).status == Status.PAID


def test_a_claim_lowered_to_zero_or_paid_before_its_approval_is_refused() -> None:
    with pytest.raises(ZkdError, match="is 0.00 after recoveries; there is nothing to pay"):
        approved(amount=0).pay(APPROVED_ON, "bob", separate_duties=True)
    with pytest.raises(ZkdError, match="approved on 2025-03-10; it cannot be paid on 2025-03-09"):
        approved().pay(dt.date(2025, 3, 9), "bob", separate_duties=True)


def test_a_withdrawn_claim_keeps_its_figures() -> None:
    done = claim().withdraw()
    assert done.status == Status.WITHDRAWN
    assert dataclasses.replace(done, status=Status.SUBMITTED) == claim()


def test_a_close_that_brings_an_approved_claim_to_zero_reopens_it_without_its_approval() -> None:
    done = approved(amount=0).reopen()
    assert (done.status, done.approved_on, done.approve_entry) == (Status.SUBMITTED, None, None)
    with pytest.raises(ZkdError, match="claim #7 is submitted; only approved claims can be "
                                       "reopened"):
        claim().reopen()


def test_a_new_approval_entry_replaces_the_old_one_or_none_is_left() -> None:
    assert approved().approval_booked(20).approve_entry == 20
    assert approved().approval_booked(None).approve_entry is None
    assert approved().approval_booked(20).status == Status.APPROVED
