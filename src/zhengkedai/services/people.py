"""People who work the ledger (SPEC 10): adding, listing, disabling, and their display names.

On PostgreSQL a person is a database login, a member of their role's group
role (see :mod:`zhengkedai.db.access`), and a row of ``people``; both are
made in one transaction. On SQLite, a one-office ledger with no logins, the
row is a record only: it gives statements their display names, and nothing
is enforced.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, text

from zhengkedai.context import Actor
from zhengkedai.db import access
from zhengkedai.db.models import InstitutionRow, PersonRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import NotFound, ZkdError
from zhengkedai.domain.roles import Role
from zhengkedai.domain.statement import StatementDoc
from zhengkedai.i18n import _


@dataclass(frozen=True)
class Person:
    login: str
    name: str
    role: str
    institution: str | None
    disabled: bool
    created_at: dt.datetime
    created_by: str

    def as_row(self) -> dict[str, object]:
        return {"login": self.login, "name": self.name, "role": self.role,
                "institution": self.institution or "",
                "status": "disabled" if self.disabled else "active",
                "created_at": self.created_at.isoformat(sep=" ", timespec="seconds"),
                "created_by": self.created_by}


def _person(row: PersonRow) -> Person:
    return Person(row.login, row.display_name, row.role, row.institution_code, row.disabled,
                  row.created_at, row.created_by)


def _is_postgres(uow: UnitOfWork) -> bool:
    return uow.engine.dialect.name == "postgresql"


def add(uow: UnitOfWork, actor: Actor, login: str, role: str, name: str,
        institution: str | None = None, password: str | None = None) -> Person:
    """Record a person; on PostgreSQL also create (or enrol) their login in the role's group.

    Raises:
        ZkdError: a bad login or name; a bank person without an institution
            (or staff with one); a login already recorded; on PostgreSQL, a
            login that exists and is a superuser.
    """
    login = login.strip()
    if not access.LOGIN_RE.fullmatch(login):
        raise ZkdError(_("login {login!r}: 1-63 lower-case letters, digits or '_', not starting "
                         "with a digit (as PostgreSQL and ~/.pgpass take it)").format(login=login))
    the_role = Role(role)
    name = name.strip()
    if not name:
        raise ZkdError(_("a person needs a display name (--name NAME)"))
    if len(name) > 100:
        raise ZkdError(_("display name of {count} characters; at most 100").format(
            count=len(name)))
    if the_role is Role.BANK:
        if not institution:
            raise ZkdError(_("a bank person works for one institution: give --institution CODE"))
        inst = uow.s.get(InstitutionRow, institution.strip().upper())
        if inst is None:
            raise NotFound(_("no institution {code!r}; register it with `zkd institution add`"
                             ).format(code=institution))
        institution = inst.code
    elif institution:
        raise ZkdError(_("only a bank person has an institution; {role} staff work for the "
                         "programme (leave out --institution)").format(role=the_role.value))
    if uow.s.get(PersonRow, login) is not None:
        raise ZkdError(_("{login} is already recorded; see `zkd user list`").format(login=login))
    row = PersonRow(login=login, role=the_role.value, institution_code=institution or None,
                    display_name=name, disabled=False, created_at=actor.now(),
                    created_by=actor.operator)
    uow.s.add(row)
    uow.s.flush()
    if _is_postgres(uow):
        _create_login(uow, login, the_role, password)
    return _person(row)


def _create_login(uow: UnitOfWork, login: str, role: Role, password: str | None) -> None:
    conn = uow.s.connection()
    q = access.quote_ident
    found = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :n"),
                         {"n": login}).scalar_one_or_none()
    if found:
        raise ZkdError(_("{login} is a superuser login; a person works with an ordinary login"
                         ).format(login=login))
    attributes = "LOGIN" + (" CREATEROLE" if role is Role.ADMIN else "")
    if password is not None:
        attributes += f" PASSWORD {access.quote_literal(password)}"
    if found is None:
        conn.execute(text(f"CREATE ROLE {q(login)} {attributes}"))
    else:  # a login of the cluster already (another ledger's): enrol it here
        conn.execute(text(f"ALTER ROLE {q(login)} {attributes}"))
    group = access.group_role(access.database_name(conn), role)
    conn.execute(text(f"GRANT {q(group)} TO {q(login)}"))


def list_all(uow: UnitOfWork) -> list[Person]:
    rows = uow.s.execute(select(PersonRow).order_by(PersonRow.login)).scalars()
    return [_person(r) for r in rows]


def disable(uow: UnitOfWork, actor: Actor, login: str) -> Person:
    """Mark a person disabled; on PostgreSQL their login can no longer connect or act here."""
    row = uow.s.get(PersonRow, login)
    if row is None:
        raise NotFound(_("no person {login!r}; see `zkd user list`").format(login=login))
    if row.disabled:
        raise ZkdError(_("{login} was disabled on {on} by {by}").format(
            login=login, on=f"{row.disabled_at:%Y-%m-%d}", by=row.disabled_by))
    if login == actor.operator:
        raise ZkdError(_("a person cannot disable their own login"))
    row.disabled, row.disabled_at, row.disabled_by = True, actor.now(), actor.operator
    uow.s.flush()
    if _is_postgres(uow):
        conn = uow.s.connection()
        q = access.quote_ident
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"),
                        {"n": login}).scalar() is not None:
            group = access.group_role(access.database_name(conn), Role(row.role))
            conn.execute(text(f"ALTER ROLE {q(login)} NOLOGIN"))
            conn.execute(text(f"REVOKE {q(group)} FROM {q(login)}"))
    return _person(row)


def display_names(uow: UnitOfWork, logins: Iterable[str]) -> dict[str, str]:
    """Each login's display name; a login with no person keeps its own name."""
    wanted = {x for x in logins if x}
    names = {x: x for x in wanted}
    if wanted:
        for login, name in uow.s.execute(select(PersonRow.login, PersonRow.display_name)
                                         .where(PersonRow.login.in_(wanted))):
            names[login] = name
    return names


PREPARER = "编制"


def prepared_by(uow: UnitOfWork, actor: Actor, docs: list[StatementDoc]) -> list[StatementDoc]:
    """The statements with their 编制 line naming who computed them (by display name).

    A closed month's statements are computed by its close, so they name the
    one who closed it, the same whoever prints them later.
    """
    name = display_names(uow, [actor.operator])[actor.operator]
    return [dataclasses.replace(d, signatures=tuple(
        f"{s}：{name}" if s == PREPARER else s for s in d.signatures)) for d in docs]
