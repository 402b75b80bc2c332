"""Claims as finance staff work them: list, show, approve, pay, reject, replay — exit codes and one-line errors."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests import factories as f
from zhengkedai.context import Actor
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.money import parse_yuan as y
from zhengkedai.domain.policy import default_policy_dir
from zhengkedai.services.claims import computation as claims


@pytest.fixture
def two_claims(zkd, engine):  # type: ignore[no-untyped-def]
    """ZZB with 1,000,000.00 in the reserve; claim 1 on a 1,000,000.00 loss, claim 2 on 7,000,000.00."""
    assert zkd("init").exit_code == 0
    actor = Actor(operator="bank-import")
    with UnitOfWork(engine) as uow:
        f.bank(uow, actor)
        f.fund_reserve(uow, actor, y("1,000,000"))
        for no, loss in (("L1", "1,000,000"), ("L2", "7,000,000")):
            loan = f.loan(uow, actor, loan_no=no, principal=y("10,000,000"))
            claims.open_claim(uow, actor, f.event(uow, actor, loan, "loss", y(loss),
                                                  dt.date(2025, 3, 1)))
        uow.commit()
    return zkd


def one_line_error(result, text: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and text in lines[0], result.stderr


def test_the_register_lists_each_claim_with_its_computed_amount_and_trace(two_claims) -> None:  # type: ignore[no-untyped-def]
    r = two_claims("claims", "list", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert [(c["id"], c["loan_no"], c["loss"], c["amount"], c["status"]) for c in doc] == [
        (1, "L1", "1000000.00", "800000.00", "submitted"),
        (2, "L2", "7000000.00", "5000000.00", "submitted")]
    assert "cap_per_loan 5,600,000.00→5,000,000.00" in doc[1]["trace_summary"]
    table = two_claims("claims", "list", "--status", "submitted", "--institution", "ZZB").output
    assert "5,000,000.00" in table and "800,000.00" in table
    assert "(none)" in two_claims("claims", "list", "--status", "paid").output
    csv_text = two_claims("claims", "list", "--format", "csv").output
    assert csv_text.splitlines()[0].startswith("id,institution,loan_no")


def test_show_prints_every_step_with_its_clause_and_the_file_row(two_claims) -> None:  # type: ignore[no-untyped-def]
    r = two_claims("claims", "show", "2")
    assert r.exit_code == 0, r.output
    assert "5,600,000.00 → 5,000,000.00" in r.output
    assert "cap 5,000,000.00, used 0.00, left 5,000,000.00" in r.output
    assert "郑州市2019年科技金融政策 第二条" in r.output and "row 2" in r.output
    doc = json.loads(two_claims("claims", "show", "2", "--format", "json").output)
    assert doc["amount"] == "5000000.00" and doc["event"]["row"] == 2
    assert doc["trace"][-1] | {"note": "", "text": ""} == {
        "rule": "cap_per_loan", "clause": doc["trace"][-1]["clause"], "policy_version": "2019",
        "before": "5600000.00", "after": "5000000.00", "note": "", "text": "",
        "limit": "5000000.00", "used": "0.00", "left": "5000000.00"}
    # the step in an official's words, printed by claims show
    assert doc["trace"][-1]["text"].startswith("单笔补偿上限 5,000,000.00 元，已用 0.00 元")
    assert "本笔按剩余额度补偿 5,000,000.00 元" in r.output


def test_approve_then_pay_moves_the_reserve_and_a_second_pay_is_refused(two_claims) -> None:  # type: ignore[no-untyped-def]
    r = two_claims("claims", "approve", "1", "--on", "2025-03-10")
    assert r.exit_code == 0 and "800,000.00 payable to ZZB" in r.output, r.output
    assert "exceed" not in r.stderr  # 1,000,000.00 held covers it
    status = json.loads(two_claims("reserve", "status", "--on", "2025-03-31",
                                   "--format", "json").output)
    assert (status["committed"], status["available"]) == ("800000.00", "200000.00")
    r = two_claims("claims", "pay", "1", "--on", "2025-03-12")
    assert r.exit_code == 0 and "800,000.00 from ZZB" in r.output, r.output
    status = json.loads(two_claims("reserve", "status", "--on", "2025-03-31",
                                   "--format", "json").output)
    assert (status["balance"], status["committed"]) == ("200000.00", "0.00")
    one_line_error(two_claims("claims", "pay", "1"), "claim #1 is paid")
    assert two_claims("verify").exit_code == 0


def test_paying_more_than_the_reserve_holds_names_the_shortfall_and_keeps_the_claim_approved(
        two_claims) -> None:  # type: ignore[no-untyped-def]
    approved = two_claims("claims", "approve", "2", "--on", "2025-03-10")
    assert approved.exit_code == 0
    assert "claims now exceed its cash by 4,000,000.00" in approved.stderr
    one_line_error(two_claims("claims", "pay", "2", "--on", "2025-03-12"),
                   "short by 4,000,000.00")
    doc = json.loads(two_claims("claims", "list", "--format", "json").output)
    assert doc[1]["status"] == "approved"
    status = json.loads(two_claims("reserve", "status", "--format", "json").output)
    assert (status["balance"], status["committed"]) == ("1000000.00", "5000000.00")


def test_reject_needs_a_reason_and_reverses_an_approval(two_claims) -> None:  # type: ignore[no-untyped-def]
    assert two_claims("claims", "reject", "1").exit_code != 0  # --reason is required
    assert two_claims("claims", "approve", "1", "--on", "2025-03-10").exit_code == 0
    r = two_claims("claims", "reject", "1", "--reason", "贷款资料不全", "--on", "2025-03-11")
    assert r.exit_code == 0 and "贷款资料不全" in r.output
    status = json.loads(two_claims("reserve", "status", "--format", "json").output)
    assert status["committed"] == "0.00"
    shown = two_claims("claims", "show", "1").output
    assert "reversal:claim.approve" in shown
    one_line_error(two_claims("claims", "approve", "1"), "claim #1 is rejected")


def test_wrong_ids_and_dates_are_one_line_errors(two_claims) -> None:  # type: ignore[no-untyped-def]
    one_line_error(two_claims("claims", "show", "99"), "no claim #99")
    one_line_error(two_claims("claims", "approve", "1", "--on", "2025-02-01"),
                   "before its loss was confirmed on 2025-03-01")
    one_line_error(two_claims("claims", "pay", "1"), "only approved claims can be paid")
    one_line_error(two_claims("claims", "recovery-return", "1", "--on", "2025-05-01"),
                   "no recovery share owed")


def test_replay_under_henan_2025_prints_old_new_and_difference_and_writes_nothing(
        two_claims) -> None:  # type: ignore[no-untyped-def]
    path = str(default_policy_dir() / "henan-2025.toml")
    r = two_claims("claims", "replay", "--policy", path, "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["policy"] == "henan-2025" and doc["total_difference"] == "0.00"  # 新老划断
    assert [row["new_policy"] for row in doc["rows"]] == ["zhengzhou-2019/2019"] * 2
    table = two_claims("claims", "replay", "--policy", path).output
    assert "nothing was written" in table
    bad = two_claims("claims", "replay", "--policy", __file__)
    one_line_error(bad, "not valid TOML")


def test_recovery_return_takes_part_of_what_is_owed(two_claims, engine) -> None:  # type: ignore[no-untyped-def]
    zkd = two_claims
    assert zkd("claims", "approve", "1", "--on", "2025-03-31").exit_code == 0
    assert zkd("claims", "pay", "1", "--on", "2025-03-31").exit_code == 0
    with UnitOfWork(engine) as uow:
        from sqlalchemy import select

        from zhengkedai.db.models import LoanRow

        loan = uow.s.execute(select(LoanRow).where(LoanRow.loan_no == "L1")).scalar_one()
        claims.record_recovery(uow, Actor(operator="bank-import"), f.event(
            uow, Actor(operator="bank-import"), loan, "recovery", y("50,000"), dt.date(2025, 4, 1)))
        uow.commit()
    r = zkd("claims", "recovery-return", "1", "--amount", "10,000", "--on", "2025-04-02")
    assert r.exit_code == 0, r.stderr
    assert "Returned 10,000.00 on claim #1" in r.output and "30,000.00 still owed" in r.output
    one_line_error(zkd("claims", "recovery-return", "1", "--amount", "30,000.01", "--on",
                       "2025-04-02"), "30,000.00 is owed to the reserve")
    r = zkd("claims", "recovery-return", "1", "--on", "2025-04-03")
    assert "Returned 30,000.00" in r.output and "0.00 still owed" in r.output
    assert zkd("verify").exit_code == 0
