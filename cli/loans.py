"""Loans and events as filed: ``zkd loans list|show|withdraw``, ``zkd events list|withdraw``."""

from __future__ import annotations

import json
from typing import Any

import click

from zhengkedai.domain.money import format_grouped, format_plain
from zhengkedai.i18n import _
from zhengkedai.services.loans import views, withdrawals

from .common import Column, db_options, emit, env, format_option, kv_table

WITHDRAWAL_COLUMNS = [Column("withdrawn_on", "withdrawn on", "date"),
                      Column("withdrawn_by", "by"), Column("withdrawn_reason", "why")]
LOAN_COLUMNS = [
    Column("institution", "institution"), Column("loan_no", "loan_no"),
    Column("enterprise", "enterprise"), Column("credit_code", "credit code"),
    Column("loan_type", "type", "code"), Column("principal", "principal", "amount"),
    Column("disbursed_on", "disbursed", "date"), Column("maturity_on", "maturity", "date"),
    Column("outstanding", "outstanding", "amount"), Column("overdue", "overdue", "amount"),
    Column("status", "status", "loan_status"), *WITHDRAWAL_COLUMNS,
]
EVENT_COLUMNS = [
    Column("event_id", "id", "int"), Column("institution", "institution"),
    Column("loan_no", "loan_no"), Column("event", "event", "event"),
    Column("occurred_on", "date", "date"), Column("amount", "amount", "amount"),
    Column("note", "note"), Column("file", "file"), Column("row", "row", "int"),
    Column("claim_id", "claim", "int"), Column("status", "status", "code"), *WITHDRAWAL_COLUMNS,
]
CLAIM_COLUMNS = [
    Column("claim_id", "claim", "int"), Column("status", "status", "status"),
    Column("loss", "loss", "amount"), Column("recovered_before", "recovered", "amount"),
    Column("amount", "computed", "amount"), Column("submitted_on", "submitted on", "date"),
    Column("approved_on", "approved on", "date"), Column("paid_on", "paid on", "date"),
]


def _machine(rows: list[dict[str, Any]], columns: list[Column]) -> list[dict[str, Any]]:
    """Rows as JSON values: amounts as two-decimal strings, dates ISO."""
    out = []
    for r in rows:
        doc: dict[str, Any] = {}
        for c in columns:
            v = r.get(c.key)
            doc[c.key] = (None if v is None else format_plain(v) if c.kind == "amount"
                          else v.isoformat() if hasattr(v, "isoformat") else v)
        out.append(doc)
    return out


@click.group("loans")
def loans_group() -> None:
    """Programme loans as filed (贷款台账): list, show, withdraw one filed by mistake.

    Example: zkd loans list --institution ZZB --status overdue
    """


@loans_group.command("list")
@click.option("--institution", metavar="CODE", help="Only this institution's loans.")
@click.option("--status", type=click.Choice(views.LOAN_STATUSES),
              help="active, overdue (some principal overdue), settled (nothing outstanding) "
                   "or withdrawn.")
@format_option("table", "json", "csv")
@db_options
def loans_list(institution: str | None, status: str | None, fmt: str) -> None:
    """Loans in filing order with outstanding and overdue principal and status.

    Withdrawn loans are listed too, with who withdrew them, when and why.

    Example: zkd loans list --institution ZZB --format csv
    """
    with env().uow() as uow:
        rows = views.list_loans(uow, institution=institution, status=status)
    emit(rows, LOAN_COLUMNS, fmt)


@loans_group.command("show")
@click.argument("loan_no", metavar="LOAN_NO")
@click.option("--institution", metavar="CODE",
              help="The filing institution, when several filed the same number.")
@format_option("table", "json")
@db_options
def loans_show(loan_no: str, institution: str | None, fmt: str) -> None:
    """One loan: its terms, events, outstanding and overdue principal, and claims.

    Example: zkd loans show ZZB-2025-001
    """
    with env().uow() as uow:
        d = views.show_loan(uow, loan_no, institution)
    if fmt == "json":
        loan = _machine([d.loan], [*LOAN_COLUMNS, Column("annual_rate", ""),
                                   Column("guarantor_code", ""), Column("district", "")])[0]
        loan["annual_rate"] = str(d.loan["annual_rate"])
        click.echo(json.dumps({**loan, "file": d.file, "row": d.row,
                               "events": _machine(d.events, EVENT_COLUMNS),
                               "claims": _machine(d.claims, CLAIM_COLUMNS)},
                              ensure_ascii=False, indent=2))
        return
    ln = d.loan
    pairs = [
        (_("loan"), _("{loan_no} of {institution}  {status}").format(
            loan_no=ln["loan_no"], institution=ln["institution"], status=views.loan_status_words(ln["status"]))),
        (_("enterprise"), f"{ln['enterprise']}  {ln['credit_code']}"),
        (_("terms"), _("{type}  principal {principal}  rate {rate}%  {start} to {end}").format(
            type=_(ln["loan_type"]), principal=format_grouped(ln["principal"]),
            rate=ln["annual_rate"], start=ln["disbursed_on"], end=ln["maturity_on"])),
        (_("filed in"), _("{file} row {row}").format(file=d.file, row=d.row)),
    ]
    if d.outstanding is not None and d.overdue is not None:
        pairs += [(_("outstanding"), format_grouped(d.outstanding)),
                  (_("overdue"), format_grouped(d.overdue))]
    if ln["withdrawn_on"] is not None:
        pairs.append((_("withdrawn"), _("on {on} by {who}: {why}").format(
            on=ln["withdrawn_on"], who=ln["withdrawn_by"], why=ln["withdrawn_reason"])))
    click.echo(kv_table(pairs))
    click.echo("\n" + _("Events"))
    emit(d.events, [c for c in EVENT_COLUMNS if c.key not in ("institution", "loan_no")], fmt)
    click.echo("\n" + _("Claims"))
    emit(d.claims, CLAIM_COLUMNS, fmt)


def _report(w: withdrawals.Withdrawal, what: str) -> None:
    click.echo(_("Withdrew {what} on {on}; it stays on record, marked withdrawn.").format(
        what=what, on=w.on))
    if w.loan_withdrawn and w.events:
        click.echo(_("Its events {events} were withdrawn with it.").format(
            events=", ".join(f"#{i}" for i in w.events)))
    for claim_id in w.claims_withdrawn:
        click.echo(_("Claim #{id}, opened by the withdrawn loss, was withdrawn with it.").format(
            id=claim_id))
    for r in w.claims_recomputed:
        click.echo(_("Claim #{id} was computed again: {before} -> {after}.").format(
            id=r.claim_id, before=format_grouped(r.before), after=format_grouped(r.after)))
    for seq in w.entries:
        click.echo(_("The recovery share it made owed was reversed by journal entry #{seq}."
                     ).format(seq=seq))
    if not w.loan_withdrawn:
        click.echo(_("Loan {loan} now: outstanding {outstanding}, overdue {overdue}.").format(
            loan=w.loan_no, outstanding=format_grouped(w.outstanding),
            overdue=format_grouped(w.overdue)))


@loans_group.command("withdraw")
@click.argument("loan_no", metavar="LOAN_NO")
@click.option("--reason", required=True, help="Why the loan is withdrawn (kept with it).")
@click.option("--institution", metavar="CODE",
              help="The filing institution, when several filed the same number.")
@db_options
def loans_withdraw(loan_no: str, reason: str, institution: str | None) -> None:
    """Withdraw (撤回) a loan filed by mistake, with its events.

    The loan stays on record, marked withdrawn with who, when and why, and
    counts in no figure from then on; its number can be filed again. An
    unpaid claim on it is withdrawn with it; an approved claim must be
    rejected first, and a paid one stands (recover the money instead).

    Example: zkd loans withdraw ZZB-2025-031 --reason "filed twice; see ZZB-2025-030"
    """
    e = env()
    with e.uow() as uow:
        w = withdrawals.withdraw_loan(uow, e.actor(), loan_no, reason, institution)
        uow.commit()
    _report(w, _("loan {loan} of {institution}").format(loan=w.loan_no,
                                                        institution=w.institution))


@click.group("events")
def events_group() -> None:
    """Post-loan events as filed (贷后事件): list a loan's, withdraw one filed by mistake.

    Example: zkd events list --loan ZZB-2025-001
    """


@events_group.command("list")
@click.option("--loan", "loan_no", required=True, metavar="LOAN_NO", help="The loan's number.")
@click.option("--institution", metavar="CODE",
              help="The filing institution, when several filed the same number.")
@format_option("table", "json", "csv")
@db_options
def events_list(loan_no: str, institution: str | None, fmt: str) -> None:
    """A loan's events in filing order, with their ids, files and rows.

    The id is what `zkd events withdraw` takes. Withdrawn events are listed
    too, with who withdrew them, when and why.

    Example: zkd events list --loan ZZB-2025-001 --format json
    """
    with env().uow() as uow:
        rows = views.list_events(uow, loan_no, institution)
    emit(rows, EVENT_COLUMNS, fmt)


@events_group.command("withdraw")
@click.argument("event_id", type=click.IntRange(min=1), metavar="EVENT_ID")
@click.option("--reason", required=True, help="Why the event is withdrawn (kept with it).")
@db_options
def events_withdraw(event_id: int, reason: str) -> None:
    """Withdraw (撤回) one event filed by mistake; file the right one again afterwards.

    The loan's outstanding and overdue principal are computed without it. A
    withdrawn loss withdraws its unpaid claim; an approved claim must be
    rejected first, and a paid one stands (recover the money instead).

    Example: zkd events withdraw 41 --reason "loss typed as 2,900,000; it is 290,000"
    """
    e = env()
    with e.uow() as uow:
        w = withdrawals.withdraw_event(uow, e.actor(), event_id, reason)
        uow.commit()
    _report(w, _("event #{id} of loan {loan} ({institution})").format(
        id=event_id, loan=w.loan_no, institution=w.institution))


COMMANDS = [loans_group, events_group]
