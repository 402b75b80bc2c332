"""Payee accounts on institutions and the issuing body as a setting (SPEC 12)."""

from __future__ import annotations

import json


def test_an_institution_registered_with_its_account_keeps_it_and_update_changes_it(zkd) -> None:  # type: ignore[no-untyped-def]
    assert zkd("init").exit_code == 0
    r = zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank",
            "--account-name", "郑州银行股份有限公司", "--account-no", "6228 4800 1234 5678",
            "--account-bank", "郑州银行营业部")
    assert r.exit_code == 0, r.output
    r = zkd("institution", "update", "ZZB", "--account-no", "6228480099999999")
    assert r.exit_code == 0, r.output
    assert "Payee account: 郑州银行股份有限公司, 6228480099999999, 郑州银行营业部" in r.output
    r = zkd("institution", "update", "ZZB", "--name", "郑州银行股份有限公司")
    assert r.output.startswith("Updated ZZB (郑州银行股份有限公司).")


def test_a_payee_account_without_all_three_parts_is_refused(zkd) -> None:  # type: ignore[no-untyped-def]
    assert zkd("init").exit_code == 0
    r = zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank",
            "--account-no", "6228480012345678")
    assert r.exit_code == 1
    assert "missing: account name, account bank" in r.stderr
    assert "no institution" in zkd("institution", "update", "ZZB", "--name", "x").stderr


def test_an_account_number_with_letters_is_refused(zkd) -> None:  # type: ignore[no-untyped-def]
    assert zkd("init").exit_code == 0
    zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank")
    r = zkd("institution", "update", "ZZB", "--account-name", "郑州银行", "--account-no",
            "62284800I2345678", "--account-bank", "营业部")
    assert r.exit_code == 1 and "must be 6-40 digits" in r.stderr


def test_the_issuer_is_set_once_and_shown_with_who_set_it(zkd, operator) -> None:  # type: ignore[no-untyped-def]
    assert zkd("init").exit_code == 0
    assert json.loads(zkd("settings", "show", "--format", "json").output)[0]["value"] is None
    r = zkd("settings", "set", "issuer", "郑州市科学技术局")
    assert r.exit_code == 0 and "郑州市科学技术局" in r.output
    doc = json.loads(zkd("settings", "show", "--format", "json").output)
    assert (doc[0]["key"], doc[0]["value"], doc[0]["set_by"]) == ("issuer", "郑州市科学技术局",
                                                                 operator)
    assert zkd("settings", "set", "colour", "red").exit_code == 2
