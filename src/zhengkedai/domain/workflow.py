"""The review workflow of compensation claims and subsidy applications.

Both go the same way: filed (submitted) → approved → paid, or turned down
(rejected) before payment; a claim opened by a loss that the bank withdraws is
withdrawn with it while still unapproved. What each action needs and where it
leads is said once here; the services book the journal entries and keep the
records, and refuse an action the workflow does not allow.

Rejected, withdrawn and paid are final: money paid is recovered by a
recovery-return, never by a change of status.
"""

from __future__ import annotations

from enum import StrEnum

from zhengkedai.i18n import code_name


class Status(StrEnum):
    """Where a claim or subsidy stands."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    PAID = "paid"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


# The one Chinese word for each status: the statements print it (archived as
# they are), and the CLI shows it through ``status_words``, never a second set.
STATUS_ZH: dict[str, str] = {
    Status.SUBMITTED: "已提交",
    Status.APPROVED: "已批准",
    Status.PAID: "已支付",
    Status.REJECTED: "已驳回",
    Status.WITHDRAWN: "已撤回",
}


def status_words(status: str) -> str:
    """A status as the reader says it: ``已批准`` in Chinese, ``approved`` in English.

    The Chinese is the statements' word (``STATUS_ZH``); a value the workflow does
    not know (a tampered row) is shown as it is stored.
    """
    return code_name(STATUS_ZH, status)


class Action(StrEnum):
    """What staff (or, for withdraw, the filing bank) may do to a claim or subsidy."""

    APPROVE = "approve"
    REJECT = "reject"
    PAY = "pay"
    WITHDRAW = "withdraw"


_MOVES: dict[Action, tuple[tuple[Status, ...], Status]] = {
    Action.APPROVE: ((Status.SUBMITTED,), Status.APPROVED),
    Action.REJECT: ((Status.SUBMITTED, Status.APPROVED), Status.REJECTED),
    Action.PAY: ((Status.APPROVED,), Status.PAID),
    Action.WITHDRAW: ((Status.SUBMITTED,), Status.WITHDRAWN),
}

FINAL = frozenset({Status.PAID, Status.REJECTED, Status.WITHDRAWN})


def allowed_from(action: Action) -> tuple[Status, ...]:
    """The statuses ``action`` may be taken from."""
    return _MOVES[action][0]


def may(status: str, action: Action) -> bool:
    """Whether something in ``status`` may undergo ``action``."""
    return status in _MOVES[action][0]


def after(action: Action) -> Status:
    """The status ``action`` leads to."""
    return _MOVES[action][1]
