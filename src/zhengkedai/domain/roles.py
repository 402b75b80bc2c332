"""Who may do what (SPEC 10): the five roles, the commands each may run, the tables each may write.

One module holds both halves of the rule, so the CLI's refusal and the
database's grants say the same thing:

- :data:`COMMANDS` maps a command (``"claims approve"``) to the roles that may
  run it and the right it needs, in the words of the refusal (an English message
  id, ``N_("approve claims")``, shown in the reader's language:
  ``ZZB 的经办人员 zzb_li 无权审批补偿 (需要 finance 角色)``). A command that
  is not listed is refused to every person: a new command must be given a place.
- :data:`TABLE_GRANTS` says which tables each role's group role may read and
  write in PostgreSQL; :data:`INSTITUTION_TABLES` are the tables whose rows
  belong to one institution, which a ``bank`` login sees only its own of.
  ``zhengkedai.db.access`` turns these into GRANTs and row-level security.

Pure: no database, no click. The checks take who is acting and what was asked.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from ..i18n import N_, _
from .errors import ZkdError


class Role(enum.StrEnum):
    BANK = "bank"  # 合作机构经办, tied to one institution
    FINANCE = "finance"  # 运营经办
    APPROVER = "approver"  # 审批
    AUDITOR = "auditor"  # 审计
    ADMIN = "admin"  # 管理员


ROLE_TITLES = {  # message ids: 经办人员, 运营经办, 审批人员, 审计人员, 管理员
    Role.BANK: N_("bank clerk"),
    Role.FINANCE: N_("programme clerk"),
    Role.APPROVER: N_("approving officer"),
    Role.AUDITOR: N_("audit officer"),
    Role.ADMIN: N_("administrator"),
}


class AccessDenied(ZkdError):
    """The acting person lacks the right a command needs (exit 1, nothing written)."""


@dataclass(frozen=True)
class Person:
    """A registered person as the checks see them."""

    login: str
    role: Role
    institution: str | None = None
    disabled: bool = False

    def who(self) -> str:
        """``ZZB 的经办人员 zzb_li``, ``运营经办 wang``: how a refusal names them."""
        title = _(ROLE_TITLES[self.role])
        if self.role is Role.BANK:
            return _("{institution}'s {title} {login}").format(
                institution=self.institution, title=title, login=self.login)
        return f"{title} {self.login}"


@dataclass(frozen=True)
class Right:
    roles: frozenset[Role]
    words: str  # "approve claims" (审批补偿): what the refusal says the person may not do


def _r(words: str, *roles: Role) -> Right:
    """A right worded ``words``, a message id marked with ``N_`` (translated in the refusal)."""
    return Right(frozenset(roles), words)


B, F, AP, AU, AD = Role.BANK, Role.FINANCE, Role.APPROVER, Role.AUDITOR, Role.ADMIN
STAFF = (F, AP, AU, AD)  # everyone but a bank reads the programme's books

# Command (its words after ``zkd``) -> the roles that may run it. Commands that
# touch no database (``template``, ``demo``) are not checked and not listed.
COMMANDS: Mapping[str, Right] = {
    "init": _r(N_("initialise or upgrade the ledger"), AD),
    "user add": _r(N_("register people"), AD),
    "user list": _r(N_("see the list of people"), AD, AU),
    "user disable": _r(N_("disable people"), AD),
    "policy load": _r(N_("load policies"), AD),
    "policy activate": _r(N_("activate policies"), AD),
    "policy list": _r(N_("see the policies"), B, *STAFF),
    "policy history": _r(N_("see the policies"), B, *STAFF),
    "policy show": _r(N_("see the policies"), B, *STAFF),
    "institution add": _r(N_("register institutions"), F),
    "institution list": _r(N_("see the institutions"), B, *STAFF),
    "institution update": _r(N_("change institutions' details"), F),
    "settings set": _r(N_("change the settings"), AD, F),
    "settings show": _r(N_("see the settings"), *STAFF),
    "reserve deposit": _r(N_("book reserve deposits"), F),
    "reserve interest": _r(N_("book reserve interest"), F),
    "reserve fee": _r(N_("pay the management fee"), F),
    "reserve transfer": _r(N_("transfer reserve money"), F),
    "reserve status": _r(N_("see the reserve"), *STAFF),
    "budget deposit": _r(N_("book subsidy budget deposits"), F),
    "budget status": _r(N_("see the subsidy budget"), *STAFF),
    "submit": _r(N_("submit files"), B, F),
    "loans list": _r(N_("see the loans"), B, *STAFF),
    "loans show": _r(N_("see the loans"), B, *STAFF),
    "loans withdraw": _r(N_("withdraw loans"), B, F),
    "events list": _r(N_("see post-loan events"), B, *STAFF),
    "events withdraw": _r(N_("withdraw post-loan events"), B, F),
    "journal list": _r(N_("see the journal"), *STAFF),
    "journal show": _r(N_("see the journal"), *STAFF),
    "journal export": _r(N_("export the journal"), *STAFF),
    "claims list": _r(N_("see claims"), B, *STAFF),
    "claims show": _r(N_("see claims"), B, *STAFF),
    "claims approve": _r(N_("approve claims"), F),
    "claims reject": _r(N_("reject claims"), F),
    "claims pay": _r(N_("pay claims"), AP),
    "claims recovery-return": _r(N_("book recovery returns"), AP),
    "claims replay": _r(N_("recompute claims"), *STAFF),
    "claims notice": _r(N_("issue payment notices"), F, AP, AU),
    "subsidies list": _r(N_("see subsidies"), *STAFF),
    "subsidies show": _r(N_("see subsidies"), *STAFF),
    "subsidies approve": _r(N_("approve subsidies"), F),
    "subsidies reject": _r(N_("reject subsidies"), F),
    "subsidies pay": _r(N_("pay subsidies"), AP),
    "subsidies notice": _r(N_("issue payment notices"), F, AP, AU),
    "reverse": _r(N_("reverse journal entries"), AP),
    "close": _r(N_("close months"), F),
    "statement": _r(N_("prepare statements"), B, F, AU),
    "verify": _r(N_("verify the ledger"), *STAFF),
    "signing init": _r(N_("make a signing key"), AD),
    "signing import": _r(N_("import a signing certificate"), AD),
    "signing show": _r(N_("see the signing certificate"), *STAFF),
    "seal": _r(N_("sign the chain head"), F, AD),
}

# Commands whose --institution a bank login may leave out (its own is used) and
# may not set to another institution's code.
SCOPED_TO_OWN = frozenset({"submit", "claims list", "statement", "loans list", "loans show",
                           "loans withdraw", "events list"})


def required(command: str) -> Right | None:
    """The right ``command`` needs, or None for a command not listed."""
    return COMMANDS.get(command)


def _roles_text(roles: frozenset[Role]) -> str:
    """``finance 或 auditor`` (``finance or auditor``): the roles' own names, as ``--role`` takes them."""
    names = [r.value for r in Role if r in roles]
    text = names[0]
    for name in names[1:]:
        text = _("{roles} or {role}").format(roles=text, role=name)
    return text


def check_command(person: Person, command: str, institution: str | None = None) -> None:
    """Refuse ``person`` running ``command`` (with ``--institution institution``) if they may not.

    Raises:
        AccessDenied: one line naming the person and the missing right.
    """
    if person.disabled:
        raise AccessDenied(_("{who} is disabled").format(who=person.who()))
    right = required(command)
    if right is None:
        raise AccessDenied(_("{who} may not run zkd {command} (it is not in the table of rights)"
                             ).format(who=person.who(), command=command))
    if person.role not in right.roles:
        raise AccessDenied(_("{who} may not {right} (needs the {roles} role)").format(
            who=person.who(), right=_(right.words), roles=_roles_text(right.roles)))
    if person.role is Role.BANK and command in SCOPED_TO_OWN:
        own = person.institution
        if institution is not None and institution.upper() != (own or "").upper():
            raise AccessDenied(_("{who} may not {right}: {institution} is not their "
                                 "institution (only {own})").format(
                who=person.who(), right=_(right.words), institution=institution, own=own))
        if command == "statement" and institution is None:
            raise AccessDenied(_("{who} may not prepare the city-wide statements (needs the "
                                 "finance or auditor role; their institution's statement is "
                                 "--institution {own})").format(who=person.who(), own=own))


def check_payer(payer: str, approver: str | None, what: str) -> None:
    """Maker-checker: who approved something may not pay it.

    Raises:
        AccessDenied: ``payer`` is the one who approved ``what`` (e.g. ``补偿 #3``,
            in the reader's language).
    """
    if approver is not None and payer == approver:
        raise AccessDenied(_("{payer} approved {what} and may not pay it (approval and payment "
                             "are made by different people)").format(payer=payer, what=what))


# --- the database's half -----------------------------------------------------

# Tables whose rows belong to one institution: row-level security shows a bank
# login only its own. The value says how a row names its institution: a column,
# or ("via", table, column) for rows that belong to a row of another such table.
INSTITUTION_TABLES: Mapping[str, str | tuple[str, str, str]] = {
    "loans": "institution_code",
    "claims": "institution_code",
    "import_files": "filer",
    "institution_months": "institution_code",
    "statement_archive": "subject",
    "subsidies": "beneficiary",  # an investment institution's own; enterprises' to nobody
    "loan_events": ("via", "loans", "loan_id"),
    "recovery_shares": ("via", "claims", "claim_id"),
}

# Tables no login but the schema owner may UPDATE or DELETE (SPEC 10).
APPEND_ONLY = frozenset({"journal_entries", "journal_lines", "import_files",
                         "statement_archive", "signing_certificates", "signed_heads",
                         "policy_changes"})

_READ_ALL = "*"  # every table of the schema

# role -> privilege -> tables. Reading: ``*`` is every table (the programme's
# staff read all the books; a bank reads the tables listed, its own rows of
# the institution tables, and the journal entries its own people made).
TABLE_GRANTS: Mapping[Role, Mapping[str, frozenset[str]]] = {
    Role.BANK: {
        "SELECT": frozenset({
            "ledger_head", "accounts", "journal_entries", "journal_lines", "months",
            "institutions", "policy_versions", "policy_changes", "people", "record_digests",
            "settings", *INSTITUTION_TABLES}),
        # a loss opens a claim; a recovery lowers it or books the share owed
        "INSERT": frozenset({"import_files", "loans", "loan_events", "claims",
                             "recovery_shares", "journal_entries", "journal_lines",
                             "accounts", "record_digests"}),
        "DELETE": frozenset({"record_digests"}),
        "UPDATE": frozenset({"ledger_head", "loans", "loan_events", "claims", "recovery_shares"}),
    },
    Role.FINANCE: {
        "SELECT": frozenset({_READ_ALL}),
        "INSERT": frozenset({"institutions", "import_files", "subsidies", "journal_entries",
                             "journal_lines", "accounts", "months", "statement_archive",
                             "institution_months", "claims", "recovery_shares", "settings",
                             "record_digests", "signed_heads"}),
        "DELETE": frozenset({"record_digests"}),
        "UPDATE": frozenset({"ledger_head", "institutions", "claims", "subsidies",
                             "institution_months", "recovery_shares", "settings", "loans",
                             "loan_events"}),
    },
    Role.APPROVER: {
        "SELECT": frozenset({_READ_ALL}),
        "INSERT": frozenset({"journal_entries", "journal_lines", "accounts", "record_digests"}),
        "DELETE": frozenset({"record_digests"}),
        "UPDATE": frozenset({"ledger_head", "claims", "subsidies", "recovery_shares"}),
    },
    Role.AUDITOR: {
        "SELECT": frozenset({_READ_ALL}),
    },
    Role.ADMIN: {
        "SELECT": frozenset({_READ_ALL}),
        "INSERT": frozenset({"people", "policy_versions", "policy_changes", "settings",
                             "record_digests", "signing_certificates", "signed_heads"}),
        "DELETE": frozenset({"record_digests"}),
        "UPDATE": frozenset({"people", "policy_versions", "settings"}),
    },
}

# Column-level UPDATE on append-only tables: a file's row count is written once,
# at the end of its import, while it is still 0 (a trigger holds the "once").
UPDATE_COLUMNS: Mapping[Role, Mapping[str, tuple[str, ...]]] = {
    Role.BANK: {"import_files": ("row_count",)},
    Role.FINANCE: {"import_files": ("row_count",)},
}

# Roles that post journal entries, and so take the chain's lock.
WRITERS = frozenset(r for r, g in TABLE_GRANTS.items() if "journal_entries" in g.get("INSERT", ()))


def tables_granted(role: Role, privilege: str, all_tables: frozenset[str]) -> frozenset[str]:
    """The tables among ``all_tables`` that ``role`` gets ``privilege`` on."""
    named = TABLE_GRANTS[role].get(privilege, frozenset())
    tables = all_tables if _READ_ALL in named else named & all_tables
    if privilege in ("UPDATE", "DELETE"):
        tables = tables - APPEND_ONLY
    return frozenset(tables)
