"""Policies: ``zkd policy list|history|show|activate|load``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from zhengkedai.context import local_time
from zhengkedai.i18n import _
from zhengkedai.services import policies

from .common import DATE, Column, db_options, emit, env, format_option


@click.group("policy")
def policy_group() -> None:
    """The compensation policies stored in the database, and which one is active.

    Example: zkd policy show --on 2025-06-01
    """


@policy_group.command("list")
@format_option("table", "json", "csv")
@db_options
def policy_list(fmt: str) -> None:
    """Every stored policy content: name, source file, SHA-256, whether it is active,
    who loaded it and who last activated it, and when.

    Example: zkd policy list --format json
    """
    e = env()
    with e.uow() as uow:
        activated = policies.last_activations(uow)
        rows = [{"id": r.id, "name": r.name, "active": r.active,
                 "source_file": r.source_file, "sha256": r.sha256,
                 "loaded_at": local_time(r.loaded_at).isoformat(timespec="seconds"),
                 "loaded_by": r.loaded_by,
                 "activated_at": (local_time(activated[r.id].changed_at).isoformat(timespec="seconds")
                                  if r.id in activated else None),
                 "activated_by": activated[r.id].changed_by if r.id in activated else None}
                for r in policies.list_stored(uow)]
    emit(rows, [Column("id", "id", "int"), Column("name", "name"), Column("active", "active", "bool"),
                Column("source_file", "source file"), Column("sha256", "sha256"),
                Column("loaded_at", "loaded at"), Column("loaded_by", "loaded by"),
                Column("activated_at", "activated at"), Column("activated_by", "activated by")],
         fmt)


@policy_group.command("history")
@format_option("table", "json", "csv")
@db_options
def policy_history(fmt: str) -> None:
    """Every policy change, oldest first: each policy stored (load) or made active
    (activate), by whom, when, with which command, and what was active before.

    Example: zkd policy history --format csv
    """
    e = env()
    with e.uow() as uow:
        rows = [{"id": c.id, "changed_at": local_time(c.changed_at).isoformat(timespec="seconds"),
                 "changed_by": c.changed_by, "action": c.action, "policy_id": c.policy_id,
                 "name": c.name, "sha256": c.sha256, "previous_id": c.previous_id,
                 "command": c.command} for c in policies.changes(uow)]
    emit(rows, [Column("id", "id", "int"), Column("changed_at", "when"),
                Column("changed_by", "by"), Column("action", "action"),
                Column("name", "policy"), Column("policy_id", "stored #", "int"),
                Column("previous_id", "active before #", "int"), Column("command", "command"),
                Column("sha256", "sha256")], fmt)


@policy_group.command("show")
@click.argument("name", required=False)
@click.option("--on", type=DATE, help="The version in force on this date, e.g. a loan's "
              "disbursement date (default: today).")
@format_option("table", "json", "csv")
@db_options
def policy_show(name: str | None, on: dt.date | None, fmt: str) -> None:
    """The rules in force: each claim rule and parameter, its value and source clause.

    NAME defaults to the active policy. Parameters that no public text fixes
    are marked as programme choices.

    Example: zkd policy show henan-2025 --on 2025-06-01
    """
    e = env()
    day = on or e.actor().today()
    with e.uow() as uow:
        stored = policies.by_name(uow, name) if name else policies.active(uow)
        version = stored.policy.version_on(day)
        lines = policies.describe(version)
    rows = [{"section": r.section, "name": r.name, "value": r.value, "source": r.source,
             "programme_choice": (_("programme choice") if fmt == "table" else "programme choice")
             if r.programme_choice else ""}
            for r in lines]
    cols = [Column("section", "section"), Column("name", "rule / parameter"),
            Column("value", "value"), Column("programme_choice", "choice"),
            Column("source", "source clause")]
    head = {"policy": stored.policy.name, "stored_id": stored.row_id, "on": day.isoformat(),
            "version_policy": version.policy_name, "version": version.version,
            "effective_from": version.effective_from.isoformat(), "title": version.title}
    if fmt == "json":
        emit(rows, cols, fmt, extra=head)
        return
    if fmt == "table":
        click.echo(_("Policy {name} (stored #{id}) on {day}: version {version}, in force "
                     "from {start} — {title}").format(
            name=stored.policy.name, id=stored.row_id, day=day,
            version=f"{version.policy_name}/{version.version}", start=version.effective_from,
            title=version.title))
    emit(rows, cols, fmt)


@policy_group.command("activate")
@click.argument("name")
@db_options
def policy_activate(name: str) -> None:
    """Make a stored policy the active one: claims opened from now on are computed by it.

    Loans keep the rules in force on their disbursement date (新老划断) as far
    as the policy's predecessors reach. The change is recorded with who made it
    and when (`zkd policy history`).

    Example: zkd policy activate henan-2025
    """
    e = env()
    with e.uow() as uow:
        before = next((r.id for r in policies.list_stored(uow) if r.active), None)
        stored = policies.activate(uow, e.actor(), name)
        uow.commit()
    if before == stored.row_id:
        click.echo(_("Policy {name} (stored #{id}) is already active; nothing changed.").format(
            name=stored.policy.name, id=stored.row_id))
        return
    click.echo(_("Active policy: {name} (stored #{id}).").format(name=stored.policy.name,
                                                                id=stored.row_id))


@policy_group.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_options
def policy_load(file: Path) -> None:
    """Store a policy file in the database (checked first; storing it twice changes nothing).

    It does not become active: use `zkd policy activate NAME`. The loading is
    recorded with who did it and when (`zkd policy history`).

    Example: zkd policy load my-policy.toml
    """
    e = env()
    with e.uow() as uow:
        row, new = policies.store(uow, e.actor(), file.read_text(encoding="utf-8"), file.name)
        uow.commit()
    if new:
        click.echo(_("Stored policy {name} from {file} as #{id}.").format(
            name=row.name, file=file.name, id=row.id))
    else:
        click.echo(_("Policy {name} from {file} is already stored as #{id}; "
                     "nothing changed.").format(name=row.name, file=file.name, id=row.id))


COMMANDS = [policy_group]
