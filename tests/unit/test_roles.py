"""The rights table (SPEC 10): every command has a place, refusals name the missing right."""

from __future__ import annotations

import click
import pytest

from zhengkedai.db.access import group_role
from zhengkedai.db.models import Base
from zhengkedai.domain import roles
from zhengkedai.domain.roles import AccessDenied, Person, Role
from zhengkedai_cli.main import main

NO_DATABASE = {"template", "demo"}  # commands that open no ledger, so are not checked


@pytest.fixture
def chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    """The refusals below are the SPEC's Chinese words: zkd's default language."""
    monkeypatch.setenv("ZKD_LANG", "zh")


def _commands(group: click.Group, prefix: str = "") -> set[str]:
    out = set()
    for name, command in group.commands.items():
        words = f"{prefix}{name}"
        if isinstance(command, click.Group):
            out |= _commands(command, words + " ")
        else:
            out.add(words)
    return out


def test_every_command_of_the_cli_has_a_place_in_the_rights_table() -> None:
    assert _commands(main) - NO_DATABASE == set(roles.COMMANDS)


def test_every_table_of_the_schema_is_granted_to_someone_who_writes_it_or_only_read() -> None:
    tables = frozenset(Base.metadata.tables)
    written = set().union(*(roles.tables_granted(r, p, tables)
                            for r in Role for p in ("INSERT", "UPDATE")))
    # what nobody writes is the owner's: the chain head is moved by writers,
    # months are closed by finance; policy versions by admins
    assert {"journal_entries", "journal_lines", "loans", "claims", "months", "people",
            "policy_versions", "ledger_head"} <= written
    for role in Role:
        assert not roles.tables_granted(role, "UPDATE", tables) & roles.APPEND_ONLY
    assert set(roles.INSTITUTION_TABLES) <= tables


def test_a_bank_clerk_approving_a_claim_is_refused_in_the_words_of_the_spec(chinese: None) -> None:
    clerk = Person("zzb_li", Role.BANK, "ZZB")
    with pytest.raises(AccessDenied) as err:
        roles.check_command(clerk, "claims approve")
    assert str(err.value) == "ZZB 的经办人员 zzb_li 无权审批补偿 (需要 finance 角色)"


def test_the_same_refusal_is_in_english_with_zkd_lang_en() -> None:
    with pytest.raises(AccessDenied) as err:
        roles.check_command(Person("zzb_li", Role.BANK, "ZZB"), "claims approve")
    assert str(err.value) == "ZZB's bank clerk zzb_li may not approve claims (needs the finance role)"
    with pytest.raises(AccessDenied) as err:
        roles.check_command(Person("sun", Role.AUDITOR), "reverse")
    assert str(err.value) == "audit officer sun may not reverse journal entries (needs the approver role)"


def test_every_right_is_worded_by_an_english_message_with_a_chinese_translation(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A right worded in Chinese in the table would read Chinese in an English session too."""
    from zhengkedai.i18n import _
    monkeypatch.setenv("ZKD_LANG", "zh")
    for command, right in roles.COMMANDS.items():
        assert right.words.isascii(), f"{command}: word the right in English, marked N_()"
        assert _(right.words) != right.words, f"{command}: {right.words!r} has no translation"


def test_a_bank_clerk_may_name_only_its_own_institution(chinese: None) -> None:
    clerk = Person("zzb_li", Role.BANK, "ZZB")
    roles.check_command(clerk, "submit")
    roles.check_command(clerk, "submit", "zzb")
    roles.check_command(clerk, "statement", "ZZB")
    with pytest.raises(AccessDenied, match="ZYB 不是本机构"):
        roles.check_command(clerk, "submit", "ZYB")
    with pytest.raises(AccessDenied, match="无权编制全市报表"):
        roles.check_command(clerk, "statement")


def test_staff_may_read_but_only_their_role_may_act(chinese: None) -> None:
    auditor = Person("sun", Role.AUDITOR)
    roles.check_command(auditor, "verify")
    roles.check_command(auditor, "claims list")
    with pytest.raises(AccessDenied, match=r"审计人员 sun 无权支付补偿 \(需要 approver 角色\)"):
        roles.check_command(auditor, "claims pay")
    with pytest.raises(AccessDenied, match="已停用"):
        roles.check_command(Person("x", Role.FINANCE, disabled=True), "claims approve")
    with pytest.raises(AccessDenied, match="未列入权限表"):
        roles.check_command(Person("x", Role.ADMIN), "something new")


def test_who_approved_may_not_pay(chinese: None) -> None:
    roles.check_payer("zhao", "wang", "补偿 #1")
    roles.check_payer("zhao", None, "补偿 #1")
    with pytest.raises(AccessDenied, match="wang 审批了补偿 #1，不能再支付它"):
        roles.check_payer("wang", "wang", "补偿 #1")


def test_group_roles_are_named_per_database_and_fit_postgresql() -> None:
    assert group_role("zhengkedai", "bank") == "zkd_zhengkedai_bank"
    long_a, long_b = "a" * 60 + "x", "a" * 60 + "y"
    names = {group_role(db, r) for db in (long_a, long_b) for r in Role}
    assert len(names) == 10 and all(len(n) <= 63 for n in names)
