"""The journal: ``zkd journal list|show|export``, and ``zkd reverse ENTRY`` to correct a booking."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import click

from zhengkedai.context import local_time
from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.domain.ledger import Entry
from zhengkedai.domain.money import format_grouped, format_plain
from zhengkedai.domain.periods import parse_period
from zhengkedai.i18n import _
from zhengkedai.outputs import check_output_file
from zhengkedai.render import journal_export
from zhengkedai.services import journal
from zhengkedai.services.funds import corrections

from .common import (
    DONE_DATE,
    Column,
    db_options,
    emit,
    env,
    format_option,
    is_stdout,
    kv_table,
    write_stdout,
)

ENTRY_COLUMNS = [
    Column("seq", "no", "int"), Column("date", "date", "date"), Column("kind", "kind"),
    Column("amount", "amount", "amount"), Column("reverses", "reverses", "int"),
    Column("reversed_by", "reversed by", "int"), Column("operator", "by"),
    Column("key", "key"), Column("memo", "memo"),
]
LINE_COLUMNS = [Column("account", "account"), Column("name", "name"),
                Column("debit", "debit", "amount"), Column("credit", "credit", "amount")]


@click.group("journal")
def journal_group() -> None:
    """The journal (日记账): every entry, hash-chained; find the number `zkd reverse` needs.

    Example: zkd journal list --month 2025-06
    """


@journal_group.command("list")
@click.option("--month", metavar="YYYY-MM", help="Only entries dated in this month.")
@format_option("table", "json", "csv")
@db_options
def journal_list(month: str | None, fmt: str) -> None:
    """Entries in order: number, date, kind, amount, what reverses what, who, voucher key.

    Example: zkd journal list --month 2025-06 --format csv
    """
    period = parse_period(month) if month is not None else None
    with env().uow() as uow:
        rows = journal.list_entries(uow, period)
    emit(rows, ENTRY_COLUMNS, fmt)


@journal_group.command("show")
@click.argument("entry", type=click.IntRange(min=1), metavar="ENTRY_NO")
@format_option("table", "json")
@db_options
def journal_show(entry: int, fmt: str) -> None:
    """One entry with its lines (debits and credits), source, and chain hashes.

    Example: zkd journal show 12
    """
    with env().uow() as uow:
        doc = journal.show_entry(uow, entry)
    if fmt == "json":
        out = {k: v for k, v in doc.items() if k != "lines"}
        out.update(date=doc["date"].isoformat(), amount=format_plain(doc["amount"]),
                   created_at=local_time(doc["created_at"]).isoformat())
        out["lines"] = [{**ln, "debit": None if ln["debit"] is None else format_plain(ln["debit"]),
                         "credit": None if ln["credit"] is None else format_plain(ln["credit"])}
                        for ln in doc["lines"]]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    pairs = [("entry 凭证", f"#{doc['seq']}  {doc['date']}  {doc['kind']}"),
             ("memo 摘要", doc["memo"]), ("source 来源", doc["source"] or "-"),
             ("key 幂等键", doc["key"]),
             ("posted 记账", f"{doc['operator']} at {local_time(doc['created_at']).isoformat()}")]
    if doc["reverses"] is not None:
        pairs.append(("reverses 冲销", f"entry #{doc['reverses']}"))
    if doc["reversed_by"] is not None:
        pairs.append(("reversed by 被冲销", f"entry #{doc['reversed_by']}"))
    pairs += [("hash", doc["hash"]), ("previous hash", doc["prev_hash"])]
    click.echo(kv_table(pairs))
    click.echo("")
    emit(doc["lines"], LINE_COLUMNS, fmt)


@click.command("reverse")
@click.argument("entry", type=click.IntRange(min=1), metavar="ENTRY_NO")
@click.option("--reason", required=True, help="Why the booking is reversed (kept in the memo).")
@click.option("--on", type=DONE_DATE, default=None, help="Date of the reversal (default today).")
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


@journal_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="jsonl",
              show_default=True, help="CSV (a row per line) or JSON Lines (an entry per line).")
@click.option("-o", "--output", "out", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="File to write; - for standard output.")
@db_options
def journal_export_cmd(fmt: str, out: Path) -> None:
    """Write every journal entry with its lines, its hash and the previous hash,
    so an auditor can recompute the chain without zkd (docs/audit-chain.md).

    Example: zkd journal export --format csv -o journal.csv
    """
    e = env()
    chunks = journal_export.csv_chunks if fmt == "csv" else journal_export.jsonl_chunks
    seen: list[Entry] = []  # the last entry written, for the closing line

    def tracked(entries: Iterator[Entry]) -> Iterator[Entry]:
        for entry in entries:
            seen[:] = [entry]
            yield entry

    if not is_stdout(out):
        # never over the ledger's own SQLite file (an earlier export there is replaced)
        check_output_file(out, _("the journal export"), ledger=e.ledger_file(),
                          replaceable=lambda _path: True)
    with e.uow() as uow:
        if is_stdout(out):  # the export alone on standard output; the closing line on stderr
            write_stdout(chunks(tracked(LedgerRepo(uow).entries())))
        else:
            partial = out.with_name(out.name + ".partial")
            try:
                with partial.open("w", encoding="utf-8", newline="") as f:
                    f.writelines(chunks(tracked(LedgerRepo(uow).entries())))
                os.replace(partial, out)
            except OSError as exc:
                partial.unlink(missing_ok=True)
                raise click.ClickException(_("cannot write {path}: {reason}").format(
                    path=out, reason=exc.strerror or exc)) from None
    where = _("standard output") if is_stdout(out) else out
    if seen:
        click.echo(_("Wrote {count} journal entries to {path}; chain head {head} at entry "
                     "#{seq}.").format(count=seen[0].seq, path=where, head=seen[0].hash,
                                        seq=seen[0].seq), err=is_stdout(out))
    else:
        click.echo(_("Wrote 0 journal entries to {path}; the journal is empty.").format(
            path=where), err=is_stdout(out))


COMMANDS = [journal_group, reverse]
