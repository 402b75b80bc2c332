"""SPEC 10 on PostgreSQL with real logins: what each role may do works, the rest is refused,
by ``zkd`` and by the database itself when the same login uses SQL directly.

The logins are created by ``zkd user add`` (cluster-wide, so named with this
run's tag) and dropped after each test. Skipped without ZKD_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from tests.conftest import PG_URL, _reset_postgres
from tests.e2e.test_cli_submit import EVENT_HEAD, LOAN_HEAD, loan_line
from zhengkedai.db import access
from zhengkedai_cli.main import main

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs ZKD_TEST_POSTGRES_URL")

PASSWORD = "s3cret'pw"  # a quote, to show the password is quoted, not pasted


@dataclass
class Office:
    owner_url: str
    logins: dict[str, str]  # key -> login
    folder: Path

    def url(self, key: str) -> str:
        return make_url(self.owner_url).set(username=self.logins[key], password=PASSWORD
                                            ).render_as_string(hide_password=False)

    def zkd(self, key: str | None, *args: str, input: str | None = None) -> Result:
        """``zkd ARGS`` as the login of ``key`` (the schema owner for None)."""
        url = self.owner_url if key is None else self.url(key)
        return CliRunner().invoke(main, ["--db", url, *args], input=input,
                                  catch_exceptions=False)

    def sql(self, key: str, statement: str) -> list[tuple[object, ...]]:
        """Run one statement as the login of ``key`` and commit; the rows it returns."""
        engine = create_engine(self.url(key))
        try:
            with engine.begin() as conn:
                result = conn.execute(text(statement))
                return [tuple(r) for r in result] if result.returns_rows else []
        finally:
            engine.dispose()

    def write(self, name: str, lines: list[str]) -> str:
        path = self.folder / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
        return str(path)


PEOPLE = {  # key -> role, institution, display name
    "zzb": ("bank", "ZZB", "李明"),
    "zyb": ("bank", "ZYB", "陈静"),
    "finance": ("finance", None, "王芳"),
    "approver": ("approver", None, "赵强"),
    "auditor": ("auditor", None, "孙丽"),
    "admin": ("admin", None, "钱进"),
}


@pytest.fixture
def office(pg_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[Office]:
    """Two banks and one person of each role, with logins; the reserve holds 10,000,000.00."""
    for name in ("ZKD_OPERATOR", "ZKD_DATABASE_URL", "PGPASSWORD"):
        monkeypatch.delenv(name, raising=False)
    _reset_postgres(pg_database)
    tag = uuid.uuid4().hex[:6]
    o = Office(pg_database, {k: f"{k}_{tag}" for k in PEOPLE}, tmp_path)
    try:
        assert o.zkd(None, "init").exit_code == 0
        for code, name in (("ZZB", "郑州银行"), ("ZYB", "中原银行")):
            assert o.zkd(None, "institution", "add", code, "--name", name,
                         "--kind", "bank").exit_code == 0
        for key, (role, inst, name) in PEOPLE.items():
            args = ["user", "add", o.logins[key], "--role", role, "--name", name,
                    "--password-stdin"] + (["--institution", inst] if inst else [])
            r = o.zkd(None, *args, input=PASSWORD + "\n")
            assert r.exit_code == 0, r.output
        r = o.zkd("finance", "reserve", "deposit", "10,000,000", "--source", "city",
                  "--at", "ZZB", "--on", "2025-01-02", "--ref", "CZ-1")
        assert r.exit_code == 0, r.output
        yield o
    finally:
        engine = create_engine(make_url(pg_database).set(database="postgres"),
                               isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for login in list(o.logins.values()):
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE usename = :u"), {"u": login})
                conn.execute(text(f"DROP ROLE IF EXISTS {access.quote_ident(login)}"))
        engine.dispose()


def one_line(result: Result, *texts: str) -> None:
    assert result.exit_code != 0, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for t in texts:
        assert t in lines[0], lines[0]


def file_loans_and_a_loss(o: Office) -> None:
    """ZZB files L1 and a 1,000,000.00 loss on it (claim 1); ZYB files Y1."""
    r = o.zkd("zzb", "submit", o.write("zzb.csv", [LOAN_HEAD, loan_line("L1", 1)]))
    assert r.exit_code == 0, r.output
    r = o.zkd("zyb", "submit", o.write("zyb.csv", [LOAN_HEAD, loan_line("Y1", 2)]))
    assert r.exit_code == 0, r.output
    r = o.zkd("zzb", "submit", o.write("ev.csv", [EVENT_HEAD, "L1,损失确认,2025-03-02,1000000,"]))
    assert r.exit_code == 0, r.output


def test_each_role_does_its_own_work_and_every_record_names_the_login(office: Office) -> None:
    o = office
    file_loans_and_a_loss(o)
    assert o.zkd("finance", "claims", "approve", "1", "--on", "2025-03-10").exit_code == 0
    r = o.zkd("approver", "claims", "pay", "1", "--on", "2025-03-11")
    assert r.exit_code == 0, r.output
    assert o.zkd("auditor", "verify").exit_code == 0
    assert o.zkd("admin", "user", "list").exit_code == 0
    out = o.folder / "out"
    r = o.zkd("zzb", "statement", "2025-03", "--institution", "ZZB", "--format", "json",
              "-o", str(out))
    assert r.exit_code == 0, r.output
    assert "编制：李明" in "".join(p.read_text("utf-8") for p in out.glob("*.json"))
    r = o.zkd("finance", "statement", "2025-03", "--format", "json", "-o", str(out / "all"))
    journal = "".join(p.read_text("utf-8") for p in (out / "all").glob("*.json"))
    assert "编制：王芳" in journal and "赵强" in journal  # the payment, by display name
    operators = {row[0] for row in o.sql("auditor", "SELECT operator FROM journal_entries")}
    assert operators == {o.logins["finance"], o.logins["approver"]}  # a loss books nothing
    files = o.sql("auditor", "SELECT filer, operator FROM import_files ORDER BY id")
    assert files == [("ZZB", o.logins["zzb"]), ("ZYB", o.logins["zyb"]),
                     ("ZZB", o.logins["zzb"])]


@pytest.mark.parametrize("key, args, words", [
    ("zzb", ["claims", "approve", "1"],
     "ZZB's bank clerk {zzb} may not approve claims (needs the finance role)"),
    ("zzb", ["claims", "pay", "1"], "may not pay claims (needs the approver role)"),
    ("zzb", ["reserve", "status"], "may not see the reserve"),
    ("zzb", ["statement", "2025-03", "-o", "x"], "may not prepare the city-wide statements"),
    ("zzb", ["statement", "2025-03", "--institution", "ZYB", "-o", "x"],
     "ZYB is not their institution"),
    ("zzb", ["claims", "list", "--institution", "ZYB"], "ZYB is not their institution"),
    ("finance", ["claims", "pay", "1"],
     "programme clerk {finance} may not pay claims (needs the approver role)"),
    ("finance", ["user", "add", "x_y", "--role", "bank", "--name", "某"],
     "may not register people"),
    ("approver", ["claims", "approve", "1"], "approving officer {approver} may not approve claims"),
    ("approver", ["close", "2025-03"], "may not close months (needs the finance role)"),
    ("auditor", ["reserve", "deposit", "1", "--source", "city", "--at", "ZZB", "--on",
                 "2025-01-03", "--ref", "X"], "audit officer {auditor} may not book reserve deposits"),
    ("auditor", ["reverse", "1", "--reason", "x"],
     "may not reverse journal entries (needs the approver role)"),
    ("admin", ["claims", "approve", "1"], "administrator {admin} may not approve claims"),
])
def test_what_a_role_may_not_do_is_refused_naming_the_missing_right(
        office: Office, key: str, args: list[str], words: str) -> None:
    file_loans_and_a_loss(office)
    one_line(office.zkd(key, *args), words.format(**office.logins))
    status = office.sql("auditor", "SELECT status FROM claims WHERE id = 1")
    assert status == [("submitted",)]


def test_a_refused_right_is_worded_in_chinese_by_default(
        office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    file_loans_and_a_loss(office)
    for name in ("ZKD_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    r = office.zkd("zzb", "claims", "approve", "1")
    assert r.exit_code == 1
    assert r.stderr.strip() == \
        f"错误：ZZB 的经办人员 {office.logins['zzb']} 无权审批补偿 (需要 finance 角色)"


def test_a_bank_files_for_its_own_institution_and_sees_only_its_own_claims(office: Office) -> None:
    o = office
    file_loans_and_a_loss(o)
    r = o.zkd("zyb", "claims", "list", "--format", "csv")
    assert r.exit_code == 0 and r.output.strip().splitlines()[1:] == []
    one_line(o.zkd("zyb", "claims", "show", "1"), "1")
    r = o.zkd("zzb", "claims", "list", "--format", "csv")
    assert len(r.output.strip().splitlines()) == 2 and ",ZZB," in r.output
    # ZYB cannot file events on ZZB's loan: to it, there is no such loan
    r = o.zkd("zyb", "submit", o.write("x.csv", [EVENT_HEAD, "L1,还款,2025-03-05,1,"]))
    assert r.exit_code != 0 and "no loan L1" in r.stderr


def test_a_bank_login_reading_tables_with_sql_sees_only_its_own_rows(office: Office) -> None:
    o = office
    file_loans_and_a_loss(o)
    counts = ("SELECT (SELECT count(*) FROM loans), (SELECT count(*) FROM loan_events), "
              "(SELECT count(*) FROM claims), (SELECT count(*) FROM import_files)")
    assert o.sql("auditor", counts) == [(2, 1, 1, 3)]
    assert o.sql("zzb", counts) == [(1, 1, 1, 2)]
    assert o.sql("zyb", counts) == [(1, 0, 0, 1)]
    assert o.sql("zyb", "SELECT loan_no FROM loans") == [("Y1",)]
    # the journal: ZYB sees none of the entries others made, the deposit included
    assert o.sql("zyb", "SELECT count(*) FROM journal_entries") == [(0,)]
    assert o.sql("zyb", "SELECT count(*) FROM journal_lines") == [(0,)]
    assert o.sql("zyb", "SELECT count(*) FROM subsidies") == [(0,)]
    # nor can it write a row for another institution
    with pytest.raises(DBAPIError, match="row-level security"):
        o.sql("zyb", "UPDATE loans SET district = 'x' WHERE true; "
                     "INSERT INTO import_files (filer, kind, filename, sha256, encoding, "
                     "row_count, accepted_at, operator) VALUES ('ZZB', 'loans', 'f', 'x', "
                     f"'utf-8', 1, now(), '{o.logins['zyb']}')")


@pytest.mark.parametrize("key", list(PEOPLE))
def test_no_login_may_change_the_journal_accepted_files_or_archived_statements(
        office: Office, key: str) -> None:
    o = office
    file_loans_and_a_loss(o)
    assert o.zkd("finance", "close", "2025-01").exit_code == 0
    for statement in ("UPDATE journal_entries SET memo = 'x'",
                      "DELETE FROM journal_entries",
                      "UPDATE journal_lines SET amount_fen = 0",
                      "DELETE FROM journal_lines",
                      "UPDATE import_files SET filename = 'x'",
                      "UPDATE import_files SET row_count = 99",
                      "DELETE FROM import_files",
                      "UPDATE statement_archive SET content = 'x'",
                      "DELETE FROM statement_archive"):
        with pytest.raises(DBAPIError, match="permission denied|cannot be changed"):
            o.sql(key, statement)
    assert o.zkd("auditor", "verify").exit_code == 0


def test_the_database_refuses_a_payment_by_the_login_that_approved_it(office: Office) -> None:
    o = office
    file_loans_and_a_loss(o)
    assert o.zkd("finance", "claims", "approve", "1", "--on", "2025-03-10").exit_code == 0
    approver = o.logins["approver"]
    with pytest.raises(DBAPIError, match="may not pay it"):  # finance approved it
        o.sql("finance", "UPDATE claims SET status = 'paid' WHERE id = 1")
    with pytest.raises(DBAPIError, match="may not record"):  # nor sign as someone else
        o.sql("finance", f"UPDATE claims SET decided_by = '{approver}' WHERE id = 1")
    with pytest.raises(DBAPIError, match="may not pay it"):  # the approver takes it over
        o.sql("approver", f"UPDATE claims SET decided_by = '{approver}', status = 'paid' "
                          "WHERE id = 1")
    with pytest.raises(DBAPIError, match="may not sign"):  # an entry signed by another
        o.sql("approver", "INSERT INTO journal_entries (seq, entry_date, kind, memo, "
                          "idempotency_key, source_ref, operator, created_at, prev_hash, hash) "
                          "VALUES (99, '2025-03-11', 'x', 'x', 'x', 'x', 'someone', now(), "
                          "'x', 'x')")
    assert o.sql("auditor", "SELECT status FROM claims") == [("approved",)]


def test_operator_is_refused_and_a_login_that_is_no_person_cannot_act(office: Office) -> None:
    o = office
    one_line(o.zkd("finance", "--operator", "someone", "institution", "list"),
             "refused on PostgreSQL", o.logins["finance"])
    stranger = f"stranger_{uuid.uuid4().hex[:6]}"
    q = access.quote_ident
    engine = create_engine(o.owner_url)
    with engine.begin() as conn:  # a login of the cluster, made a bank group member by hand
        conn.execute(text(f"CREATE ROLE {q(stranger)} LOGIN PASSWORD "
                          f"{access.quote_literal(PASSWORD)}"))
        group = access.group_role(access.database_name(conn), "bank")
        conn.execute(text(f"GRANT {q(group)} TO {q(stranger)}"))
    try:
        o.logins["stranger"] = stranger
        one_line(o.zkd("stranger", "claims", "list"), f"login {stranger} is not a person recorded in this ledger")
        file_loans_and_a_loss(o)
        assert o.sql("stranger", "SELECT count(*) FROM loans") == [(0,)]
    finally:
        del o.logins["stranger"]
        with engine.begin() as conn:
            conn.execute(text(f"DROP ROLE {q(stranger)}"))
        engine.dispose()


def test_a_disabled_person_can_no_longer_connect(office: Office) -> None:
    o = office
    r = o.zkd("admin", "user", "disable", o.logins["zyb"])
    assert r.exit_code == 0, r.output
    one_line(o.zkd("zyb", "claims", "list"), "not permitted to log in")
    r = o.zkd("auditor", "user", "list", "--format", "csv")
    assert f"{o.logins['zyb']},陈静,bank,ZYB,disabled" in r.output


def test_a_bank_files_a_recovery_after_payment_and_the_approver_books_its_return(
        office: Office) -> None:
    o = office
    file_loans_and_a_loss(o)
    assert o.zkd("finance", "claims", "approve", "1", "--on", "2025-03-10").exit_code == 0
    assert o.zkd("approver", "claims", "pay", "1", "--on", "2025-03-11").exit_code == 0
    r = o.zkd("zzb", "submit", o.write("rec.csv", [EVENT_HEAD, "L1,追偿回收,2025-04-01,50000,"]))
    assert r.exit_code == 0, r.output
    one_line(o.zkd("finance", "claims", "recovery-return", "1", "--on", "2025-04-02"),
             "may not book recovery returns (needs the approver role)")
    r = o.zkd("approver", "claims", "recovery-return", "1", "--on", "2025-04-02")
    assert r.exit_code == 0, r.output
    assert o.zkd("auditor", "verify").exit_code == 0
    # the bank sees the share its own clerk's filing booked, and nothing of the payment
    kinds = o.sql("zzb", "SELECT operator FROM journal_entries")
    assert kinds and {k for (k,) in kinds} == {o.logins["zzb"]}


def test_two_approvers_paying_at_once_under_their_own_logins_cannot_overdraw_the_reserve(
        office: Office) -> None:
    import datetime as dt
    import threading

    from zhengkedai.context import Actor
    from zhengkedai.db.engine import make_engine
    from zhengkedai.db.uow import UnitOfWork
    from zhengkedai.domain.errors import InsufficientFunds
    from zhengkedai.services.claims import workflow as claims_workflow

    o = office
    second = f"approver2_{uuid.uuid4().hex[:6]}"
    o.logins["approver2"] = second
    r = o.zkd(None, "user", "add", second, "--role", "approver", "--name", "周二",
              "--password-stdin", input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    # two claims of 5,000,000.00 (the per-loan cap), once the reserve is down to 9,000,000.00
    r = o.zkd("zzb", "submit", o.write("l.csv", [LOAN_HEAD, loan_line("L1", 1, "10,000,000"),
                                                 loan_line("L2", 2, "10,000,000"),
                                                 loan_line("L3", 3, "10,000,000")]))
    assert r.exit_code == 0, r.output
    r = o.zkd("zzb", "submit", o.write("e.csv", [EVENT_HEAD, "L1,损失确认,2025-03-02,7000000,",
                                                 "L2,损失确认,2025-03-02,7000000,",
                                                 "L3,损失确认,2025-03-02,1250000,"]))
    assert r.exit_code == 0, r.output
    for claim in ("1", "2", "3"):
        assert o.zkd("finance", "claims", "approve", claim, "--on", "2025-03-10").exit_code == 0
    assert o.zkd("approver", "claims", "pay", "3", "--on", "2025-03-11").exit_code == 0
    barrier, outcomes = threading.Barrier(2), {}

    def pay(key: str, claim_id: int) -> None:
        engine = make_engine(o.url(key))
        try:
            barrier.wait()
            with UnitOfWork(engine) as uow:
                claims_workflow.pay(uow, Actor(operator=o.logins[key], separate_duties=True),
                                    claim_id, dt.date(2025, 3, 11))
                uow.commit()
            outcomes[key] = "paid"
        except InsufficientFunds:
            outcomes[key] = "refused"
        except Exception as exc:  # noqa: BLE001
            outcomes[key] = f"error: {exc!r}"
        finally:
            engine.dispose()

    threads = [threading.Thread(target=pay, args=(k, n))
               for k, n in (("approver", 1), ("approver2", 2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes.values()) == ["paid", "refused"], outcomes
    assert o.zkd("auditor", "verify").exit_code == 0


@pytest.mark.parametrize("key, words", [
    ("finance", "错误：数据库拒绝了该操作：{finance} 审批了补偿申请 #1，不能再支付它 "
                "(审批与支付须由不同的人)"),
    # an auditor's login writes nothing: the grants refuse it before any trigger
    ("auditor", "错误：数据库拒绝了该操作：当前登录名无权对 ledger_head 作此修改"),
])
def test_a_refusal_by_the_database_itself_reaches_the_user_in_chinese(
        office: Office, monkeypatch: pytest.MonkeyPatch, key: str, words: str) -> None:
    """zkd's own checks are the first guard; when they miss (two sessions at once), the
    database's trigger refuses, and the user reads it in their language, not the server's."""
    o = office
    file_loans_and_a_loss(o)
    assert o.zkd("finance", "claims", "approve", "1", "--on", "2025-03-10").exit_code == 0
    monkeypatch.setattr("zhengkedai.domain.roles.check_command", lambda *a, **k: None)
    monkeypatch.setattr("zhengkedai.domain.claims.check_payer", lambda *a, **k: None)
    for name in ("ZKD_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    r = o.zkd(key, "claims", "pay", "1", "--on", "2025-03-11")
    assert r.exit_code == 1
    assert r.stderr.strip() == words.format(**o.logins)
    assert o.sql("auditor", "SELECT status FROM claims") == [("approved",)]
