"""A subsidy application (补助申请) as stored and reviewed, and the moves it may make.

A :class:`Subsidy` is a frozen value: what was applied for (kind,
beneficiary, basis, year, reference), the amount the policy computed with its
trace, where it stands (:class:`~zhengkedai.domain.workflow.Status`) and the
marks of its review. Each move (:meth:`Subsidy.approve`, :meth:`~Subsidy.reject`,
:meth:`~Subsidy.pay`) returns a new subsidy, or raises :class:`ZkdError` saying
why the workflow (:mod:`zhengkedai.domain.workflow`) or one of its rules
refuses it. Nothing is booked or stored here: the service books the journal
entry of the subsidy budget, notes it on the new subsidy
(:meth:`~Subsidy.approval_booked`…) and the repository (``db.subsidies_repo``) writes it back.

Rules kept here, beside the moves:

- approve: only a submitted subsidy, not at 0.00 (its cap is used up: reject
  it), dated on or after its filing (the yearly cap, which needs the other
  grants, is checked by the service);
- reject: a submitted or approved subsidy, with a reason;
- pay: only an approved subsidy, not before its approval, and (when duties
  are separated) not by whoever approved it.

Subsidies are not withdrawn; paid and rejected are final.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..i18n import N_, _
from .errors import ZkdError
from .money import Fen
from .roles import check_payer
from .subsidy_rules import SUBSIDY_KIND_ZH, SubsidyKind
from .workflow import Action, Status, after, allowed_from, may, status_words

# the moves a refusal names
_DOING = {Action.APPROVE: N_("approving"), Action.REJECT: N_("rejecting"),
          Action.PAY: N_("paying"), Action.WITHDRAW: N_("withdrawing")}


def rejection_reason(reason: str) -> str:
    """The reason a rejection gives, stripped.

    Raises:
        ZkdError: it is empty.
    """
    if not reason.strip():
        raise ZkdError(_("a rejection needs a reason (--reason)"))
    return reason.strip()


@dataclass(frozen=True)
class Subsidy:
    """A stored application, as the register, ``zkd subsidies`` and the workflow see it."""

    id: int
    kind: str
    beneficiary: str
    basis: Fen
    investee: str | None
    period: int  # the year it is for (所属年度)
    reference: str
    amount: Fen
    status: Status
    policy_name: str
    policy_version: str
    trace: tuple[dict[str, Any], ...]
    submitted_on: dt.date
    approved_on: dt.date | None
    paid_on: dt.date | None
    rejected_on: dt.date | None
    rejected_reason: str | None
    decided_by: str | None  # who approved or rejected it
    file_id: int
    file_row: int
    approve_entry: int | None = None
    pay_entry: int | None = None
    reject_entry: int | None = None  # the reversal of its approval

    @property
    def kind_zh(self) -> str:
        return SUBSIDY_KIND_ZH[SubsidyKind(self.kind)]

    # --- the moves ---------------------------------------------------------

    def approve(self, on: dt.date, by: str) -> Subsidy:
        """Approved on ``on`` by ``by``: its amount becomes a payable of the budget.

        Raises:
            ZkdError: not submitted; at 0.00; ``on`` before its filing.
        """
        self._refuse_unless(Action.APPROVE)
        if self.amount == 0:
            raise ZkdError(_("subsidy #{id} is 0.00 (its cap is used up); reject it instead"
                             ).format(id=self.id))
        if on < self.submitted_on:
            raise ZkdError(_("subsidy #{id} was filed on {filed}; it cannot be "
                             "approved on {on}, before that").format(
                id=self.id, filed=self.submitted_on, on=on))
        return dataclasses.replace(self, status=after(Action.APPROVE), approved_on=on,
                                   decided_by=by)

    def reject(self, reason: str, by: str, on: dt.date) -> Subsidy:
        """Rejected on ``on`` by ``by`` for ``reason``; an approval is reversed.

        Raises:
            ZkdError: no reason; neither submitted nor approved; ``on`` before its filing
                or, for an approved one, before its approval.
        """
        reason = rejection_reason(reason)
        self._refuse_unless(Action.REJECT)
        if self.approved_on is not None and on < self.approved_on:
            raise ZkdError(_("subsidy #{id} was approved on {approved}; "
                             "it cannot be rejected on {on}, before that").format(
                id=self.id, approved=self.approved_on, on=on))
        if on < self.submitted_on:
            raise ZkdError(_("subsidy #{id} was filed on {filed}; it cannot be "
                             "rejected on {on}, before that").format(
                id=self.id, filed=self.submitted_on, on=on))
        return dataclasses.replace(self, status=after(Action.REJECT), rejected_reason=reason,
                                   decided_by=by, rejected_on=on)

    def pay(self, on: dt.date, by: str, *, separate_duties: bool) -> Subsidy:
        """Paid on ``on`` by ``by`` from the budget's cash.

        Raises:
            ZkdError: not approved; ``on`` before its approval.
            AccessDenied: with ``separate_duties``, ``by`` approved it (maker-checker).
        """
        self._refuse_unless(Action.PAY)
        if separate_duties:
            check_payer(by, self.decided_by, _("subsidy application #{id}").format(id=self.id))
        if self.approved_on is not None and on < self.approved_on:
            raise ZkdError(_("subsidy #{id} was approved on {approved}; "
                             "it cannot be paid before, on {on}").format(
                id=self.id, approved=self.approved_on, on=on))
        return dataclasses.replace(self, status=after(Action.PAY), paid_on=on)

    # --- the entries booked for it -------------------------------------------

    def approval_booked(self, entry: int) -> Subsidy:
        """The journal entry that booked its approval (a payable of the budget)."""
        return dataclasses.replace(self, approve_entry=entry)

    def rejection_booked(self, entry: int) -> Subsidy:
        """The journal entry that reversed its approval when it was rejected."""
        return dataclasses.replace(self, reject_entry=entry)

    def payment_booked(self, entry: int) -> Subsidy:
        """The journal entry that booked its payment."""
        return dataclasses.replace(self, pay_entry=entry)

    @property
    def reverses_approval(self) -> bool:
        """Whether rejecting it now reverses a booked approval."""
        return self.status == Status.APPROVED and self.approve_entry is not None

    def _refuse_unless(self, action: Action) -> None:
        if not may(self.status, action):
            raise ZkdError(_("subsidy #{id} is {status}; {action} needs it {allowed}").format(
                id=self.id, status=status_words(self.status), action=_(_DOING[action]),
                allowed=_(" or ").join(status_words(a) for a in allowed_from(action))))
