"""Claims and subsidies approved and paid in batches: several IDs or --all, all or nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests import factories as f
from zhengkedai.context import Actor
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.money import parse_yuan as y
from zhengkedai.services.claims import computation as claims


@pytest.fixture
def four_claims(zkd, engine):  # type: ignore[no-untyped-def]
    """ZZB and ZZC with 3,000,000.00 in the reserve; three 1,000,000.00 losses at ZZB, one at ZZC."""
    assert zkd("init").exit_code == 0
    actor = Actor(operator="bank-import")
    with UnitOfWork(engine) as uow:
        f.bank(uow, actor)
        f.bank(uow, actor, "ZZC", "中原银行")
        f.fund_reserve(uow, actor, y("3,000,000"))
        for n, inst in enumerate(("ZZB", "ZZB", "ZZC", "ZZB"), start=1):
            loan = f.loan(uow, actor, institution=inst, loan_no=f"L{n}",
                          principal=y("10,000,000"), enterprise_seq=n)
            claims.open_claim(uow, actor, f.event(uow, actor, loan, "loss", y("1,000,000"),
                                                  dt.date(2025, 3, 1)))
        uow.commit()
    return zkd


def statuses(zkd) -> dict[int, str]:  # type: ignore[no-untyped-def]
    return {c["id"]: c["status"] for c in json.loads(zkd("claims", "list", "--format",
                                                         "json").output)}


def test_several_ids_are_approved_in_one_command_each_with_its_own_entry(four_claims) -> None:  # type: ignore[no-untyped-def]
    r = four_claims("claims", "approve", "1", "C2", "#3", "--on", "2025-03-10")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert [ln.split(":")[0] for ln in lines[:3]] == [
        "Approved claim #1", "Approved claim #2", "Approved claim #3"]
    assert len({ln.rsplit("#", 1)[1] for ln in lines[:3]}) == 3  # three journal entries
    assert lines[3] == "Approved 3 claims, 2,400,000.00 in all."
    assert statuses(four_claims) == {1: "approved", 2: "approved", 3: "approved", 4: "submitted"}


def test_all_with_an_institution_pays_only_that_institution_s_approved_claims(four_claims) -> None:  # type: ignore[no-untyped-def]
    assert four_claims("claims", "approve", "--all", "--on", "2025-03-10").exit_code == 0
    r = four_claims("claims", "pay", "--all", "--institution", "ZZB", "--status", "approved",
                    "--on", "2025-03-12")
    assert r.exit_code == 0, r.output
    assert "Paid 3 claims, 2,400,000.00 in all." in r.output
    assert statuses(four_claims) == {1: "paid", 2: "paid", 3: "approved", 4: "paid"}


def test_one_refused_claim_leaves_the_whole_batch_unwritten_and_names_every_refusal(four_claims) -> None:  # type: ignore[no-untyped-def]
    assert four_claims("claims", "approve", "--all", "--on", "2025-03-10").exit_code == 0
    assert four_claims("claims", "reject", "2", "--reason", "材料不全",
                       "--on", "2025-03-11").exit_code == 0
    # 3,000,000.00 of cash pays three claims of 800,000.00, but claim 2 is rejected
    r = four_claims("claims", "pay", "1", "2", "3", "4", "--on", "2025-03-12")
    assert r.exit_code != 0
    assert "claim #2: claim #2 is rejected" in r.stderr
    assert "Error: nothing was written: 1 of 4 claims refused" in r.stderr
    assert statuses(four_claims) == {1: "approved", 2: "rejected", 3: "approved", 4: "approved"}


def test_a_payment_the_earlier_ones_leave_no_cash_for_is_refused_with_its_shortfall(four_claims) -> None:  # type: ignore[no-untyped-def]
    assert four_claims("claims", "approve", "--all", "--on", "2025-03-10").exit_code == 0
    r = four_claims("claims", "pay", "--all", "--on", "2025-03-12", "--from", "ZZC")
    assert r.exit_code != 0
    assert "claim #1:" in r.stderr and "short by" in r.stderr
    # every one refused: nothing is said of others that passed, there being none
    assert r.stderr.strip().splitlines()[-1] == \
        "Error: nothing was written: all 4 claims refused (listed above)"
    assert set(statuses(four_claims).values()) == {"approved"}


def test_a_batch_refused_whole_says_so_in_chinese(four_claims, chinese) -> None:  # type: ignore[no-untyped-def]
    r = four_claims("claims", "pay", "1", "2", "--on", "2025-03-12")
    assert r.exit_code != 0
    assert r.stderr.strip().splitlines()[-1] == "错误：未作任何变更：2 笔补偿申请全部被拒绝（见上）"
    assert "其余" not in r.stderr


def test_a_single_refused_id_keeps_its_one_line_error(four_claims) -> None:  # type: ignore[no-untyped-def]
    r = four_claims("claims", "pay", "1", "--on", "2025-03-12")
    assert r.exit_code != 0
    assert r.stderr.strip().splitlines() == [
        "Error: claim #1 is submitted; only approved claims can be paid"]


def test_ids_and_all_together_or_neither_are_refused(four_claims) -> None:  # type: ignore[no-untyped-def]
    assert "not both" in four_claims("claims", "approve", "1", "--all").stderr
    assert "or use --all" in four_claims("claims", "pay").stderr
    r = four_claims("claims", "pay", "--all", "--institution", "NONE")
    assert r.exit_code != 0 and "no claim matches" in r.stderr
