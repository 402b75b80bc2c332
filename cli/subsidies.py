"""Subsidy applications: ``zkd subsidies list|show|approve|reject|pay``.

Applications are filed with ``zkd submit`` (a subsidies file); these commands
review them and move the subsidy budget (see ``zhengkedai.services.funds.budget``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from zhengkedai.domain.compensation import rule_label
from zhengkedai.domain.money import format_grouped, format_plain
from zhengkedai.domain.policy_params import clause_words
from zhengkedai.domain.subsidy_rules import SUBSIDY_RULE_ZH, SubsidyKind
from zhengkedai.domain.workflow import status_words
from zhengkedai.i18n import _, is_chinese
from zhengkedai.services import batches
from zhengkedai.services.subsidies import applications as subsidies
from zhengkedai.services.subsidies import workflow as subsidy_workflow

from .batch import all_option, check_selection, finish
from .common import (
    DONE_DATE,
    FOLDER_NOT_STDOUT,
    SUBSIDY_ID,
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

COLUMNS = [
    Column("id", "id", "int"), Column("kind", "kind", "code"), Column("beneficiary", "beneficiary"),
    Column("investee", "investee"), Column("period", "year", "int"),
    Column("reference", "reference"), Column("basis", "basis", "amount"),
    Column("amount", "amount", "amount"), Column("status", "status", "status"),
]
MACHINE_ONLY = [
    Column("policy", "policy"), Column("submitted_on", "submitted on", "date"),
    Column("approved_on", "approved on", "date"), Column("paid_on", "paid on", "date"),
    Column("rejected_on", "rejected on", "date"), Column("rejected_reason", "rejected because"), Column("source", "source"),
    Column("trace", "trace"),
]


def _trace_text(steps: tuple[dict[str, Any], ...]) -> str:
    """The trace on one line, its rules named in the reader's language (as a claim's)."""
    chinese = is_chinese()
    return "; ".join(
        f"{rule_label(s['rule'], chinese, SUBSIDY_RULE_ZH)} {s['before']} -> {s['after']}"
        + (_(" (limit {limit}, used {used}, left {left})").format(
            limit=s["limit"], used=s["used"], left=s["left"]) if s.get("limit") else "")
        for s in steps)


def _row(s: subsidies.Subsidy) -> dict[str, Any]:
    return {"id": s.id, "kind": s.kind, "beneficiary": s.beneficiary, "investee": s.investee,
            "period": s.period, "reference": s.reference, "basis": s.basis, "amount": s.amount,
            "status": s.status, "policy": f"{s.policy_name}/{s.policy_version}",
            "submitted_on": s.submitted_on, "approved_on": s.approved_on, "paid_on": s.paid_on,
            "rejected_on": s.rejected_on, "rejected_reason": s.rejected_reason,
            "source": f"file:{s.file_id} row:{s.file_row}", "trace": _trace_text(s.trace)}


def _kind(s: subsidies.Subsidy) -> str:
    """A subsidy's kind in the reader's language."""
    return s.kind_zh if is_chinese() else s.kind


@click.group("subsidies")
def subsidies_group() -> None:
    """Subsidy applications (补助申请): review, approve, reject, pay.

    Example: zkd subsidies list --status submitted
    """


@subsidies_group.command("list")
@click.option("--status", type=click.Choice(list(subsidies.STATUSES)), help="Only this status.")
@click.option("--kind", type=click.Choice([k.value for k in SubsidyKind]), help="Only this kind.")
@click.option("--year", type=int, help="Only applications for this year (所属年度).")
@format_option("table", "json", "csv")
@db_options
def subsidies_list(status: str | None, kind: str | None, year: int | None, fmt: str) -> None:
    """Subsidy applications with amount and status (JSON and CSV add dates and the trace).

    Example: zkd subsidies list --status approved --kind financing --format json
    """
    e = env()
    with e.uow() as uow:
        items = subsidies.list_subsidies(uow, status=status, kind=kind, year=year)
    cols = COLUMNS if fmt == "table" else COLUMNS + MACHINE_ONLY
    emit([_row(s) for s in items], cols, fmt)


@subsidies_group.command("show")
@click.argument("subsidy_id", metavar="ID", type=SUBSIDY_ID)
@format_option("table", "json")
@db_options
def subsidies_show(subsidy_id: int, fmt: str) -> None:
    """One subsidy application with its full calculation trace.

    Example: zkd subsidies show 7
    """
    e = env()
    with e.uow() as uow:
        s = subsidies.show(uow, subsidy_id)
    row = _row(s)
    if fmt == "json":
        doc = {c.key: (format_plain(row[c.key]) if c.kind == "amount" else
                       row[c.key].isoformat() if isinstance(row[c.key], dt.date) else row[c.key])
               for c in COLUMNS + MACHINE_ONLY if c.key != "trace"}
        click.echo(json.dumps({**doc, "trace": list(s.trace)}, ensure_ascii=False, indent=2))
        return
    click.echo(_("Subsidy #{id} {kind_zh} ({kind})").format(id=s.id, kind_zh=s.kind_zh,
                                                             kind=s.kind))
    click.echo(kv_table([
        (_("beneficiary 受益方"), s.beneficiary), (_("investee 被投企业"), s.investee or "-"),
        (_("year 所属年度"), str(s.period)), (_("reference 凭证号"), s.reference),
        (_("basis 计算基数"), format_grouped(s.basis)),
        (_("amount 补助金额"), format_grouped(s.amount)),
        (_("status 状态"), status_words(s.status)), (_("policy 政策"), row["policy"]),
        (_("submitted 受理"), s.submitted_on.isoformat()),
        (_("approved 批准"), s.approved_on.isoformat() if s.approved_on else "-"),
        (_("paid 支付"), s.paid_on.isoformat() if s.paid_on else "-"),
        (_("rejected 驳回"), s.rejected_on.isoformat() if s.rejected_on else "-"),
        (_("rejected because 驳回原因"), s.rejected_reason or "-"),
        (_("source 来源"), _("file #{file}, row {row}").format(file=s.file_id, row=s.file_row)),
    ]))
    click.echo("")
    click.echo(_("Calculation trace 计算过程:"))
    for i, step in enumerate(s.trace, start=1):
        click.echo(f"  {i}. {rule_label(step['rule'], is_chinese(), SUBSIDY_RULE_ZH)} "
                   f"[{step['policy_version']}]: {trace_amount(step['before'])} → "
                   f"{trace_amount(step['after'])}")
        # an official's words where the subsidy was computed with them, else the stored note
        click.echo(f"     {step.get('text') or step['note']}")
        click.echo("     " + _("source: {clause}").format(clause=clause_words(step["clause"], is_chinese())))


@subsidies_group.command("approve")
@click.argument("subsidy_ids", metavar="[ID]...", nargs=-1, type=SUBSIDY_ID)
@all_option("submitted subsidy")
@click.option("--kind", type=click.Choice([k.value for k in SubsidyKind]),
              help="With --all: only this kind.")
@click.option("--status", type=click.Choice(list(subsidies.STATUSES)), default="submitted",
              show_default=True, help="With --all: the subsidies in this state.")
@click.option("--on", type=DONE_DATE, help="Approval date (default: today).")
@db_options
def subsidies_approve(subsidy_ids: tuple[int, ...], select_all: bool, kind: str | None,
                      status: str, on: dt.date | None) -> None:
    """Approve submitted subsidies: each amount becomes payable from the budget.

    Several IDs, or --all with filters, are approved in one transaction, each
    checked (its yearly cap too) and journaled on its own: if any is refused,
    every refusal is listed and none is approved.

    Example: zkd subsidies approve 7 --on 2025-04-02

    Example: zkd subsidies approve --all --kind financing --on 2025-04-02
    """
    check_selection(subsidy_ids, select_all, "subsidy")
    e = env()
    actor = e.actor()
    with e.uow() as uow:
        ids = subsidy_ids or subsidy_workflow.ids_to_act_on(uow, status, kind)
        batch = batches.run(uow, ids,
                            lambda i: subsidy_workflow.approve(uow, actor, i, on=on))
        if batch.ok:
            uow.commit()
    finish(batch, "subsidy", lambda _id, s: _(
        "Approved subsidy #{id} ({kind}, {beneficiary}): {amount} payable on {on}"
        " (journal entry #{seq}).").format(
        id=s.id, kind=_kind(s), beneficiary=s.beneficiary, amount=format_grouped(s.amount),
        on=s.approved_on, seq=s.approve_entry))
    _total(batch, _("Approved {count} subsidies, {total} in all."))


@subsidies_group.command("reject")
@click.argument("subsidy_id", metavar="ID", type=SUBSIDY_ID)
@click.option("--reason", required=True, help="Why (kept with the subsidy and the reversal).")
@click.option("--on", type=DONE_DATE, help="Date of the reversal of an approval (default: today).")
@db_options
def subsidies_reject(subsidy_id: int, reason: str, on: dt.date | None) -> None:
    """Reject a submitted or approved subsidy; an approval is reversed.

    Example: zkd subsidies reject 7 --reason "材料不全"
    """
    e = env()
    with e.uow() as uow:
        was = subsidies.show(uow, subsidy_id).status
        s = subsidy_workflow.reject(uow, e.actor(), subsidy_id, reason=reason, on=on)
        uow.commit()
    tail = _(" (its approval was reversed by journal entry #{seq})").format(
        seq=s.reject_entry) if was == "approved" else ""
    click.echo(_("Rejected subsidy #{id}{tail}: {reason}").format(
        id=s.id, tail=tail, reason=s.rejected_reason))


@subsidies_group.command("pay")
@click.argument("subsidy_ids", metavar="[ID]...", nargs=-1, type=SUBSIDY_ID)
@all_option("approved subsidy")
@click.option("--kind", type=click.Choice([k.value for k in SubsidyKind]),
              help="With --all: only this kind.")
@click.option("--status", type=click.Choice(list(subsidies.STATUSES)), default="approved",
              show_default=True, help="With --all: the subsidies in this state.")
@click.option("--on", type=DONE_DATE, help="Payment date (default: today).")
@db_options
def subsidies_pay(subsidy_ids: tuple[int, ...], select_all: bool, kind: str | None,
                  status: str, on: dt.date | None) -> None:
    """Pay approved subsidies from the budget; refused with the shortfall when it cannot.

    Several IDs, or --all with filters, are paid in one transaction in id
    order, each against the cash the earlier ones left: if any is refused,
    every refusal is listed and none is paid.

    Example: zkd subsidies pay 7 --on 2025-04-10

    Example: zkd subsidies pay --all --status approved --on 2025-04-10
    """
    check_selection(subsidy_ids, select_all, "subsidy")
    e = env()
    actor = e.actor()
    with e.uow() as uow:
        ids = subsidy_ids or subsidy_workflow.ids_to_act_on(uow, status, kind)
        batch = batches.run(uow, ids, lambda i: subsidy_workflow.pay(uow, actor, i, on=on))
        if batch.ok:
            uow.commit()
    finish(batch, "subsidy", lambda _id, s: _(
        "Paid subsidy #{id} ({kind}, {beneficiary}): {amount} on {on}"
        " (journal entry #{seq}).").format(
        id=s.id, kind=_kind(s), beneficiary=s.beneficiary, amount=format_grouped(s.amount),
        on=s.paid_on, seq=s.pay_entry))
    _total(batch, _("Paid {count} subsidies, {total} in all."))


def _total(batch: batches.Batch[subsidies.Subsidy], done: str) -> None:
    if len(batch.outcomes) > 1:
        total = sum(o.result.amount for o in batch.outcomes if o.result is not None)
        click.echo(done.format(count=len(batch.outcomes), total=format_grouped(total)))


@subsidies_group.command("notice")
@click.argument("subsidy_id", metavar="ID", type=SUBSIDY_ID)
@click.option("-o", "--output", "out", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              callback=refuse_stdout(FOLDER_NOT_STDOUT), help="Folder to write into.")
@db_options
def subsidies_notice(subsidy_id: int, out: Path) -> None:
    """Write the payment notice (付款通知书) PDF of an approved or paid subsidy.

    Example: zkd subsidies notice 7 -o notices/
    """
    from zhengkedai.services import notices

    with env().uow() as uow:
        notice = notices.subsidy_notice(uow, subsidy_id)
    write_notice(notice, out)


COMMANDS = [subsidies_group]
