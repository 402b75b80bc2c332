"""``zkd close YYYY-MM``: close a month."""

from __future__ import annotations

import click

from zhengkedai.domain.money import format_grouped, format_plain
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
        "status_next_month": "suspended" if i.suspended_next_month else "active",
    } for i in result.institutions]
    cols = [Column("institution", "institution"), Column("outstanding", "outstanding", "amount"),
            Column("overdue", "overdue", "amount"), Column("overdue_ratio", "overdue %", "percent"),
            Column("status_next_month", "next month")]
    if fmt == "table":
        click.echo(f"Closed {result.period} (chain head {result.chain_head[:16]}…, "
                   f"entry #{result.last_seq}); suspension above "
                   f"{result.threshold * 100:.2f}% overdue.")
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
        click.echo(f"Suspended from the 1st of next month: {', '.join(suspended)}", err=True)
    for r in result.recomputed if fmt == "table" else ():
        what = (f"claim #{r.claim_id} ({r.institution}, loan {r.loan_no}, {r.status}): "
                f"{format_grouped(r.amount_before)} -> {format_grouped(r.amount_after)}")
        click.echo(f"Recomputed {what}, the institution's status having changed"
                   if r.changed else
                   f"Warning: {what} by the new status, but it was paid before this close; "
                   "it stands as paid", err=True)


COMMANDS = [close]
