"""The subsidy workflow: approve, reject, pay — each a journal entry of the subsidy budget."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select

from zhengkedai.context import Actor
from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.db.models import SubsidyRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain import accounts as acc
from zhengkedai.domain import workflow
from zhengkedai.domain.errors import InsufficientFunds, InvariantViolation, ZkdError
from zhengkedai.domain.ledger import EntryDraft, Line, reversal_of
from zhengkedai.domain.money import format_grouped
from zhengkedai.domain.roles import check_payer
from zhengkedai.domain.workflow import Action, Status
from zhengkedai.i18n import N_, _
from zhengkedai.services.funds.budget import PAYABLE, expense_account
from zhengkedai.services.params import active_policy
from zhengkedai.services.subsidies import applications as subsidies


def _source(row: SubsidyRow) -> str:
    return f"subsidy:{row.id} file:{row.file_id} row:{row.file_row}"


def _what(row: SubsidyRow) -> str:
    return (f"{subsidies.kind_zh(row.kind)} #{row.id}（受益方 {row.beneficiary}，"
            f"{row.period_year}年度，凭证 {row.reference}）")


def _locked_row(uow: UnitOfWork, subsidy_id: int) -> SubsidyRow:
    """The subsidy read afresh under the ledger lock, for an action that changes it.

    The lock comes first, so a concurrent approval, rejection or payment has
    committed and its status (and the cap's other grants) are read as it left them.
    """
    uow.lock_ledger()
    row = uow.s.get(SubsidyRow, subsidy_id, populate_existing=True)
    return row if row is not None else subsidies.get_row(uow, subsidy_id)


def ids_to_act_on(uow: UnitOfWork, status: str, kind: str | None = None) -> list[int]:
    """The ids of the subsidies in ``status`` (of ``kind``), oldest first, for a batch."""
    stmt = select(SubsidyRow.id).where(SubsidyRow.status == status).order_by(SubsidyRow.id)
    if kind is not None:
        stmt = stmt.where(SubsidyRow.kind == kind)
    return list(uow.s.execute(stmt).scalars())


# the actions a refusal names
_DOING = {Action.APPROVE: N_("approving"), Action.REJECT: N_("rejecting"),
          Action.PAY: N_("paying"), Action.WITHDRAW: N_("withdrawing")}


def _must_be(row: SubsidyRow, action: Action) -> None:
    if not workflow.may(row.status, action):
        raise ZkdError(_("subsidy #{id} is {status}; {action} needs it {allowed}").format(
            id=row.id, status=_(row.status), action=_(_DOING[action]),
            allowed=_(" or ").join(_(a) for a in workflow.allowed_from(action))))


def approve(uow: UnitOfWork, actor: Actor, subsidy_id: int, *, on: dt.date | None = None
            ) -> subsidies.Subsidy:
    """Approve a submitted subsidy: its amount becomes a payable of the budget.

    Raises:
        ZkdError: not submitted, 0.00 (reject it instead), or over its yearly cap
            with the approved and paid ones (e.g. after a policy change).
    """
    row = _locked_row(uow, subsidy_id)
    _must_be(row, Action.APPROVE)
    if row.amount_fen == 0:
        raise ZkdError(_("subsidy #{id} is 0.00 (its cap is used up); reject it instead").format(
            id=row.id))
    day = on or actor.today()
    if day < row.submitted_on:
        raise ZkdError(_("subsidy #{id} was filed on {filed}; it cannot be "
                         "approved on {on}, before that").format(id=row.id, filed=row.submitted_on,
                                                                on=day))
    cap = subsidies.cap_of(active_policy(uow).version_on(row.submitted_on), row.kind)
    if cap is not None:
        granted = subsidies.cap_used(uow, row.kind, row.beneficiary, row.period_year,
                                     (Status.APPROVED, Status.PAID))
        if granted + row.amount_fen > cap:
            raise InvariantViolation(_(
                "subsidy #{id} of {amount} would bring {kind} subsidies to {beneficiary} for "
                "{year} to {total}, above the cap {cap}").format(
                id=row.id, amount=format_grouped(row.amount_fen), kind=row.kind,
                beneficiary=row.beneficiary, year=row.period_year,
                total=format_grouped(granted + row.amount_fen), cap=format_grouped(cap)))
    entry = LedgerRepo(uow).post(EntryDraft(
        entry_date=day, kind="subsidy.approve", memo=f"批准{_what(row)}，应付补助款",
        lines=(Line(expense_account(row.kind), row.amount_fen), Line(PAYABLE, -row.amount_fen)),
        idempotency_key=f"subsidy:{row.id}:approve", source_ref=_source(row)), actor)
    row.status, row.approved_on, row.decided_by = Status.APPROVED, day, actor.operator
    row.approve_entry = entry.seq
    uow.s.flush()
    return subsidies.to_subsidy(row)


def reject(uow: UnitOfWork, actor: Actor, subsidy_id: int, *, reason: str,
           on: dt.date | None = None) -> subsidies.Subsidy:
    """Reject a submitted or approved subsidy; an approval is reversed, dated ``on``."""
    if not reason.strip():
        raise ZkdError(_("a rejection needs a reason (--reason)"))
    row = _locked_row(uow, subsidy_id)
    _must_be(row, Action.REJECT)
    day = on or actor.today()
    if row.status == Status.APPROVED and row.approve_entry is not None:
        ledger = LedgerRepo(uow)
        draft = reversal_of(ledger.entry(row.approve_entry), on=day,
                            memo=f"撤销批准{_what(row)}：{reason.strip()}")
        entry = ledger.post(
            dataclasses.replace(draft, idempotency_key=f"subsidy:{row.id}:reject"), actor)
        row.reject_entry = entry.seq
    row.status, row.rejected_reason, row.decided_by = Status.REJECTED, reason.strip(), actor.operator
    row.rejected_on = day
    uow.s.flush()
    return subsidies.to_subsidy(row)


def pay(uow: UnitOfWork, actor: Actor, subsidy_id: int, *, on: dt.date | None = None
        ) -> subsidies.Subsidy:
    """Pay an approved subsidy from the budget's cash.

    Raises:
        InsufficientFunds: the budget cannot cover it; the message names the
            shortfall, and the subsidy stays approved.
    """
    row = _locked_row(uow, subsidy_id)
    _must_be(row, Action.PAY)
    if actor.separate_duties:
        check_payer(actor.operator, row.decided_by,
                    _("subsidy application #{id}").format(id=row.id))
    day = on or actor.today()
    if row.approved_on is not None and day < row.approved_on:
        raise ZkdError(_("subsidy #{id} was approved on {approved}; "
                         "it cannot be paid before, on {on}").format(
            id=row.id, approved=row.approved_on, on=day))
    try:
        entry = LedgerRepo(uow).post(EntryDraft(
            entry_date=day, kind="subsidy.pay", memo=f"支付{_what(row)}",
            lines=(Line(PAYABLE, row.amount_fen), Line(acc.budget_cash(), -row.amount_fen)),
            idempotency_key=f"subsidy:{row.id}:pay", source_ref=_source(row)), actor)
    except InsufficientFunds as exc:
        raise InsufficientFunds(_("subsidy #{id} not paid, it stays approved: {reason}").format(
            id=row.id, reason=exc)) from None
    row.status, row.paid_on, row.pay_entry = Status.PAID, day, entry.seq
    uow.s.flush()
    return subsidies.to_subsidy(row)
