"""A compensation claim (损失补偿申请) as its review sees it, and the moves it may make.

A :class:`Claim` is a frozen value: the loss it compensates, what was recovered
before payment, the amount the policy computed, where it stands
(:class:`~zhengkedai.domain.workflow.Status`) and the marks of its review (who
decided, on which dates, the journal entries of its approval and payment).
Each move (:meth:`Claim.approve`, :meth:`~Claim.reject`, :meth:`~Claim.pay`,
:meth:`~Claim.withdraw`) returns a new claim, or raises :class:`ZkdError`
saying why the workflow (:mod:`zhengkedai.domain.workflow`) or one of its
rules refuses it. Nothing is booked or stored here: the service books the
journal entry with the new claim's figures, notes the entry on it
(:meth:`~Claim.approval_booked`, :meth:`~Claim.payment_booked`) and the
repository (``db.claims_repo``) writes it back.

Rules kept here, beside the moves:

- approve: only a submitted claim, not at 0.00 (nothing to owe: reject it),
  dated on or after its loss;
- reject: a submitted or approved claim, with a reason; an approved one not
  before its approval;
- pay: only an approved claim, not at 0.00, not before its approval, and (when
  duties are separated) not by whoever approved it;
- withdraw: only a submitted claim (its loss was withdrawn; it was never money).

Paid, rejected and withdrawn are final.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from ..i18n import N_, _
from .errors import ZkdError
from .money import Fen
from .roles import check_payer
from .workflow import Action, Status, after, allowed_from, may, status_words

# how each refused move reads in a message
_ACTIONS = {Action.APPROVE: N_("be approved"), Action.REJECT: N_("be rejected"),
            Action.PAY: N_("be paid"), Action.WITHDRAW: N_("be withdrawn")}


@dataclass(frozen=True)
class Claim:
    """One claim: its figures (fen), its status and the marks of its review."""

    id: int
    loan_id: int
    loss_event_id: int
    institution: str
    loss: Fen
    recovered_before: Fen
    amount: Fen
    status: Status
    submitted_on: dt.date  # the loss date
    approved_on: dt.date | None = None
    paid_on: dt.date | None = None
    rejected_reason: str | None = None
    decided_by: str | None = None  # who approved or rejected it
    approve_entry: int | None = None
    pay_entry: int | None = None

    # --- the moves ---------------------------------------------------------

    def approve(self, on: dt.date, by: str) -> Claim:
        """Approved on ``on`` by ``by``; its amount is then owed (the entry is noted after).

        Raises:
            ZkdError: not submitted; at 0.00; ``on`` before the loss.
        """
        self._refuse_unless(Action.APPROVE)
        if self.amount == 0:
            raise ZkdError(_("claim #{id} computes to 0.00 (see `zkd claims show {id}`); "
                             "there is nothing to approve: reject it with "
                             "`zkd claims reject {id} --reason ...`").format(id=self.id))
        if on < self.submitted_on:
            raise ZkdError(_("claim #{id} cannot be approved on {on}, before its loss "
                             "was confirmed on {loss_on}").format(id=self.id, on=on,
                                                                  loss_on=self.submitted_on))
        return dataclasses.replace(self, status=after(Action.APPROVE), approved_on=on,
                                   decided_by=by)

    def reject(self, reason: str, by: str, on: dt.date) -> Claim:
        """Rejected by ``by`` for ``reason`` (stripped); an approval is reversed on ``on``.

        Raises:
            ZkdError: neither submitted nor approved; no reason; an approved claim
                rejected before its approval date.
        """
        self._refuse_unless(Action.REJECT)
        reason = reason.strip()
        if not reason:
            raise ZkdError(_("a rejection needs a reason (--reason TEXT)"))
        if self.reverses_approval:
            assert self.approved_on is not None
            if on < self.approved_on:
                raise ZkdError(_("claim #{id} was approved on {approved}; "
                                 "it cannot be rejected on {on}, before that").format(
                    id=self.id, approved=self.approved_on, on=on))
        return dataclasses.replace(self, status=after(Action.REJECT), rejected_reason=reason,
                                   decided_by=by)

    def pay(self, on: dt.date, by: str, *, separate_duties: bool) -> Claim:
        """Paid on ``on`` by ``by`` (the entry is noted after).

        Raises:
            ZkdError: not approved; 0.00 after recoveries; ``on`` before the approval.
            AccessDenied: with ``separate_duties``, ``by`` approved it (maker-checker).
        """
        self._refuse_unless(Action.PAY)
        if separate_duties:
            check_payer(by, self.decided_by, _("compensation claim #{id}").format(id=self.id))
        if self.amount == 0:
            raise ZkdError(_("claim #{id} is 0.00 after recoveries; there is nothing to pay: "
                             "reject it with `zkd claims reject {id} --reason ...`").format(
                id=self.id))
        assert self.approved_on is not None, "an approved claim has its approval date"
        if on < self.approved_on:
            raise ZkdError(_("claim #{id} was approved on {approved}; "
                             "it cannot be paid on {on}, before that").format(
                id=self.id, approved=self.approved_on, on=on))
        return dataclasses.replace(self, status=after(Action.PAY), paid_on=on)

    def withdraw(self) -> Claim:
        """Withdrawn with its loss (never money, so nothing to book).

        Raises:
            ZkdError: not submitted.
        """
        self._refuse_unless(Action.WITHDRAW)
        return dataclasses.replace(self, status=after(Action.WITHDRAW))

    def reopen(self) -> Claim:
        """An approved claim a month close brought to 0.00 keeps no approval: it goes back
        to submitted, for staff to reject with the reason."""
        if self.status != Status.APPROVED:
            raise ZkdError(_("claim #{id} is {status}; only {allowed} claims can {action}").format(
                id=self.id, status=status_words(self.status), allowed=status_words(Status.APPROVED),
                action=_("be reopened")))
        return dataclasses.replace(self, status=Status.SUBMITTED, approved_on=None,
                                   approve_entry=None)

    # --- the entries booked for it -------------------------------------------

    def approval_booked(self, entry: int | None) -> Claim:
        """The journal entry that books its approval now (None: none, at 0.00)."""
        return dataclasses.replace(self, approve_entry=entry)

    def payment_booked(self, entry: int) -> Claim:
        """The journal entry that booked its payment."""
        return dataclasses.replace(self, pay_entry=entry)

    @property
    def reverses_approval(self) -> bool:
        """Whether rejecting it now reverses a booked approval."""
        return self.status == Status.APPROVED and self.approve_entry is not None

    def _refuse_unless(self, action: Action) -> None:
        if not may(self.status, action):
            raise ZkdError(_("claim #{id} is {status}; only {allowed} claims can {action}").format(
                id=self.id, status=status_words(self.status),
                allowed=_(" or ").join(status_words(a) for a in allowed_from(action)),
                action=_(_ACTIONS[action])))
