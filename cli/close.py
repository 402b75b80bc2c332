"""``zkd close YYYY-MM``: close a month."""

from __future__ import annotations

import click

from zhengkedai.domain.money import format_grouped, format_plain
from zhengkedai.i18n import _
from zhengkedai.services import closing

from .common import Column, db_options, emit, env, format_option


@click.command("close")
@click.argument("period", metavar="YYYY-MM")
@format_option("table", "json", "csv")
@db_options
def close(period: str, fmt: str) -> None:
    """Close a month: overdue ratios, suspensions from next month, and the lock.

    After the close no entry dated in the month is accepted, and the month's
    statements are final (no 草稿 mark) and regenerate to the same bytes.

    Example: zkd close 2025-06
    """
    e = env()
    with e.uow() as uow:
        result = closing.close_month(uow, e.actor(), period)
        uow.commit()
    rows = [{
        "institution": i.code,
        "outstanding": i.outstanding,
        "overdue": i.overdue,
        "overdue_ratio": None if i.ratio is None else f"{i.ratio * 100:.2f}",
        "status_next_month": (_("suspended") if i.suspended_next_month else _("active"))
        if fmt == "table" else ("suspended" if i.suspended_next_month else "active"),
    } for i in result.institutions]
    cols = [Column("institution", "institution"), Column("outstanding", "outstanding", "amount"),
            Column("overdue", "overdue", "amount"), Column("overdue_ratio", "overdue %", "percent"),
            Column("status_next_month", "next month")]
    if fmt == "table":
        click.echo(_("Closed {period} (chain head {head}…, entry #{seq}); suspension above "
                     "{threshold}% overdue.").format(
            period=result.period, head=result.chain_head[:16], seq=result.last_seq,
            threshold=f"{result.threshold * 100:.2f}"))
    recomputed = [{"claim_id": r.claim_id, "institution": r.institution, "loan_no": r.loan_no,
                   "status": r.status, "amount_before": format_plain(r.amount_before),
                   "amount_after": format_plain(r.amount_after), "changed": r.changed}
                  for r in result.recomputed]
    emit(rows, cols, fmt, extra={"period": result.period, "closed_at":
                                 result.closed_at.isoformat(), "chain_head": result.chain_head,
                                 "recomputed_claims": recomputed}
         if fmt == "json" else None)
    suspended = [i.code for i in result.institutions if i.suspended_next_month]
    if suspended and fmt == "table":
        click.echo(_("Suspended from the 1st of next month: {codes}").format(
            codes=", ".join(suspended)), err=True)
    for r in result.recomputed if fmt == "table" else ():
        what = _("claim #{id} ({institution}, loan {loan}, {status}): {before} -> {after}").format(
            id=r.claim_id, institution=r.institution, loan=r.loan_no, status=r.status,
            before=format_grouped(r.amount_before), after=format_grouped(r.amount_after))
        click.echo(_("Recomputed {what}, the institution's status having changed").format(
                   what=what)
                   if r.changed else
                   _("Warning: {what} by the new status, but it was paid before this close; "
                     "it stands as paid").format(what=what), err=True)


COMMANDS = [close]
