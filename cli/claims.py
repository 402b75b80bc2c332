"""Compensation claims: ``zkd claims list|show|approve|reject|pay|recovery-return|replay``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from zhengkedai.domain.compensation import rule_label
from zhengkedai.domain.ledger import Entry
from zhengkedai.domain.money import format_grouped, format_plain
from zhengkedai.domain.policy_params import clause_words
from zhengkedai.domain.workflow import status_words
from zhengkedai.i18n import _, is_chinese
from zhengkedai.services import batches, policies
from zhengkedai.services.claims import views as claims_views
from zhengkedai.services.claims import workflow as claims_workflow
from zhengkedai.services.claims.computation import APPROVED, STATUSES, SUBMITTED
from zhengkedai.services.funds import reserve

from .batch import all_option, check_selection, finish
from .common import (
    AMOUNT,
    CLAIM_ID,
    DONE_DATE,
    FOLDER_NOT_STDOUT,
    Column,
    db_options,
    emit,
    env,
    format_option,
    kv_table,
    refuse_stdout,
    trace_amount,
)
from .notice_file import write_notice

LIST_COLUMNS = [
    Column("id", "id", "int"), Column("institution", "institution"),
    Column("loan_no", "loan_no"), Column("loss_on", "loss date", "date"),
    Column("loss", "loss", "amount"), Column("recovered_before", "recovered", "amount"),
    Column("amount", "computed", "amount"), Column("status", "status", "status"),
    Column("policy", "policy"), Column("trace_summary", "rule trace"),
]


@click.group("claims")
def claims_group() -> None:
    """Compensation claims (损失补偿): submitted → approved → paid, or rejected.

    A loss in an events file opens a claim; these commands review and pay it.

    Example: zkd claims list --status submitted
    """


@claims_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only claims in this state.")
@click.option("--institution", metavar="CODE", help="Only this institution's claims.")
@format_option("table", "json", "csv")
@db_options
def claims_list(status: str | None, institution: str | None, fmt: str) -> None:
    """The claims register: id, institution, loan, loss, computed amount, status, rule trace.

    Example: zkd claims list --status approved --institution ZZB --format csv
    """
    e = env()
    with e.uow() as uow:
        # written as read (JSON and CSV): the register is not held whole
        emit((c.as_row() for c in claims_views.list_claims(uow, status,
                                                           e.own_institution(institution))),
             LIST_COLUMNS, fmt)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _json_detail(d: claims_views.ClaimDetail) -> dict[str, Any]:
    amounts = {"loss", "recovered_before", "amount", "principal", "revenue_prev_year",
               "recovery", "share", "returned"}

    def conv(doc: dict[str, Any]) -> dict[str, Any]:
        return {k: format_plain(v) if k in amounts and isinstance(v, int) else _plain(v)
                for k, v in doc.items()}

    return {**conv(d.summary.as_row()), **conv(d.claim), "loan": conv(d.loan),
            "event": conv(d.event), "trace": d.trace,
            "recovery_shares": [conv(s) for s in d.recovery_shares],
            "entries": [conv(x) for x in d.entries]}


def _policy_text(used: str, stored_id: int, stored_name: str) -> str:
    """The policy/version a claim was computed under, and the stored policy that chose it.

    A stored policy gives a loan made before it took effect its predecessor's
    rules (新老划断), so ``zhengzhou-2019/2019`` may come from stored ``henan-2025``.
    """
    if used.split("/", 1)[0] == stored_name:
        return _("{used} (stored #{id})").format(used=used, id=stored_id)
    return _("{used} (新老划断, via stored policy #{id} {name})").format(
        used=used, id=stored_id, name=stored_name)


@claims_group.command("show")
@click.argument("claim_id", metavar="ID", type=CLAIM_ID)
@format_option("table", "json")
@db_options
def claims_show(claim_id: int, fmt: str) -> None:
    """One claim with its full calculation trace, its loan, loss event, file and row.

    Each trace step names its rule, source clause and policy version, the
    amount before → after, and for a cap its limit, what was used and what was left.

    Example: zkd claims show 12 --format json
    """
    e = env()
    with e.uow() as uow:
        d = claims_views.detail(uow, claim_id)
        stored_name = policies.by_id(uow, d.claim["policy_id"]).policy.name
    if fmt == "json":
        click.echo(json.dumps(_json_detail(d), ensure_ascii=False, indent=2))
        return
    s, ln, ev, c = d.summary, d.loan, d.event, d.claim
    click.echo(kv_table([
        (_("claim 补偿申请"), f"#{s.id}  {status_words(s.status)}"
         + (f" ({c['rejected_reason']})" if c["rejected_reason"] else "")),
        (_("institution 合作机构"), s.institution),
        (_("loan 贷款"), _("{loan_no}  {loan_type}  principal {principal}  disbursed {on}").format(
            loan_no=ln["loan_no"], loan_type=_(ln["loan_type"]),
            principal=format_grouped(ln["principal"]), on=ln["disbursed_on"])),
        (_("enterprise 企业"), f"{ln['enterprise']}  {ln['credit_code']}"),
        (_("loss event 损失确认"), _("event #{event} on {on}, {loss}; file #{file_id} {file} row "
                                 "{row}").format(
            event=ev["event_id"], on=ev["occurred_on"], loss=format_grouped(ev["loss"]),
            file_id=ev["file_id"], file=ev["file"], row=ev["row"])),
        (_("recovered before payment"), format_grouped(s.recovered_before)),
        (_("compensation 补偿金额"), format_grouped(s.amount)),
        (_("policy 政策"), _policy_text(s.policy, c["policy_id"], stored_name)),
        (_("dates"), _("submitted {submitted}, approved {approved}, paid {paid}").format(
            submitted=c["submitted_on"], approved=c["approved_on"] or "-",
            paid=c["paid_on"] or "-")),
    ]))
    click.echo("\n" + _("Calculation trace 计算过程"))
    for i, step in enumerate(d.trace, start=1):
        click.echo(f"{i}. {rule_label(step['rule'], is_chinese())} [{step['policy_version']}]: "
                   f"{trace_amount(step['before'])} → {trace_amount(step['after'])}")
        # an official's words where the claim was computed with them, else the stored note
        click.echo(f"   {step.get('text') or step['note']}")
        if step["limit"] is not None:
            click.echo("   " + _("cap {limit}, used {used}, left {left}").format(
                limit=trace_amount(step["limit"]), used=trace_amount(step["used"]),
                left=trace_amount(step["left"])))
        click.echo("   " + _("source: {clause}").format(
            clause=clause_words(step["clause"], is_chinese())))
    if d.recovery_shares:
        click.echo("\n" + _("Recoveries after payment 赔付后追偿"))
        for r in d.recovery_shares:
            if r["returned_on"]:
                state = _("returned {on}").format(on=r["returned_on"])
            elif r["returned"]:
                state = _("{returned} returned, {left} owed").format(
                    returned=format_grouped(r["returned"]),
                    left=format_grouped(r["share"] - r["returned"]))
            else:
                state = _("owed")
            click.echo("  " + _("{on}  recovered {recovery}  share {share}  {state}").format(
                on=r["recovered_on"], recovery=format_grouped(r["recovery"]),
                share=format_grouped(r["share"]), state=state))
    if d.entries:
        click.echo("\n" + _("Journal entries 会计分录"))
        for x in d.entries:
            click.echo(f"  #{x['seq']}  {x['date']}  {x['kind']}  {x['memo']}")


@claims_group.command("approve")
@click.argument("claim_ids", metavar="[ID]...", nargs=-1, type=CLAIM_ID)
@all_option("submitted claim")
@click.option("--institution", metavar="CODE", help="With --all: only this institution's claims.")
@click.option("--status", type=click.Choice(STATUSES), default=SUBMITTED.value, show_default=True,
              help="With --all: the claims in this state.")
@click.option("--on", type=DONE_DATE, help="Approval date (default: today).")
@db_options
def claims_approve(claim_ids: tuple[int, ...], select_all: bool, institution: str | None,
                   status: str, on: dt.date | None) -> None:
    """Approve submitted claims: each amount becomes a payable of the reserve.

    A claim computed as 0.00 (not covered) is not approved; reject it instead.
    Several IDs, or --all with filters, are approved in one transaction, each
    checked and journaled on its own: if any is refused, every refusal is
    listed and none is approved.

    Example: zkd claims approve 12 --on 2025-07-01

    Example: zkd claims approve --all --institution ZZB --on 2025-07-01
    """
    check_selection(claim_ids, select_all, "claim")
    e = env()
    actor = e.actor()
    day = on or actor.today()
    available = 0
    with e.uow() as uow:
        ids = claim_ids or claims_workflow.ids_to_act_on(uow, status, institution)
        batch = batches.run(uow, ids,
                            lambda i: claims_workflow.approve(uow, actor, i, day))
        if batch.ok:
            uow.commit()
            available = reserve.available(uow, day)
    finish(batch, "claim", lambda _claim_id, claim: _(
        "Approved claim #{id}: {amount} payable to {institution} (journal entry #{seq})."
    ).format(id=claim.id, amount=format_grouped(claim.amount),
             institution=claim.institution, seq=claim.approve_entry))
    if len(batch.outcomes) > 1:
        total = sum(o.result.amount for o in batch.outcomes if o.result is not None)
        click.echo(_("Approved {count} claims, {total} in all.").format(
            count=len(batch.outcomes), total=format_grouped(total)))
    if available < 0:
        click.echo(_("Note: the reserve's approved claims now exceed its cash by "
                     "{amount}; a payment waits for a deposit "
                     "(see `zkd reserve status`).").format(amount=format_grouped(-available)),
                   err=True)


@claims_group.command("reject")
@click.argument("claim_id", metavar="ID", type=CLAIM_ID)
@click.option("--reason", required=True, help="Why, for the record and the statement.")
@click.option("--on", type=DONE_DATE, help="Date of the reversal of an approval (default: today).")
@db_options
def claims_reject(claim_id: int, reason: str, on: dt.date | None) -> None:
    """Reject a submitted or approved claim; an approval is reversed.

    Example: zkd claims reject 12 --reason "暂停期间发放的贷款"
    """
    e = env()
    with e.uow() as uow:
        claim = claims_workflow.reject(uow, e.actor(), claim_id, reason, on)
        uow.commit()
    click.echo(_("Rejected claim #{id}: {reason}").format(id=claim.id,
                                                         reason=claim.rejected_reason))


@claims_group.command("pay")
@click.argument("claim_ids", metavar="[ID]...", nargs=-1, type=CLAIM_ID)
@all_option("approved claim")
@click.option("--institution", metavar="CODE", help="With --all: only this institution's claims.")
@click.option("--status", type=click.Choice(STATUSES), default=APPROVED.value, show_default=True,
              help="With --all: the claims in this state.")
@click.option("--on", type=DONE_DATE, help="Payment date (default: today).")
@click.option("--from", "bank", metavar="BANK",
              help="Pay from this deposit bank only (default: see below).")
@db_options
def claims_pay(claim_ids: tuple[int, ...], select_all: bool, institution: str | None,
               status: str, on: dt.date | None, bank: str | None) -> None:
    """Pay approved claims from the reserve's cash.

    Paid from the claiming bank's own reserve account if it covers the
    amount, else from the deposit bank with the most cash, else split across
    banks, most cash first. Refused, with the shortfall named, when the
    reserve cannot cover it; the claim then stays approved. Several IDs, or
    --all with filters, are paid in one transaction in id order, each checked
    against the cash the earlier ones left: if any is refused, every refusal
    is listed and none is paid.

    Example: zkd claims pay 12 --on 2025-07-05

    Example: zkd claims pay --all --institution ZZB --status approved --on 2025-07-05
    """
    check_selection(claim_ids, select_all, "claim")
    e = env()
    actor = e.actor()
    day = on or actor.today()
    with e.uow() as uow:
        ids = claim_ids or claims_workflow.ids_to_act_on(uow, status, institution)
        batch = batches.run(uow, ids,
                            lambda i: claims_workflow.pay(uow, actor, i, day, bank))
        if batch.ok:
            uow.commit()

    def line(claim_id: int, entry: Entry) -> str:
        paid = {ln.account.rsplit(":", 1)[1]: -ln.amount for ln in entry.lines if ln.amount < 0}
        return _("Paid claim #{id}: {parts} on {on} (journal entry #{seq}).").format(
            id=claim_id, parts=", ".join(
                _("{amount} from {bank}").format(amount=format_grouped(a), bank=b)
                for b, a in paid.items()), on=entry.entry_date, seq=entry.seq)

    finish(batch, "claim", line)
    if len(batch.outcomes) > 1:
        total = sum(ln.amount for o in batch.outcomes if o.result is not None
                    for ln in o.result.lines if ln.amount > 0)
        click.echo(_("Paid {count} claims, {total} in all.").format(
            count=len(batch.outcomes), total=format_grouped(total)))


@claims_group.command("recovery-return")
@click.argument("claim_id", metavar="ID", type=CLAIM_ID)
@click.option("--on", type=DONE_DATE, required=True, help="Date the money reached the reserve.")
@click.option("--at", "bank", metavar="BANK",
              help="Deposit bank receiving it (default: the institution, if a bank).")
@click.option("--amount", type=AMOUNT,
              help="Only this much of what is owed (default: all of it).")
@db_options
def claims_recovery_return(claim_id: int, on: dt.date, bank: str | None,
                           amount: int | None) -> None:
    """Book the institution's return of the recovery shares it owes on a paid claim.

    With --amount, a part of what is owed (the oldest shares first); the rest
    stays owed for a later return.

    Example: zkd claims recovery-return 12 --amount 20,000 --on 2025-08-01 --at ZZB
    """
    e = env()
    with e.uow() as uow:
        done = claims_workflow.return_shares(uow, e.actor(), claim_id, on, bank, amount)
        left = claims_workflow.owed_on(uow, claim_id)
        uow.commit()
    total = sum(ln.amount for x in done for ln in x.lines if ln.amount > 0)
    click.echo(_("Returned {amount} on claim #{id} into the reserve (journal entries "
                 "{entries}); {left} still owed.").format(
        amount=format_grouped(total), id=claim_id,
        entries=", ".join("#" + str(x.seq) for x in done), left=format_grouped(left)))


@claims_group.command("replay")
@click.option("--policy", "policy_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The policy file to recompute under.")
@format_option("table", "json", "csv")
@db_options
def claims_replay(policy_file: Path, fmt: str) -> None:
    """What if: every claim recomputed under another policy file; nothing is written.

    Shows the old and new amount and the difference per claim, and totals
    (rejected claims count in no total).

    Example: zkd claims replay --policy templates/policies/henan-2025.toml
    """
    e = env()
    with e.uow() as uow:
        result = claims_views.replay(uow, policy_file.read_text(encoding="utf-8"),
                                     str(policy_file))
        uow.rollback()
    rows = [{"id": ln.claim_id, "institution": ln.institution, "loan_no": ln.loan_no,
             "status": ln.status, "old": ln.old, "new": ln.new, "difference": ln.difference,
             "old_policy": ln.old_policy, "new_policy": ln.new_policy} for ln in result.lines]
    cols = [Column("id", "id", "int"), Column("institution", "institution"),
            Column("loan_no", "loan_no"), Column("status", "status", "status"),
            Column("old", "old", "amount"), Column("new", "new", "amount"),
            Column("difference", "difference", "amount"), Column("old_policy", "old policy"),
            Column("new_policy", "new policy")]
    totals = {"total_old": result.total_old, "total_new": result.total_new,
              "total_difference": result.total_new - result.total_old}
    if fmt == "json":
        emit(rows, cols, fmt, extra={"policy": result.policy_name, "file": result.source,
                                     **{k: format_plain(v) for k, v in totals.items()}})
        return
    if fmt == "csv":
        emit(rows + [{"id": None, "status": "total", "old": totals["total_old"],
                      "new": totals["total_new"], "difference": totals["total_difference"]}],
             cols, fmt)
        return
    click.echo(_("Replay under {policy} ({source}); nothing was written.").format(
        policy=result.policy_name, source=result.source))
    emit(rows, cols, fmt)
    click.echo("")
    click.echo(kv_table([(_("total old"), format_grouped(totals["total_old"])),
                         (_("total new"), format_grouped(totals["total_new"])),
                         (_("difference"), format_grouped(totals["total_difference"]))]))


@claims_group.command("notice")
@click.argument("claim_id", metavar="ID", type=CLAIM_ID)
@click.option("-o", "--output", "out", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              callback=refuse_stdout(FOLDER_NOT_STDOUT), help="Folder to write into.")
@db_options
def claims_notice(claim_id: int, out: Path) -> None:
    """Write the payment notice (付款通知书) PDF of an approved or paid claim.

    Payee and account, amount in figures and capitals, the loan and loss it
    pays for, who approved and who paid, and a seal area.

    Example: zkd claims notice 12 -o notices/
    """
    from zhengkedai.services import notices

    with env().uow() as uow:
        notice = notices.claim_notice(uow, claim_id)
    write_notice(notice, out)


COMMANDS = [claims_group]
