"""Set-up and checking: ``init``, ``institution``, ``verify``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from zhengkedai.services import institutions, packs, setup
from zhengkedai.services import verify as verify_service

from .common import DATE, Column, db_options, emit, env, format_option


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
        click.echo(f"Database {e.shown_url} is up to date (schema {result.revision_after}).")
    else:
        click.echo(f"Database {e.shown_url} migrated from {result.revision_before or 'empty'} "
                   f"to schema {result.revision_after}.")
    for note in result.notes:
        click.echo(note)


@click.group()
def institution() -> None:
    """Partner institutions: banks, guarantors, insurers, investment institutions.

    Example: zkd institution add ZZB --name 郑州银行 --kind bank
    """


@institution.command("add")
@click.argument("code")
@click.option("--name", required=True, help="The institution's full name.")
@click.option("--kind", required=True,
              type=click.Choice(["bank", "guarantor", "insurer", "investor"]))
@db_options
def institution_add(code: str, name: str, kind: str) -> None:
    """Register an institution under a short CODE.

    Example: zkd institution add ZZB --name 郑州银行 --kind bank
    """
    e = env()
    with e.uow() as uow:
        inst = institutions.add(uow, e.actor(), code, name, kind)
        uow.commit()
    click.echo(f"Registered {inst.kind.value} {inst.code} ({inst.name}).")


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
        columns = [Column("code", "code"), Column("name", "name"), Column("kind", "kind"),
                   Column("status", "status")]
    else:
        columns = [Column("code", "code"), Column("name", "name"), Column("kind", "kind"),
                   Column("status", "status"),
                   Column("suspended_since", "suspended since", "date")]
    emit(rows, columns, fmt)


@click.command()
@click.option("--pack", "pack_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Also check a statement pack: every file against its manifest and the "
                   "manifest's chain head against the ledger.")
@format_option("table", "json")
@db_options
def verify(pack_dir: Path | None, fmt: str) -> None:
    """Re-check the hash chain, that every entry balances, that no fund is
    negative and that no cap is exceeded.

    Exit 0 when all hold, 1 otherwise, naming what failed. With --format json
    the report goes to standard output either way: ok, entries, chain_head,
    problems.

    Example: zkd verify --pack statements/
    """
    e = env()
    with e.uow() as uow:
        report = verify_service.verify(uow)
        if pack_dir is not None:
            report.problems.extend(_check_packs(uow, pack_dir))
    if fmt == "json":
        click.echo(json.dumps({"ok": report.ok, "entries": report.entries,
                               "chain_head": report.head_hash, "problems": report.problems},
                              ensure_ascii=False, indent=2))
        if not report.ok:
            raise SystemExit(1)
        return
    if report.ok:
        click.echo(f"OK: {report.entries} entries, chain head {report.head_hash}")
        return
    click.echo(f"FAILED: {len(report.problems)} problem(s) in {report.entries} entries",
               err=True)
    for problem in report.problems:
        click.echo(f"  {problem}", err=True)
    raise SystemExit(1)


def _check_packs(uow, folder: Path) -> list[str]:  # type: ignore[no-untyped-def]
    manifests = sorted(folder.glob("*_manifest.json"))
    if not manifests:
        return [f"{folder}: no *_manifest.json in this folder"]
    problems = []
    root = folder.resolve()
    for manifest in manifests:
        data = manifest.read_bytes()
        try:
            names = [name for name, _ in packs.read_manifest(data)[0]]
        except packs.ManifestUnreadable:
            names = []  # check_pack says why
        files = {n: _pack_file(root, n) for n in names}
        problems += [f"{manifest.name}: {p}" for p in packs.check_pack(uow, data, files)]
    return problems


def _pack_file(root: Path, name: str) -> bytes | None:
    """The bytes of the pack's file ``name``; None when missing or not inside the pack
    (a link pointing out of it, say): nothing outside the pack is read."""
    path = root / name
    try:
        if not path.is_file() or path.resolve().parent != root:
            return None
        return path.read_bytes()
    except OSError:
        return None


COMMANDS = [init, institution, verify]
