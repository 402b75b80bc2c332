"""The claim and subsidy workflow: which action is allowed from which status."""

from __future__ import annotations

import pytest

from zhengkedai.domain.workflow import FINAL, STATUS_ZH, Action, Status, after, allowed_from, may


def test_a_submitted_claim_can_be_approved_rejected_or_withdrawn_but_not_paid() -> None:
    assert [a for a in Action if may(Status.SUBMITTED, a)] == [
        Action.APPROVE, Action.REJECT, Action.WITHDRAW]


def test_an_approved_claim_can_be_paid_or_rejected() -> None:
    assert [a for a in Action if may("approved", a)] == [Action.REJECT, Action.PAY]


@pytest.mark.parametrize("status", sorted(FINAL))
def test_nothing_can_be_done_to_a_paid_rejected_or_withdrawn_one(status: Status) -> None:
    assert not any(may(status, a) for a in Action)


def test_each_action_leads_where_its_name_says() -> None:
    assert [after(a) for a in Action] == [
        Status.APPROVED, Status.REJECTED, Status.PAID, Status.WITHDRAWN]
    assert allowed_from(Action.PAY) == (Status.APPROVED,)


def test_every_status_has_its_chinese_name() -> None:
    assert [STATUS_ZH[s] for s in Status] == ["已提交", "已批准", "已支付", "已驳回", "已撤回"]
