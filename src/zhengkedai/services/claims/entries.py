"""The journal entries of compensation claims: accounts, keys, source references, memos.

Entries (amounts in fen, the reserve's accounts):

- approval: Dr ``reserve:compensation_expense`` / Cr ``reserve:compensation_payable:<INST>``;
- payment: Dr ``reserve:compensation_payable:<INST>`` / Cr ``reserve:cash:<BANK>`` (one
  line per paying deposit bank);
- recovery share owed: Dr ``reserve:recovery_receivable:<INST>`` / Cr ``reserve:recovery_income``;
- recovery share returned (in one or several parts): Dr ``reserve:cash:<BANK>`` / Cr
  ``reserve:recovery_receivable:<INST>``;
- a rejection, a recovery that lowers an approved claim, or a month close
  that suspends (or reinstates) the claim's institution from a date before
  the loan's disbursement, reverses the approval entry
  (:func:`~zhengkedai.domain.ledger.reversal_of`); the recomputed claim then
  gets a new approval entry (none at 0.00).

Every idempotency key derives from the claim or the recovery event
(``claim:12:approve``, ``claim:12:pay``, ``claim:12:reject``,
``claim:12:recovery:41:reverse``, ``claim:12:close:2025-03:reverse``,
``recovery:41:owed``, ``recovery:41:returned``),
so repeating a step posts nothing twice. Every source reference names the
claim, the event, its file and row (``claim:12 event:40 file:3 row:17``), so a
payout traces back to the bank's file row. Memos are Chinese, for the PDF journal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from zhengkedai.context import Actor
from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.db.models import LoanEventRow, LoanRow, RecoveryShareRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.accounts import Fund, account, reserve_cash
from zhengkedai.domain.claims import Claim
from zhengkedai.domain.ledger import Entry, EntryDraft, Line, reversal_of
from zhengkedai.domain.money import Fen, format_grouped


def payable(institution: str) -> str:
    return account(Fund.RESERVE, "compensation_payable", institution)


def expense() -> str:
    return account(Fund.RESERVE, "compensation_expense")


# the keys of a share's entries: recovery:E:owed, recovery:E:returned, and a later part of a
# return recovery:E:returned@<returned before it> (E: the recovery event's id)
SHARE_KEY = re.compile(r"recovery:(\d+):(owed|returned)(?:@\d+)?")
RETURNED_KIND = "claim.recovery_returned"  # an entry of a share (or a part of it) paid back


def receivable(institution: str) -> str:
    return account(Fund.RESERVE, "recovery_receivable", institution)


def recovery_income() -> str:
    return account(Fund.RESERVE, "recovery_income")


def source_ref(uow: UnitOfWork, claim: Claim, event: LoanEventRow | None = None) -> str:
    """``claim:12 event:40 file:3 row:17`` — the event is the claim's loss unless given."""
    ev = event if event is not None else uow.s.get(LoanEventRow, claim.loss_event_id)
    assert ev is not None
    return f"claim:{claim.id} event:{ev.id} file:{ev.file_id} row:{ev.file_row}"


def _what(uow: UnitOfWork, claim: Claim) -> str:
    loan = uow.s.get(LoanRow, claim.loan_id)
    loan_no = loan.loan_no if loan else str(claim.loan_id)
    return f"{claim.institution} 贷款{loan_no}（补偿申请#{claim.id}）"


def _post(uow: UnitOfWork, actor: Actor, draft: EntryDraft) -> Entry:
    return LedgerRepo(uow).post(draft, actor)


def post_approval(uow: UnitOfWork, actor: Actor, claim: Claim, on: dt.date, *, key: str,
                  ref: str | None = None, memo: str | None = None) -> Entry:
    """Book the claim's amount as owed to its institution."""
    amount = claim.amount
    return _post(uow, actor, EntryDraft(
        entry_date=on, kind="claim.approve",
        memo=memo or f"批准损失补偿 {_what(uow, claim)}，金额{format_grouped(amount)}元",
        lines=(Line(expense(), amount), Line(payable(claim.institution), -amount)),
        idempotency_key=key, source_ref=ref or source_ref(uow, claim),
    ))


def reverse(uow: UnitOfWork, actor: Actor, seq: int, on: dt.date, *, key: str, memo: str
            ) -> Entry:
    """Post the reversal of entry ``seq`` under a claim-derived key."""
    ledger = LedgerRepo(uow)
    draft = reversal_of(ledger.entry(seq), on=on, memo=memo)
    return ledger.post(dataclasses.replace(draft, idempotency_key=key), actor)


def readjust_approval(uow: UnitOfWork, actor: Actor, claim: Claim, event: LoanEventRow
                      ) -> Claim:
    """A recovery changed an approved claim's amount: reverse the approval, approve the new amount.

    Dated the recovery date, or the approval date if that is later. Returns the
    claim with its new approval entry (none at 0.00) noted, for the caller to save.
    """
    assert claim.approved_on is not None
    on = max(event.occurred_on, claim.approved_on)
    ref = source_ref(uow, claim, event)
    if claim.approve_entry is not None:
        reverse(uow, actor, claim.approve_entry, on, key=f"claim:{claim.id}:recovery:{event.id}:reverse",
                memo=f"冲销损失补偿批准 {_what(uow, claim)}：赔付前追偿回收"
                     f"{format_grouped(event.amount_fen)}元")
    if claim.amount == 0:
        return claim.approval_booked(None)
    return claim.approval_booked(post_approval(
        uow, actor, claim, on, key=f"claim:{claim.id}:recovery:{event.id}:approve", ref=ref,
        memo=f"重新批准损失补偿 {_what(uow, claim)}（扣除赔付前追偿回收），"
             f"金额{format_grouped(claim.amount)}元",
    ).seq)


def readjust_after_close(uow: UnitOfWork, actor: Actor, claim: Claim, on: dt.date,
                         period: str, why: str) -> Claim:
    """A close changed an approved claim's amount: reverse the approval, approve the new one.

    ``why`` says what the close of ``period`` found (a suspension or a
    reinstatement). A claim now at 0.00 keeps no approval: it goes back to
    ``submitted`` (:meth:`~zhengkedai.domain.claims.Claim.reopen`), for staff to
    reject with the reason. Returns the claim so changed, for the caller to save.
    """
    if claim.approve_entry is not None:
        reverse(uow, actor, claim.approve_entry, on, key=f"claim:{claim.id}:close:{period}:reverse",
                memo=f"冲销损失补偿批准 {_what(uow, claim)}：{period}月结{why}")
    if claim.amount == 0:
        return claim.reopen()
    return claim.approval_booked(post_approval(
        uow, actor, claim, on, key=f"claim:{claim.id}:close:{period}:approve",
        memo=f"重新批准损失补偿 {_what(uow, claim)}（{period}月结{why}），"
             f"金额{format_grouped(claim.amount)}元",
    ).seq)


def post_rejection(uow: UnitOfWork, actor: Actor, claim: Claim, on: dt.date, reason: str
                   ) -> Entry:
    assert claim.approve_entry is not None
    return reverse(uow, actor, claim.approve_entry, on, key=f"claim:{claim.id}:reject",
                   memo=f"驳回已批准的损失补偿 {_what(uow, claim)}：{reason}")


def post_payment(uow: UnitOfWork, actor: Actor, claim: Claim, on: dt.date,
                 sources: dict[str, Fen]) -> Entry:
    """Pay the claim from the given deposit banks (bank -> amount, summing to the claim)."""
    banks = "、".join(sources)
    lines = (Line(payable(claim.institution), claim.amount),
             *(Line(reserve_cash(bank), -amount) for bank, amount in sources.items()))
    return _post(uow, actor, EntryDraft(
        entry_date=on, kind="claim.pay",
        memo=f"支付损失补偿 {_what(uow, claim)}，金额{format_grouped(claim.amount)}元，"
             f"由{banks}准备金专户支付",
        lines=lines, idempotency_key=f"claim:{claim.id}:pay", source_ref=source_ref(uow, claim),
    ))


def post_share_owed(uow: UnitOfWork, actor: Actor, claim: Claim, event: LoanEventRow,
                    share: Fen) -> Entry:
    """The reserve's share of a recovery after payment, owed by the institution."""
    assert claim.paid_on is not None
    on = max(event.occurred_on, claim.paid_on)
    return _post(uow, actor, EntryDraft(
        entry_date=on, kind="claim.recovery_owed",
        memo=f"应收追偿返还款 {_what(uow, claim)}：回收{format_grouped(event.amount_fen)}元，"
             f"按补偿比例应返还{format_grouped(share)}元",
        lines=(Line(receivable(claim.institution), share), Line(recovery_income(), -share)),
        idempotency_key=f"recovery:{event.id}:owed", source_ref=source_ref(uow, claim, event),
    ))


def post_share_returned(uow: UnitOfWork, actor: Actor, claim: Claim, share: RecoveryShareRow,
                        bank: str, on: dt.date, amount: Fen | None = None) -> Entry:
    """The institution paid ``amount`` of a share (default: all of it) back into the reserve.

    The first part's key is ``recovery:E:returned``; a later part's names what
    was returned before it (``recovery:E:returned@4000000``), so each is unique.
    """
    event = uow.s.get(LoanEventRow, share.event_id)
    assert event is not None
    amount = share.share_fen - share.returned_fen if amount is None else amount
    key = f"recovery:{event.id}:returned" + (f"@{share.returned_fen}" if share.returned_fen else "")
    part = "" if amount == share.share_fen else f"（应返还{format_grouped(share.share_fen)}元的一部分）"
    return _post(uow, actor, EntryDraft(
        entry_date=on, kind=RETURNED_KIND,
        memo=f"收到追偿返还款 {_what(uow, claim)}，金额{format_grouped(amount)}元{part}，"
             f"存入{bank}准备金专户",
        lines=(Line(reserve_cash(bank), amount),
               Line(receivable(claim.institution), -amount)),
        idempotency_key=key, source_ref=source_ref(uow, claim, event),
    ))
