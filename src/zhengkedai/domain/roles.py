"""Who may do what (SPEC 10): the five roles, the commands each may run, the tables each may write.

One module holds both halves of the rule, so the CLI's refusal and the
database's grants say the same thing:

- :data:`COMMANDS` maps a command (``"claims approve"``) to the roles that may
  run it and the right it needs, in the words of the refusal
  (``ZZB 的经办人员 zzb_li 无权审批补偿 (需要 finance 角色)``). A command that
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

from .errors import ZkdError


class Role(enum.StrEnum):
    BANK = "bank"  # 合作机构经办, tied to one institution
    FINANCE = "finance"  # 运营经办
    APPROVER = "approver"  # 审批
    AUDITOR = "auditor"  # 审计
    ADMIN = "admin"  # 管理员


ROLE_TITLES = {
    Role.BANK: "经办人员",
    Role.FINANCE: "运营经办",
    Role.APPROVER: "审批人员",
    Role.AUDITOR: "审计人员",
    Role.ADMIN: "管理员",
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
        if self.role is Role.BANK:
            return f"{self.institution} 的{ROLE_TITLES[self.role]} {self.login}"
        return f"{ROLE_TITLES[self.role]} {self.login}"


@dataclass(frozen=True)
class Right:
    roles: frozenset[Role]
    words: str  # 审批补偿: what the refusal says the person may not do


def _r(words: str, *roles: Role) -> Right:
    return Right(frozenset(roles), words)


B, F, AP, AU, AD = Role.BANK, Role.FINANCE, Role.APPROVER, Role.AUDITOR, Role.ADMIN
STAFF = (F, AP, AU, AD)  # everyone but a bank reads the programme's books

# Command (its words after ``zkd``) -> the roles that may run it. Commands that
# touch no database (``template``, ``demo``) are not checked and not listed.
COMMANDS: Mapping[str, Right] = {
    "init": _r("初始化或升级账簿", AD),
    "user add": _r("登记人员", AD),
    "user list": _r("查看人员名单", AD, AU),
    "user disable": _r("停用人员", AD),
    "policy load": _r("载入政策", AD),
    "policy activate": _r("启用政策", AD),
    "policy list": _r("查看政策", B, *STAFF),
    "policy history": _r("查看政策", B, *STAFF),
    "policy show": _r("查看政策", B, *STAFF),
    "institution add": _r("登记合作机构", F),
    "institution list": _r("查看合作机构", B, *STAFF),
    "institution update": _r("变更合作机构信息", F),
    "settings set": _r("变更系统设置", AD, F),
    "settings show": _r("查看系统设置", *STAFF),
    "reserve deposit": _r("记入准备金存款", F),
    "reserve interest": _r("记入准备金利息", F),
    "reserve fee": _r("支付管理费", F),
    "reserve transfer": _r("调拨准备金", F),
    "reserve status": _r("查看准备金", *STAFF),
    "budget deposit": _r("记入补助资金", F),
    "budget status": _r("查看补助资金", *STAFF),
    "submit": _r("报送文件", B, F),
    "loans list": _r("查看贷款", B, *STAFF),
    "loans show": _r("查看贷款", B, *STAFF),
    "loans withdraw": _r("撤回贷款", B, F),
    "events list": _r("查看贷后事件", B, *STAFF),
    "events withdraw": _r("撤回贷后事件", B, F),
    "journal list": _r("查看日记账", *STAFF),
    "journal show": _r("查看日记账", *STAFF),
    "journal export": _r("导出日记账", *STAFF),
    "claims list": _r("查看补偿", B, *STAFF),
    "claims show": _r("查看补偿", B, *STAFF),
    "claims approve": _r("审批补偿", F),
    "claims reject": _r("驳回补偿", F),
    "claims pay": _r("支付补偿", AP),
    "claims recovery-return": _r("记入追偿返还", AP),
    "claims replay": _r("重算补偿", *STAFF),
    "claims notice": _r("出具付款通知书", F, AP, AU),
    "subsidies list": _r("查看补助", *STAFF),
    "subsidies show": _r("查看补助", *STAFF),
    "subsidies approve": _r("审批补助", F),
    "subsidies reject": _r("驳回补助", F),
    "subsidies pay": _r("支付补助", AP),
    "subsidies notice": _r("出具付款通知书", F, AP, AU),
    "reverse": _r("冲销分录", AP),
    "close": _r("结账", F),
    "statement": _r("编制报表", B, F, AU),
    "verify": _r("核验账簿", *STAFF),
    "signing init": _r("生成签名密钥", AD),
    "signing import": _r("导入签名证书", AD),
    "signing show": _r("查看签名证书", *STAFF),
    "seal": _r("签署链头", F, AD),
}

# Commands whose --institution a bank login may leave out (its own is used) and
# may not set to another institution's code.
SCOPED_TO_OWN = frozenset({"submit", "claims list", "statement", "loans list", "loans show",
                           "loans withdraw", "events list"})


def required(command: str) -> Right | None:
    """The right ``command`` needs, or None for a command not listed."""
    return COMMANDS.get(command)


def _roles_text(roles: frozenset[Role]) -> str:
    return " 或 ".join(r.value for r in Role if r in roles)


def check_command(person: Person, command: str, institution: str | None = None) -> None:
    """Refuse ``person`` running ``command`` (with ``--institution institution``) if they may not.

    Raises:
        AccessDenied: one line naming the person and the missing right.
    """
    if person.disabled:
        raise AccessDenied(f"{person.who()} 已停用")
    right = required(command)
    if right is None:
        raise AccessDenied(f"{person.who()} 无权运行 zkd {command} (未列入权限表)")
    if person.role not in right.roles:
        raise AccessDenied(f"{person.who()} 无权{right.words} (需要 {_roles_text(right.roles)} 角色)")
    if person.role is Role.BANK and command in SCOPED_TO_OWN:
        own = person.institution
        if institution is not None and institution.upper() != (own or "").upper():
            raise AccessDenied(f"{person.who()} 无权{right.words}: {institution} 不是本机构 "
                               f"(只能是 {own})")
        if command == "statement" and institution is None:
            raise AccessDenied(f"{person.who()} 无权编制全市报表 (需要 finance 或 auditor 角色; "
                               f"本机构对账单用 --institution {own})")


def check_payer(payer: str, approver: str | None, what: str) -> None:
    """Maker-checker: who approved something may not pay it.

    Raises:
        AccessDenied: ``payer`` is the one who approved ``what`` (e.g. ``补偿 #3``).
    """
    if approver is not None and payer == approver:
        raise AccessDenied(f"{payer} 审批了{what}，不能再支付它 (审批与支付须由不同的人)")


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
