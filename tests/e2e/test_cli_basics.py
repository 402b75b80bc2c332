"""The first commands as finance staff use them: init, institutions, the reserve, verify."""

import json

import pytest
from sqlalchemy import text

from zhengkedai.db.engine import make_engine


def test_init_is_repeatable_and_says_the_schema_is_current(zkd) -> None:
    result = zkd("init")
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output


def test_a_deposit_shows_in_the_status_per_deposit_bank(zkd) -> None:
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    assert zkd("institution", "add", "ZYB", "--name", "中原银行", "--kind", "bank").exit_code == 0
    r = zkd("reserve", "deposit", "--ref", "V-1", "30,000,000", "--source", "city", "--at", "ZZB", "--on", "2025-01-02")
    assert r.exit_code == 0, r.output
    r = zkd("reserve", "deposit", "--ref", "V-2", "¥20,000,000.50", "--source", "district:金水区", "--at", "ZYB",
            "--on", "2025/1/3")
    assert r.exit_code == 0, r.output
    r = zkd("reserve", "status", "--on", "2025-01-31", "--format", "json")
    doc = json.loads(r.output)
    assert doc["balance"] == "50000000.50"
    assert {row["bank"]: row["balance"] for row in doc["rows"]} == {
        "ZYB": "20000000.50", "ZZB": "30000000.00"}
    assert doc["committed"] == "0.00" and doc["available"] == "50000000.50"
    r = zkd("reserve", "status", "--on", "2025-01-02", "--format", "csv")
    lines = r.output.splitlines()
    assert lines[0] == "on,item,bank,amount"
    assert "2025-01-02,balance,ZZB,30000000.00" in lines and "2025-01-02,balance,,30000000.00" in lines
    assert not any(",balance,ZYB," in line for line in lines)  # ZYB's deposit came later
    table = zkd("reserve", "status", "--on", "2025-01-31").output
    assert "50,000,000.50" in table


def test_institution_list_shows_each_as_active(zkd) -> None:
    zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank")
    doc = json.loads(zkd("institution", "list", "--format", "json").output)
    assert doc == [{"code": "ZZB", "name": "郑州银行", "kind": "bank", "status": "active",
                    "suspended_since": None}]


def test_refusals_are_one_line_errors_and_change_nothing(zkd) -> None:
    zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank")
    for args, message in [
        (("reserve", "deposit", "--ref", "V-3", "100", "--source", "city", "--at", "NOPE", "--on", "2025-01-02"),
         "no institution 'NOPE'"),
        (("reserve", "deposit", "--ref", "V-4", "0", "--source", "city", "--at", "ZZB", "--on", "2025-01-02"),
         "greater than 0"),
        (("reserve", "deposit", "--ref", "V-5", "100", "--source", "province", "--at", "ZZB", "--on", "2025-01-02"),
         "must be 'city' or 'district:NAME'"),
        (("institution", "add", "ZZB", "--name", "again", "--kind", "bank"), "already registered"),
        (("institution", "add", "zzb", "--name", "again", "--kind", "bank"),
         "ZZB is already registered; zzb differs from it only in upper and lower case"),
    ]:
        r = zkd(*args)
        assert r.exit_code != 0
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], r.stderr
    assert json.loads(zkd("reserve", "status", "--format", "json").output)["balance"] == "0.00"


def test_a_bad_amount_or_date_on_the_command_line_is_refused(zkd) -> None:
    zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank")
    r = zkd("reserve", "deposit", "--ref", "V-6", "1.2.3", "--source", "city", "--at", "ZZB", "--on", "2025-01-02")
    assert r.exit_code == 2 and "not a number" in r.stderr
    r = zkd("reserve", "deposit", "--ref", "V-7", "1", "--source", "city", "--at", "ZZB", "--on", "2025-02-30")
    assert r.exit_code == 2 and "not a calendar date" in r.stderr
    r = zkd("reserve", "deposit", "--ref", "V-8", "1", "--source", "city", "--at", "ZZB", "--on", "2025.2.3")
    assert r.exit_code == 2 and "not a date like 2025-06-01" in r.stderr  # as in a file (SPEC 2)
    r = zkd("reserve", "deposit", "--ref", "V-9", "1", "--source", "city", "--at", "ZZB", "--on", "2025年2月3日")
    assert r.exit_code == 0, r.stderr


def test_verify_passes_then_fails_after_a_stored_line_is_changed(zkd, db_url) -> None:
    zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank")
    zkd("reserve", "deposit", "--ref", "V-10", "1000", "--source", "city", "--at", "ZZB", "--on", "2025-01-02")
    zkd("reserve", "deposit", "--ref", "V-11", "2000", "--source", "city", "--at", "ZZB", "--on", "2025-01-03")
    ok = zkd("verify")
    assert ok.exit_code == 0 and ok.output.startswith("OK: 2 entries")
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE journal_lines SET amount_fen = amount_fen - 1 "
                          "WHERE entry_seq = 1 AND line_no = 2"))
    engine.dispose()
    bad = zkd("verify")
    assert bad.exit_code == 1
    assert "entry #1" in bad.stderr


def test_an_uninitialised_database_gets_a_clear_message(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from zhengkedai_cli.main import main

    r = CliRunner().invoke(main, ["institution", "list", "--db", f"sqlite:///{tmp_path}/none.db"])
    assert r.exit_code == 1
    assert "create it with `zkd init`" in r.stderr
    assert not (tmp_path / "none.db").exists()  # a read leaves no empty file behind
    empty = tmp_path / "empty.db"
    empty.touch()  # a file that is not a zkd database
    r = CliRunner().invoke(main, ["institution", "list", "--db", f"sqlite:///{empty}"])
    assert r.exit_code == 1 and "run `zkd init` first" in r.stderr


@pytest.mark.parametrize("args, message", [
    (["close", "2025-13"], "'2025-13' is not a month period"),
    (["statement", "abc", "-o", "out"], "'abc' is not a month period"),
    (["--db", "nonsense", "claims", "list"], "zkd works with SQLite"),
    (["--db", "mysql://x/y", "claims", "list"], "zkd works with SQLite"),
    (["reserve", "deposit", "99999999999999999999999", "--source", "city", "--at", "ZZB",
      "--on", "2025-01-02"], "the largest amount zkd takes"),
    (["--operator", "x" * 101, "institution", "list"], "at most 100"),
])
def test_bad_input_to_a_command_is_a_one_line_refusal_not_an_internal_error(
        zkd_frozen, db_url, args, message) -> None:
    if args[0] == "--operator" and not db_url.startswith("sqlite"):
        message = "refused on PostgreSQL"  # there the operator is the login (SPEC 10)
    assert zkd_frozen("init").exit_code == 0
    r = zkd_frozen(*args)
    assert r.exit_code in (1, 2) and "internal error" not in r.stderr
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_a_negative_amount_is_named_as_such_not_as_an_unknown_option(zkd_frozen) -> None:
    assert zkd_frozen("init").exit_code == 0
    r = zkd_frozen("reserve", "deposit", "--ref", "V-12", "-5", "--source", "city", "--at", "ZZB",
                   "--on", "2025-01-02")
    assert r.exit_code == 2 and r.stderr.startswith("Error: -5 is negative; amounts are positive")


def test_verify_reports_as_json_for_other_tools(zkd_frozen, db_url) -> None:
    assert zkd_frozen("init").exit_code == 0
    zkd_frozen("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank")
    zkd_frozen("reserve", "deposit", "--ref", "V-13", "100", "--source", "city", "--at", "ZZB", "--on", "2025-01-02")
    good = zkd_frozen("verify", "--format", "json")
    doc = json.loads(good.output)
    assert good.exit_code == 0 and doc["ok"] is True and doc["entries"] == 1
    assert doc["problems"] == [] and len(doc["chain_head"]) == 64
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE journal_lines SET amount_fen = amount_fen + 1 "
                          "WHERE entry_seq = 1 AND amount_fen > 0"))
    engine.dispose()
    bad = zkd_frozen("verify", "--format", "json")
    doc = json.loads(bad.output)
    assert bad.exit_code == 1 and doc["ok"] is False and doc["problems"]


def test_every_command_takes_db_even_where_it_uses_none(tmp_path) -> None:
    from click.testing import CliRunner

    from zhengkedai_cli.main import main

    url = f"sqlite:///{tmp_path}/unused.db"
    r = CliRunner().invoke(main, ["template", "loans", "-o", str(tmp_path / "t.csv"), "--db", url])
    assert r.exit_code == 0 and (tmp_path / "t.csv").exists()
    assert not (tmp_path / "unused.db").exists()
