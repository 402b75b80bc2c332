"""Set-up and checking: ``init``, ``institution``, ``verify``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import click

from zhengkedai.i18n import _, ngettext
from zhengkedai.services import institutions, setup
from zhengkedai.services.audit import verify as verify_service
from zhengkedai.services.audit.anchor import check_anchor, parse_anchor
from zhengkedai.services.statements import packs

from .common import DATE, Column, db_options, emit, env, format_option
from .progress import TerminalProgress


@click.command()
@db_options
def init() -> None:
    """Create or upgrade the database and load the default policy.

    Example: zkd init --db sqlite:///zhengkedai.db
    """
    e = env()
    engine = e.engine(create=True)
    try:
        result = setup.init_database(engine, e.actor())
    finally:
        engine.dispose()
    if result.revision_before == result.revision_after:
        click.echo(_("Database {url} is up to date (schema {revision}).").format(
            url=e.shown_url, revision=result.revision_after))
    else:
        click.echo(_("Database {url} migrated from {before} to schema {after}.").format(
            url=e.shown_url, before=result.revision_before or _("empty"),
            after=result.revision_after))
    for note in result.notes:
        click.echo(note)


@click.group()
def institution() -> None:
    """Partner institutions: banks, guarantors, insurers, investment institutions.

    Example: zkd institution add ZZB --name 郑州银行 --kind bank
    """


def account_options(f):  # type: ignore[no-untyped-def]
    """``--account-name``, ``--account-no`` and ``--account-bank``: where payments go."""
    f = click.option("--account-bank", metavar="BANK",
                     help="Payee account: the bank and branch that keeps it (开户行).")(f)
    f = click.option("--account-no", metavar="NO", help="Payee account: its number (账号).")(f)
    f = click.option("--account-name", metavar="NAME",
                     help="Payee account: the account holder's name (户名).")(f)
    return f


@institution.command("add")
@click.argument("code")
@click.option("--name", required=True, help="The institution's full name.")
@click.option("--kind", required=True,
              type=click.Choice(["bank", "guarantor", "insurer", "investor"]))
@account_options
@db_options
def institution_add(code: str, name: str, kind: str, account_name: str | None,
                    account_no: str | None, account_bank: str | None) -> None:
    """Register an institution under a short CODE.

    Example: zkd institution add ZZB --name 郑州银行 --kind bank
    """
    e = env()
    with e.uow() as uow:
        inst = institutions.add(uow, e.actor(), code, name, kind, account_name=account_name,
                                account_no=account_no, account_bank=account_bank)
        uow.commit()
    click.echo(_("Registered {kind} {code} ({name}).").format(
        kind=_(inst.kind.value), code=inst.code, name=inst.name))


@institution.command("update")
@click.argument("code")
@click.option("--name", help="The institution's new full name.")
@account_options
@db_options
def institution_update(code: str, name: str | None, account_name: str | None,
                       account_no: str | None, account_bank: str | None) -> None:
    """Change an institution's name or the account its payments go to.

    Parts not given stay as they were; the code and kind never change.

    Example: zkd institution update ZZB --account-name 郑州银行股份有限公司 --account-no 6228480012345678 --account-bank 郑州银行营业部
    """
    e = env()
    with e.uow() as uow:
        row = institutions.update(uow, e.actor(), code, name=name, account_name=account_name,
                                  account_no=account_no, account_bank=account_bank)
        uow.commit()
        account = institutions.account_of(row)
    click.echo(_("Updated {code} ({name}).").format(code=row.code, name=row.name))
    if account is not None:
        click.echo(_("Payee account: {holder}, {number}, {bank}").format(
            holder=account.name, number=account.number, bank=account.bank))


@institution.command("list")
@click.option("--on", type=DATE, help="Status as of this date (default: today).")
@format_option("table", "json", "csv")
@db_options
def institution_list(on: dt.date | None, fmt: str) -> None:
    """Institutions with their status (active / suspended since DATE).

    Example: zkd institution list --format json
    """
    e = env()
    actor = e.actor()
    with e.uow() as uow:
        items = institutions.list_all(uow, on or actor.today())
    rows = [{"code": i.code, "name": i.name, "kind": i.kind.value, "status":
             "active" if i.suspended_since is None else "suspended",
             "suspended_since": i.suspended_since} for i in items]
    if fmt == "table":  # people read one status: "active" or "suspended since 2025-06-01"
        for row, item in zip(rows, items, strict=True):
            row["status"] = item.status
        columns = [Column("code", "code"), Column("name", "name"), Column("kind", "kind", "code"),
                   Column("status", "status", "code")]
    else:
        columns = [Column("code", "code"), Column("name", "name"), Column("kind", "kind", "code"),
                   Column("status", "status", "code"),
                   Column("suspended_since", "suspended since", "date")]
    emit(rows, columns, fmt)


@click.command()
@click.option("--pack", "pack_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Also check a folder of statement packs: every file against its manifest "
                   "and the statements archived at the month's close, files no manifest "
                   "lists, and each manifest's chain head against the close's.")
@click.option("--anchor", "anchors", multiple=True, metavar="ENTRY_NO:HASH",
              help="A chain head kept outside the ledger (printed on a closed month's trial "
                   "balance and in its manifest): the chain must still pass through it. "
                   "May be given more than once.")
@format_option("table", "json")
@db_options
def verify(pack_dir: Path | None, anchors: tuple[str, ...], fmt: str) -> None:
    """Re-check the hash chain, that every entry balances, that no fund is
    negative and that no cap is exceeded.

    Exit 0 when all hold, 1 otherwise, naming what failed. With --format json
    the report goes to standard output either way: ok, entries, chain_head,
    problems.

    Example: zkd verify --pack statements/ --anchor 123:5f3c…e9
    """
    e = env()
    checked: list[packs.PackCheck] = []
    parsed = [parse_anchor(a) for a in anchors]
    with e.uow() as uow:
        with TerminalProgress(_("Verifying the ledger")) as bar:
            report = verify_service.verify(uow, progress=bar.at if bar.enabled else None,
                                           two_processes=True)
        for anchor in parsed:
            report.problems.extend(check_anchor(uow, anchor))
        if pack_dir is not None:
            names, read = _pack_reader(pack_dir)
            checked, extra = packs.check_folder(uow, e.actor(), names, read)
            for pack in checked:
                report.problems.extend(pack.problems)
            report.problems.extend(extra)
    if fmt == "json":
        click.echo(json.dumps({"ok": report.ok, "entries": report.entries,
                               "chain_head": report.head_hash, "problems": report.problems,
                               "packs": [p.summary() for p in checked]},
                              ensure_ascii=False, indent=2))
        if not report.ok:
            raise SystemExit(1)
        return
    if report.ok:
        click.echo(_("OK: {entries} entries, chain head {head}").format(
            entries=report.entries, head=report.head_hash))
        for anchor in parsed:
            click.echo(_("anchor: the chain passes through entry #{seq} {hash}").format(
                seq=anchor.seq, hash=anchor.hash))
        for pack in checked:
            click.echo(pack.summary())
        return
    # the problems may lie in the ledger, an anchor or the pack folder: counted, not
    # placed "in" the entries
    checked_what = (ngettext("{entries} entry and the statement packs checked",
                             "{entries} entries and the statement packs checked", report.entries)
                    if pack_dir is not None else
                    ngettext("{entries} entry checked", "{entries} entries checked",
                             report.entries)).format(entries=report.entries)
    click.echo(ngettext("FAILED: {problems} problem found ({checked})",
                        "FAILED: {problems} problems found ({checked})",
                        len(report.problems)).format(problems=len(report.problems),
                                                     checked=checked_what), err=True)
    for problem in report.problems:
        click.echo(f"  {problem}", err=True)
    raise SystemExit(1)


def _pack_reader(folder: Path) -> tuple[list[str], Callable[[str], bytes | None]]:
    """The names of the regular files directly in ``folder``, and a reader of them that
    reads nothing else: no other folder, no link, nothing a name with ``/`` or ``..`` reaches."""
    names = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.is_symlink())
    present = set(names)

    def read(name: str) -> bytes | None:
        if name not in present or not packs.safe_name(name):
            return None
        try:
            return (folder / name).read_bytes()
        except OSError:
            return None

    return names, read


COMMANDS = [init, institution, verify]
