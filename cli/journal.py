"""``zkd reverse ENTRY`` (correct a booking with its reversal) and ``zkd journal export``."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import click

from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.domain.ledger import Entry
from zhengkedai.domain.money import format_grouped
from zhengkedai.render import journal_export
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
    click.echo(f"Reversed entry #{entry} with entry #{posted.seq} dated {posted.entry_date} "
               f"({format_grouped(moved)} back).")


@click.group()
def journal() -> None:
    """The journal (日记账): every entry, in chain order.

    Example: zkd journal export --format jsonl -o journal.jsonl
    """


@journal.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="jsonl",
              show_default=True, help="CSV (a row per line) or JSON Lines (an entry per line).")
@click.option("-o", "--output", "out", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
@db_options
def journal_export_cmd(fmt: str, out: Path) -> None:
    """Write every journal entry with its lines, its hash and the previous hash,
    so an auditor can recompute the chain without zkd (docs/audit-chain.md).

    Example: zkd journal export --format csv -o journal.csv
    """
    e = env()
    chunks = journal_export.csv_chunks if fmt == "csv" else journal_export.jsonl_chunks
    partial = out.with_name(out.name + ".partial")
    seen: list[Entry] = []  # the last entry written, for the closing line

    def tracked(entries: Iterator[Entry]) -> Iterator[Entry]:
        for entry in entries:
            seen[:] = [entry]
            yield entry

    with e.uow() as uow:
        try:
            with partial.open("w", encoding="utf-8", newline="") as f:
                f.writelines(chunks(tracked(LedgerRepo(uow).entries())))
            os.replace(partial, out)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise click.ClickException(f"cannot write {out}: {exc.strerror or exc}") from None
    if seen:
        click.echo(f"Wrote {seen[0].seq} journal entries to {out}; chain head "
                   f"{seen[0].hash} at entry #{seen[0].seq}.")
    else:
        click.echo(f"Wrote 0 journal entries to {out}; the journal is empty.")


COMMANDS = [reverse, journal]
