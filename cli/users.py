"""``zkd user``: the people who work the ledger, and their logins on PostgreSQL (SPEC 10)."""

from __future__ import annotations

import sys

import click

from zhengkedai.domain.roles import Role
from zhengkedai.i18n import _
from zhengkedai.services import people

from .common import Column, db_options, emit, env, format_option


@click.group("user")
def user_group() -> None:
    """People, their roles and (on PostgreSQL) their database logins.

    On SQLite, a one-office ledger, these commands only record people (their
    display names go on statements); nothing is enforced there.

    Example: zkd user add zzb_li --role bank --institution ZZB --name 李明 --password-stdin
    """


@user_group.command("add")
@click.argument("login")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]),
              help="What the person may do (see docs/access.md).")
@click.option("--institution", metavar="CODE", help="A bank person's institution.")
@click.option("--name", required=True, metavar="显示名", help="The name printed on statements.")
@click.option("--password-stdin", is_flag=True,
              help="Read the login's password from standard input (PostgreSQL).")
@db_options
def user_add(login: str, role: str, institution: str | None, name: str,
             password_stdin: bool) -> None:
    """Record a person; on PostgreSQL also create their login in the role's group.

    Without --password-stdin the login has no password: it connects by a
    client certificate or whatever pg_hba.conf allows, or gets one later.

    Example: printf '%s' "$PW" | zkd user add zzb_li --role bank --institution ZZB --name 李明 --password-stdin
    """
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.UsageError(_("--password-stdin: standard input gave no password"))
    e = env()
    with e.uow() as uow:
        person = people.add(uow, e.actor(), login, role, name, institution, password)
        uow.commit()
        postgres = uow.engine.dialect.name == "postgresql"
    where = _(" of {institution}").format(institution=person.institution) \
        if person.institution else ""
    how = _("login created") if postgres else _("recorded (SQLite: no login, nothing enforced)")
    click.echo(_("Added {login} ({name}), {role}{where}: {how}.").format(
        login=person.login, name=person.name, role=person.role, where=where, how=how))


LIST_COLUMNS = [Column("login", "login"), Column("name", "name"), Column("role", "role"),
                Column("institution", "institution"), Column("status", "status"),
                Column("created_at", "created (UTC)"), Column("created_by", "by")]


@user_group.command("list")
@format_option("table", "json", "csv")
@db_options
def user_list(fmt: str) -> None:
    """Everyone recorded, with role, institution and whether they are disabled.

    Example: zkd user list --format csv
    """
    e = env()
    with e.uow() as uow:
        rows = [p.as_row() for p in people.list_all(uow)]
    emit(rows, LIST_COLUMNS, fmt)


@user_group.command("disable")
@click.argument("login")
@db_options
def user_disable(login: str) -> None:
    """Mark a person disabled; on PostgreSQL their login is set NOLOGIN and leaves its group.

    What they did stays signed with their login.

    Example: zkd user disable zzb_li
    """
    e = env()
    with e.uow() as uow:
        person = people.disable(uow, e.actor(), login)
        uow.commit()
    click.echo(_("Disabled {login} ({name}).").format(login=person.login, name=person.name))


COMMANDS = [user_group]
