"""``zkd close YYYY-MM`` / ``zkd close --through YYYY-MM``: close a month, or every open one."""

from __future__ import annotations

import json
from typing import Any

import click

from zhengkedai.context import local_time
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.money import format_grouped, format_plain
from zhengkedai.domain.workflow import status_words
from zhengkedai.i18n import _, listing
from zhengkedai.services import closing

from .common import Column, db_options, emit, env, format_option

COLUMNS = [Column("institution", "institution"), Column("outstanding", "outstanding", "amount"),
           Column("overdue", "overdue", "amount"), Column("overdue_ratio", "overdue %", "percent"),
           Column("status_next_month", "next month")]


def _rows(result: closing.CloseResult) -> list[dict[str, Any]]:
    return [{
        "period": result.period,
        "institution": i.code,
        "outstanding": i.outstanding,
        "overdue": i.overdue,
        "overdue_ratio": None if i.ratio is None else f"{i.ratio * 100:.2f}",
        "status_next_month": "suspended" if i.suspended_next_month else "active",
    } for i in result.institutions]


def _extra(result: closing.CloseResult) -> dict[str, Any]:
    recomputed = [{"claim_id": r.claim_id, "institution": r.institution, "loan_no": r.loan_no,
                   "status": r.status, "amount_before": format_plain(r.amount_before),
                   "amount_after": format_plain(r.amount_after), "changed": r.changed}
                  for r in result.recomputed]
    # in Zhengzhou's time with its offset, as the month's statements print it (generated_at)
    return {"period": result.period, "closed_at": local_time(result.closed_at).isoformat(),
            "chain_head": result.chain_head, "signed_with": result.signed_with,
            "recomputed_claims": recomputed}


def _table(result: closing.CloseResult) -> None:
    click.echo(_("Closed {period} (chain head {head}…, entry #{seq}); suspension above "
                 "{threshold}% overdue.").format(
        period=result.period, head=result.chain_head[:16], seq=result.last_seq,
        threshold=f"{result.threshold * 100:.2f}"))
    rows = [{**row, "status_next_month": _(row["status_next_month"])} for row in _rows(result)]
    emit(rows, COLUMNS, "table")
    click.echo(_("Statements and chain head signed with certificate {fingerprint}.").format(
        fingerprint=result.signed_with[:16]) if result.signed_with else
        _("Not signed: this ledger has no signing key (zkd signing init or zkd signing import)."))
    suspended = [i.code for i in result.institutions if i.suspended_next_month]
    if suspended:
        click.echo(_("Suspended from the 1st of next month: {codes}").format(
            codes=listing(suspended)), err=True)
    for r in result.recomputed:
        what = _("claim #{id} ({institution}, loan {loan}, {status}): {before} -> {after}").format(
            id=r.claim_id, institution=r.institution, loan=r.loan_no, status=status_words(r.status),
            before=format_grouped(r.amount_before), after=format_grouped(r.amount_after))
        click.echo(_("Recomputed {what}, the institution's status having changed").format(
                   what=what)
                   if r.changed else
                   _("Warning: {what} by the new status, but it was paid before this close; "
                     "it stands as paid").format(what=what), err=True)


@click.command("close")
@click.argument("period", metavar="YYYY-MM", required=False)
@click.option("--through", metavar="YYYY-MM",
              help="Close every open month up to and including this one, in order.")
@format_option("table", "json", "csv")
@db_options
def close(period: str | None, through: str | None, fmt: str) -> None:
    """Close a month: overdue ratios, suspensions from next month, and the lock.

    After the close no entry dated in the month is accepted, and the month's
    statements are final (no 草稿 mark) and regenerate to the same bytes.
    With --through, every open month up to that one is closed in order, all
    or none.

    Example: zkd close 2025-06   (or: zkd close --through 2025-06)
    """
    if (period is None) == (through is None):
        raise ZkdError(_("name one month (zkd close YYYY-MM) or close up to one "
                         "(zkd close --through YYYY-MM)"))
    e = env()
    with e.uow() as uow:
        if through is not None:
            results = closing.close_through(uow, e.actor(), through)
        else:
            assert period is not None
            results = [closing.close_month(uow, e.actor(), period)]
        uow.commit()
    if fmt == "table":
        for n, result in enumerate(results):
            if n:
                click.echo("")
            _table(result)
        return
    if through is None:  # one month: the document it always was
        emit(_rows(results[0]), COLUMNS, fmt,
             extra=_extra(results[0]) if fmt == "json" else None)
        return
    if fmt == "json":
        docs = [{**_extra(r), "rows": [
            {k: format_plain(v) if k in ("outstanding", "overdue") else v
             for k, v in row.items() if k != "period"} for row in _rows(r)]} for r in results]
        click.echo(json.dumps(docs, ensure_ascii=False, indent=2))
        return
    emit([row for r in results for row in _rows(r)], [Column("period", "period"), *COLUMNS], fmt)


COMMANDS = [close]
