"""``zkd subsidies list|show|approve|reject|pay``, moving the subsidy budget.

Applications are filed the way ``zkd submit`` files them: through
``services.subsidies.file_subsidy``, one record per row.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.integration.test_subsidies import Filer
from zhengkedai.context import Actor
from zhengkedai.db.engine import make_engine
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.imports.uscc import make_uscc

FIRM = make_uscc("410100", 7)


def one_error(result, text: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and text in lines[0], result.stderr


@pytest.fixture
def filed(zkd, db_url):  # type: ignore[no-untyped-def]
    """Four financing applications for one firm in one file (the cap shared), one investment one."""
    assert zkd("institution", "add", "ZZVC", "--name", "创投", "--kind", "investor").exit_code == 0
    engine = make_engine(db_url)
    with UnitOfWork(engine) as uow:
        filer = Filer(uow, Actor(operator="clerk", clock=lambda: dt.datetime(2025, 3, 5, 9)))
        for i in range(1, 5):
            filer("financing", "1500000.00", who=FIRM, ref=f"RZ-{i}")
        filer("investment_risk", "3000000.00", who="ZZVC", investee=make_uscc("410100", 9),
              ref="TZ-1")
        uow.commit()
    engine.dispose()
    return zkd


def test_the_list_shows_the_cap_shared_in_file_order(filed) -> None:
    doc = json.loads(filed("subsidies", "list", "--kind", "financing", "--format", "json").output)
    assert [(s["id"], s["amount"], s["status"]) for s in doc] == [
        (1, "450000.00", "submitted"), (2, "450000.00", "submitted"),
        (3, "100000.00", "submitted"), (4, "0.00", "submitted")]
    assert doc[2]["source"].endswith("row:4") and "used 900000.00" in doc[2]["trace"]
    table = filed("subsidies", "list").output
    assert "100,000.00" in table and "investment_risk" in table
    csv_text = filed("subsidies", "list", "--status", "submitted", "--format", "csv").output
    assert csv_text.splitlines()[0].startswith("id,kind,beneficiary")
    assert len(csv_text.splitlines()) == 6


def test_show_prints_the_full_trace(filed) -> None:
    r = filed("subsidies", "show", "3")
    assert r.exit_code == 0
    assert "cap_per_enterprise_year [2019]: 450,000.00 → 100,000.00" in r.output
    assert "100万元" in r.output and "融资补助" in r.output
    # each step in an official's words: the cap, what the year has used and what is left
    assert ("每家企业每年补助上限 1,000,000.00 元（郑州市《关于率先构建一流创新生态 建设国家创新高地的"
            "意见（征求意见稿）》第(十九)条），本年度已核定 900,000.00 元，剩余 100,000.00 元：按剩余额度"
            "核减为 100,000.00 元") in r.output
    doc = json.loads(filed("subsidies", "show", "3", "--format", "json").output)
    assert doc["trace"][1]["left"] == "100000.00" and doc["amount"] == "100000.00"


def test_show_in_a_chinese_session_names_each_step_in_a_finance_offices_words(  # type: ignore[no-untyped-def]
        filed, monkeypatch) -> None:
    for name in ("ZKD_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    out = filed("subsidies", "show", "3").output
    assert "1. 补助比例 [2019]: 1,500,000.00 → 450,000.00" in out
    assert "补助比例 30%（项目默认参数，公开文件未规定具体数值）× 计算基数（已付利息或获得的投资）" in out
    assert "2. 企业年度补助上限 [2019]: 450,000.00 → 100,000.00" in out
    # the rate no public text fixes is said to be the programme's default, in Chinese
    assert "项目默认参数（公开文件未规定具体数值）" in out
    assert "programme" not in out and "cap_per_enterprise_year" not in out


def test_approve_pay_and_a_payment_refused_for_want_of_budget(filed) -> None:
    zkd = filed
    zkd("budget", "deposit", "--ref", "V-1", "500,000", "--on", "2025-01-03")
    r = zkd("subsidies", "approve", "1", "--on", "2025-04-01")
    assert r.exit_code == 0 and "Approved subsidy #1" in r.output and "450,000.00" in r.output
    # the voucher it booked is named, as a claim's approval names its own
    seq = int(r.output.rsplit("(journal entry #", 1)[1].split(")", 1)[0])
    entry = json.loads(zkd("journal", "show", str(seq), "--format", "json").output)
    assert entry["kind"] == "subsidy.approve"
    assert zkd("subsidies", "approve", "2", "--on", "2025-04-01").exit_code == 0
    doc = json.loads(zkd("budget", "status", "--on", "2025-04-30", "--format", "json").output)
    assert (doc["committed"], doc["available"]) == ("900000.00", "-400000.00")
    assert zkd("subsidies", "pay", "1", "--on", "2025-04-10").exit_code == 0
    one_error(zkd("subsidies", "pay", "2", "--on", "2025-04-10"),
              "subsidy #2 not paid, it stays approved")
    r = zkd("subsidies", "pay", "2", "--on", "2025-04-10")
    assert "short by 400,000.00" in r.stderr
    assert json.loads(zkd("subsidies", "show", "2", "--format", "json").output)["status"] == \
        "approved"
    zkd("budget", "deposit", "--ref", "V-2", "400,000", "--on", "2025-04-10")
    assert zkd("subsidies", "pay", "2", "--on", "2025-04-10").exit_code == 0
    assert zkd("verify").exit_code == 0


def test_reject_reverses_an_approval_and_refusals_are_one_line(filed) -> None:
    zkd = filed
    zkd("subsidies", "approve", "5", "--on", "2025-04-01")
    r = zkd("subsidies", "reject", "5", "--reason", "重复申报", "--on", "2025-04-02")
    assert r.exit_code == 0 and "approval was reversed" in r.output
    doc = json.loads(zkd("budget", "status", "--on", "2025-04-30", "--format", "json").output)
    assert doc["committed"] == "0.00"
    one_error(zkd("subsidies", "approve", "4"), "is 0.00 (its cap is used up); reject it instead")
    one_error(zkd("subsidies", "pay", "3"), "subsidy #3 is submitted; paying needs it approved")
    one_error(zkd("subsidies", "approve", "5"), "subsidy #5 is rejected")
    one_error(zkd("subsidies", "show", "99"), "no subsidy #99")
    assert zkd("subsidies", "reject", "4").exit_code == 2  # --reason is required
    assert zkd("subsidies", "list", "--status", "nope").exit_code == 2


def test_a_rejection_is_not_dated_before_the_filing_or_the_approval(filed) -> None:
    zkd = filed
    one_error(zkd("subsidies", "reject", "3", "--reason", "材料不全", "--on", "2025-03-04"),
              "subsidy #3 was filed on 2025-03-05; it cannot be rejected on 2025-03-04")
    assert zkd("subsidies", "approve", "5", "--on", "2025-04-01").exit_code == 0
    one_error(zkd("subsidies", "reject", "5", "--reason", "重复申报", "--on", "2025-03-31"),
              "subsidy #5 was approved on 2025-04-01; it cannot be rejected on 2025-03-31")
    listed = json.loads(zkd("subsidies", "list", "--format", "json").output)
    assert [d["status"] for d in listed if d["id"] in (3, 5)] == ["submitted", "approved"]


def test_all_financing_subsidies_are_approved_and_paid_in_one_command_each(filed) -> None:
    assert filed("budget", "deposit", "2000000", "--on", "2025-03-05", "--ref", "B-1").exit_code == 0
    r = filed("subsidies", "approve", "1", "2", "3", "--on", "2025-03-06")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[-1] == "Approved 3 subsidies, 1,000,000.00 in all."
    r = filed("subsidies", "pay", "--all", "--kind", "financing", "--on", "2025-03-07")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[-1] == "Paid 3 subsidies, 1,000,000.00 in all."


def test_a_batch_with_a_zero_subsidy_approves_none_of_them(filed) -> None:
    r = filed("subsidies", "approve", "--all", "--kind", "financing", "--on", "2025-03-06")
    assert r.exit_code == 1
    assert "subsidy #4: subsidy #4 is 0.00" in r.stderr
    assert "nothing was written: 1 of 4 subsidies refused" in r.stderr
    doc = json.loads(filed("subsidies", "list", "--format", "json").output)
    assert {s["status"] for s in doc} == {"submitted"}
