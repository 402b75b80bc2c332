"""``zkd reverse ENTRY``: correct a booking made by hand with its reversal."""

from __future__ import annotations

import datetime as dt

import click

from zhengkedai.domain.money import format_grouped
from zhengkedai.i18n import _
from zhengkedai.services.funds import corrections

from .common import DATE, db_options, env


@click.command("reverse")
@click.argument("entry", type=click.IntRange(min=1), metavar="ENTRY_NO")
@click.option("--reason", required=True, help="Why the booking is reversed (kept in the memo).")
@click.option("--on", type=DATE, default=None, help="Date of the reversal (default today).")
@db_options
def reverse(entry: int, reason: str, on: dt.date | None) -> None:
    """Reverse a deposit, interest, transfer, management fee or budget deposit.

    The reversal is a new journal entry with the opposite lines; both stay in
    the journal. Book the corrected movement again afterwards. Entries made by
    the claims and subsidies workflows are corrected through those commands.

    Example: zkd reverse 12 --reason "amount mistyped; booked again as #13"
    """
    e = env()
    with e.uow() as uow:
        posted = corrections.reverse_entry(uow, e.actor(), entry, reason, on)
        uow.commit()
    moved = sum(line.amount for line in posted.lines if line.amount > 0)
    click.echo(_("Reversed entry #{entry} with entry #{seq} dated {on} ({amount} back).").format(
        entry=entry, seq=posted.seq, on=posted.entry_date, amount=format_grouped(moved)))


COMMANDS = [reverse]
