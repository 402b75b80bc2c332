"""SPEC 10 in PostgreSQL itself: group roles, grants, row-level security, who is connected.

:func:`apply` is run after every upgrade to head (``zkd init``); it is
idempotent and follows ``zhengkedai.domain.roles``:

- one NOLOGIN **group role** per role and per database, named
  :func:`group_role` (``zkd_<database>_bank`` …): roles are cluster-wide,
  so two ledgers on one cluster (or the test suite's database per run)
  never share a group role, and so never share rights;
- **GRANTs** per :data:`~zhengkedai.domain.roles.TABLE_GRANTS`, revoked and
  granted afresh each time; nobody but the tables' owner gets UPDATE or
  DELETE on the append-only tables (journal, accepted files, archived statements);
- **row-level security** on every table of
  :data:`~zhengkedai.domain.roles.INSTITUTION_TABLES`, on the journal and on
  ``people``: a ``bank`` login sees its own institution's rows (and the
  entries its institution's people made), every other person sees all. The
  login's institution is read from ``people`` for ``session_user`` by a
  SECURITY DEFINER function, so ``SET ROLE`` changes nothing;
- **triggers**: a payment (a claim's or subsidy's status becoming ``paid``)
  by the login that approved it, or by a login outside the approver role, is
  refused; ``decided_by`` and every operator column written must be the
  login itself; a file's row count is written once, while it is 0 (its import).

The schema owner (who ran ``zkd init``; any superuser) is outside all of this:
PostgreSQL lets the owner bypass row-level security and disable any trigger,
so pretending otherwise would promise nothing. People do their work with
their own logins (``zkd user add``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import Connection, text

from ..domain import roles
from ..domain.errors import ZkdError
from ..domain.roles import Person, Role
from ..i18n import _

MAX_IDENT = 63  # PostgreSQL truncates longer names
LOGIN_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}")

# Columns that record who did something: on insert they must name the login.
OPERATOR_COLUMNS = {
    "journal_entries": "operator",
    "import_files": "operator",
    "months": "closed_by",
    "institutions": "registered_by",
    "policy_versions": "loaded_by",
    "policy_changes": "changed_by",
    "people": "created_by",
}


def group_role(database: str, role: Role | str) -> str:
    """The group role of ``role`` in ``database``: ``zkd_<database>_<role>``.

    A name too long for PostgreSQL keeps the database name's start and adds a
    hash of the whole, so two long names still get two roles.
    """
    role = Role(role)
    name = f"zkd_{database}_{role.value}"
    if len(name) <= MAX_IDENT:
        return name
    digest = hashlib.sha256(database.encode()).hexdigest()[:8]
    room = MAX_IDENT - len(f"zkd__{digest}_{role.value}")
    return f"zkd_{database[:room]}_{digest}_{role.value}"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    if "\x00" in value:
        raise ValueError("a NUL character cannot be sent to PostgreSQL")
    return "'" + value.replace("'", "''") + "'"  # standard_conforming_strings is on


def database_name(conn: Connection) -> str:
    return str(conn.execute(text("SELECT current_database()")).scalar_one())


@dataclass(frozen=True)
class Identity:
    """Who is connected: the login, whether it owns the schema, the person it is."""

    login: str
    owner: bool
    person: Person | None


def whoami(conn: Connection) -> Identity:
    """The connected login (``session_user``), its person, and whether it owns the schema."""
    login, owner, has_people = conn.execute(text(
        "SELECT session_user::text, "
        "  r.rolsuper OR pg_has_role(session_user, COALESCE("
        "    (SELECT relowner FROM pg_class WHERE oid = to_regclass('people')), d.datdba),"
        "    'MEMBER'), "
        "  to_regclass('people') IS NOT NULL "
        "FROM pg_roles r, pg_database d "
        "WHERE r.rolname = session_user AND d.datname = current_database()")).one()
    person = None
    if has_people:
        row = conn.execute(text(
            "SELECT role, institution_code, disabled FROM people WHERE login = session_user"
        )).one_or_none()
        if row is not None:
            person = Person(login=login, role=Role(row[0]), institution=row[1],
                            disabled=bool(row[2]))
    return Identity(login=login, owner=bool(owner), person=person)


def sees_whole_journal(conn: Connection) -> bool:
    """Whether this login reads every journal entry (row security does not apply to it)."""
    if conn.dialect.name != "postgresql":
        return True
    return not conn.execute(text("SELECT row_security_active('journal_entries')")).scalar()


# --- applying the rules -------------------------------------------------------

def _tables(conn: Connection) -> frozenset[str]:
    return frozenset(conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars())


def ensure_group_roles(conn: Connection, database: str) -> dict[Role, str]:
    """Create the database's group roles that do not exist yet; refuse a name taken by a login."""
    out = {}
    for role in Role:
        name = group_role(database, role)
        found = conn.execute(text(
            "SELECT rolcanlogin OR rolsuper FROM pg_roles WHERE rolname = :n"), {"n": name}
        ).scalar_one_or_none()
        if found is None:
            conn.execute(text(f"CREATE ROLE {quote_ident(name)} NOLOGIN"))
        elif found:
            raise ZkdError(_("the role {name} exists and can log in; zkd's group roles "
                             "must be NOLOGIN roles of their own").format(name=name))
        out[role] = name
    return out


def apply(conn: Connection) -> None:
    """Bring the database's roles, grants, policies and triggers in line with SPEC 10."""
    if conn.dialect.name != "postgresql":
        return
    database = database_name(conn)
    groups = ensure_group_roles(conn, database)
    tables = _tables(conn)
    q = quote_ident
    conn.execute(text(f"GRANT CONNECT ON DATABASE {q(database)} TO "
                      + ", ".join(q(g) for g in groups.values())))
    conn.execute(text("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC"))
    for role, group in groups.items():
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {q(group)}"))
        conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {q(group)}"))
        conn.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {q(group)}"))
        for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            granted = roles.tables_granted(role, privilege, tables)
            if granted:
                conn.execute(text(f"GRANT {privilege} ON "
                                  + ", ".join(q(t) for t in sorted(granted))
                                  + f" TO {q(group)}"))
        for table, columns in roles.UPDATE_COLUMNS.get(role, {}).items():
            if table in tables:
                conn.execute(text(f"GRANT UPDATE ({', '.join(q(c) for c in columns)}) "
                                  f"ON {q(table)} TO {q(group)}"))
        if roles.TABLE_GRANTS[role].get("INSERT"):
            conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public "
                              f"TO {q(group)}"))
    # An admin login (CREATEROLE) makes people members of a group. From PostgreSQL
    # 16 that takes ADMIN OPTION on the group, which can be had there without the
    # group's rights; on 15 ADMIN OPTION would make the admin a member, and
    # CREATEROLE alone is enough.
    if int(conn.execute(text("SHOW server_version_num")).scalar_one()) >= 160000:
        for role, group in groups.items():
            if role is not Role.ADMIN:
                conn.execute(text(f"GRANT {q(group)} TO {q(groups[Role.ADMIN])} "
                                  "WITH ADMIN OPTION, INHERIT FALSE, SET FALSE"))
    _functions(conn, groups)
    _row_security(conn, tables)
    _triggers(conn, tables)


# What the triggers say when they refuse: English, for whoever reads the server's log;
# zkd reads them back (zhengkedai.db.refusals) and tells its user in their language.
RECORD_OTHER = "zkd: % may not record % as the one who decided % #%"
PAY_OWN = "zkd: % approved % #% and may not pay it (maker-checker)"
PAY_NOT_APPROVER = "zkd: % is not an approver and may not pay % #%"
FILE_CHANGED = "zkd: file #% was accepted with % rows; it cannot be changed"
SIGN_OTHER = "zkd: % may not sign % as %"


def _functions(conn: Connection, groups: dict[Role, str]) -> None:
    definer = "LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp"
    conn.execute(text(f"""
        CREATE OR REPLACE FUNCTION zkd_is_owner() RETURNS boolean {definer} AS $$
          SELECT COALESCE((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false)
              OR pg_has_role(session_user,
                             (SELECT relowner FROM pg_class WHERE oid = 'people'::regclass),
                             'MEMBER')
        $$"""))
    conn.execute(text(f"""
        CREATE OR REPLACE FUNCTION zkd_my_institution() RETURNS text {definer} AS $$
          SELECT institution_code FROM people
          WHERE login = session_user AND role = 'bank' AND NOT disabled
        $$"""))
    conn.execute(text(f"""
        CREATE OR REPLACE FUNCTION zkd_sees_all() RETURNS boolean {definer} AS $$
          SELECT zkd_is_owner() OR EXISTS (
            SELECT 1 FROM people
            WHERE login = session_user AND role <> 'bank' AND NOT disabled)
        $$"""))
    approver = quote_literal(groups[Role.APPROVER])
    conn.execute(text(f"""
        CREATE OR REPLACE FUNCTION zkd_check_payer() RETURNS trigger
        LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
        BEGIN
          IF zkd_is_owner() THEN
            RETURN NEW;
          END IF;
          IF NEW.decided_by IS DISTINCT FROM OLD.decided_by
             AND NEW.decided_by IS DISTINCT FROM session_user::text THEN
            RAISE EXCEPTION '{RECORD_OTHER}',
              session_user, NEW.decided_by, TG_TABLE_NAME, NEW.id
              USING ERRCODE = 'insufficient_privilege';
          END IF;
          IF NEW.status = 'paid' AND OLD.status IS DISTINCT FROM 'paid' THEN
            IF session_user::text IN (OLD.decided_by, NEW.decided_by) THEN
              RAISE EXCEPTION '{PAY_OWN}',
                session_user, TG_TABLE_NAME, NEW.id
                USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF NOT pg_has_role(session_user, {approver}, 'MEMBER') THEN
              RAISE EXCEPTION '{PAY_NOT_APPROVER}',
                session_user, TG_TABLE_NAME, NEW.id
                USING ERRCODE = 'insufficient_privilege';
            END IF;
          END IF;
          RETURN NEW;
        END
        $$"""))
    conn.execute(text(f"""
        CREATE OR REPLACE FUNCTION zkd_check_file_count() RETURNS trigger
        LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
        BEGIN
          IF NOT zkd_is_owner() AND OLD.row_count <> 0 THEN
            RAISE EXCEPTION '{FILE_CHANGED}',
              OLD.id, OLD.row_count USING ERRCODE = 'insufficient_privilege';
          END IF;
          RETURN NEW;
        END
        $$"""))
    conn.execute(text(f"""
        CREATE OR REPLACE FUNCTION zkd_check_operator() RETURNS trigger
        LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
        BEGIN
          IF NOT zkd_is_owner()
             AND (to_jsonb(NEW) ->> TG_ARGV[0]) IS DISTINCT FROM session_user::text THEN
            RAISE EXCEPTION '{SIGN_OTHER}', session_user, TG_TABLE_NAME,
              to_jsonb(NEW) ->> TG_ARGV[0]
              USING ERRCODE = 'insufficient_privilege';
          END IF;
          RETURN NEW;
        END
        $$"""))


def _policy(conn: Connection, table: str, condition: str) -> None:
    q = quote_ident(table)
    conn.execute(text(f"ALTER TABLE {q} ENABLE ROW LEVEL SECURITY"))
    conn.execute(text(f"DROP POLICY IF EXISTS zkd_own ON {q}"))
    conn.execute(text(f"CREATE POLICY zkd_own ON {q} USING (zkd_sees_all() OR {condition}) "
                      f"WITH CHECK (zkd_sees_all() OR {condition})"))


def _row_security(conn: Connection, tables: frozenset[str]) -> None:
    for table, how in roles.INSTITUTION_TABLES.items():
        if table not in tables:
            continue
        if isinstance(how, str):
            _policy(conn, table, f"{quote_ident(how)} = zkd_my_institution()")
        else:
            _via, parent, column = how
            _policy(conn, table, f"EXISTS (SELECT 1 FROM {quote_ident(parent)} p "
                                 f"WHERE p.id = {quote_ident(table)}.{quote_ident(column)})")
    # the journal: a bank sees the entries its own people made (its loss and recovery postings)
    _policy(conn, "journal_entries",
            "operator IN (SELECT login FROM people WHERE institution_code = zkd_my_institution())")
    _policy(conn, "journal_lines",
            "EXISTS (SELECT 1 FROM journal_entries e WHERE e.seq = journal_lines.entry_seq)")
    _policy(conn, "people", "institution_code IS NULL OR institution_code = zkd_my_institution()")


def _triggers(conn: Connection, tables: frozenset[str]) -> None:
    for table in ("claims", "subsidies"):
        if table in tables:
            conn.execute(text(f"DROP TRIGGER IF EXISTS zkd_check_payer ON {table}"))
            conn.execute(text(f"CREATE TRIGGER zkd_check_payer BEFORE UPDATE ON {table} "
                              "FOR EACH ROW EXECUTE FUNCTION zkd_check_payer()"))
    if "import_files" in tables:
        conn.execute(text("DROP TRIGGER IF EXISTS zkd_check_file_count ON import_files"))
        conn.execute(text("CREATE TRIGGER zkd_check_file_count BEFORE UPDATE ON import_files "
                          "FOR EACH ROW EXECUTE FUNCTION zkd_check_file_count()"))
    for table, column in OPERATOR_COLUMNS.items():
        if table in tables:
            conn.execute(text(f"DROP TRIGGER IF EXISTS zkd_check_operator ON {table}"))
            conn.execute(text(f"CREATE TRIGGER zkd_check_operator BEFORE INSERT ON {table} "
                              f"FOR EACH ROW EXECUTE FUNCTION "
                              f"zkd_check_operator({quote_literal(column)})"))


def drop_group_roles(conn: Connection, database: str) -> None:
    """Drop a dropped database's group roles (tests; a ledger taken down for good)."""
    for role in Role:
        conn.execute(text(f"DROP ROLE IF EXISTS {quote_ident(group_role(database, role))}"))
