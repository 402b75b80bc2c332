"""SPEC section 6's worked examples, as finance staff would meet them: through files and commands.

Each loan is filed by a bank's loans file, each loss by an events file, and the
amounts are read back from `zkd claims list --format json`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zhengkedai.imports.uscc import make_uscc

LOAN_HEAD = ("贷款编号,企业名称,统一社会信用代码,上年度营业收入,高新技术企业,连续两年盈利,贷款类型,"
             "贷款金额,年利率,放款日期,到期日期")
EVENT_HEAD = "贷款编号,事件类型,发生日期,金额,备注"

ORDINARY, STAR_A, STAR_B = 1, 2, 3  # enterprise numbers: an ordinary firm, two high-tech profitable firms


def loan(no: str, firm: int, kind: str, principal: str, disbursed: str = "2025-01-10") -> str:
    star = "是" if firm in (STAR_A, STAR_B) else "否"
    return (f"{no},企业{firm},{make_uscc('410100', firm)},\"10,000,000\",{star},{star},{kind},"
            f"\"{principal}\",3.85,{disbursed},2027-01-10")


def file(tmp: Path, name: str, head: str, rows: list[str]) -> str:
    path = tmp / name
    path.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8-sig")
    return str(path)


@pytest.fixture
def office(zkd_frozen, tmp_path):  # type: ignore[no-untyped-def]
    zkd = zkd_frozen
    assert zkd("init").exit_code == 0
    for code, name in (("ZZB", "郑州银行"), ("ZYB", "中原银行")):
        assert zkd("institution", "add", code, "--name", name, "--kind", "bank").exit_code == 0
    assert zkd("reserve", "deposit", "--ref", "V-1", "50,000,000", "--source", "city", "--at", "ZZB",
               "--on", "2025-01-02").exit_code == 0
    loans = file(tmp_path, "zzb_loans.csv", LOAN_HEAD, [
        loan("O1", ORDINARY, "抵押", "2,000,000"),
        loan("O2", ORDINARY, "抵押", "1,000,000"),
        loan("O3", ORDINARY, "抵押", "7,000,000"),
        loan("O4", ORDINARY, "抵押", "7,000,000"),
        loan("O5", ORDINARY, "抵押", "1,000,000"),
        loan("A1", STAR_A, "信用", "3,000,000"),
        loan("A2", STAR_A, "信用", "2,000,000"),
        loan("A3", STAR_A, "知识产权质押", "1,000,000"),
        loan("B1", STAR_B, "信用", "1,000,000"),
        loan("B2", STAR_B, "信用", "3,000,000"),
    ])
    r = zkd("submit", loans, "--institution", "ZZB")
    assert r.exit_code == 0, r.stderr
    # ZYB: 10% overdue at the end of January -> suspended from 1 February
    zyb = file(tmp_path, "zyb_loans.csv", LOAN_HEAD, [loan("Y1", ORDINARY, "抵押", "1,000,000")])
    assert zkd("submit", zyb, "--institution", "ZYB").exit_code == 0
    overdue = file(tmp_path, "zyb_ev.csv", EVENT_HEAD, ["Y1,逾期,2025-01-20,\"100,000\","])
    assert zkd("submit", overdue, "--institution", "ZYB").exit_code == 0
    assert zkd("close", "2025-01").exit_code == 0
    made_while_suspended = file(tmp_path, "zyb_loans2.csv", LOAN_HEAD,
                                [loan("Y2", ORDINARY, "抵押", "900,000", "2025-02-10")])
    assert zkd("submit", made_while_suspended, "--institution", "ZYB").exit_code == 0
    return zkd


def claims(zkd) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    return {c["loan_no"]: c for c in json.loads(zkd("claims", "list", "--format", "json").output)}


def test_every_compensation_example_of_the_spec(office, tmp_path) -> None:
    zkd = office
    losses = file(tmp_path, "zzb_losses.csv", EVENT_HEAD, [
        "O1,损失确认,2025-03-01,\"1,000,000.00\",",   # 80%
        "O2,损失确认,2025-03-01,333333.33,",           # 266,666.664 -> .66
        "A1,损失确认,2025-03-02,\"2,000,000.00\",",   # 100%, the firm's first loss
        "A2,损失确认,2025-03-03,\"1,000,000.00\",",   # total 3,000,000.00: 100%
        "A3,损失确认,2025-03-04,0.01,",               # total 3,000,000.01: 80% = 0.008
        "B1,损失确认,2025-03-05,\"500,000.00\",",     # 100%
        "B2,损失确认,2025-03-06,\"2,800,000.00\",",   # total 3,300,000.00: 80%
        "O3,损失确认,2025-03-07,\"6,250,000.00\",",   # 80% exactly the cap
        "O4,损失确认,2025-03-07,\"6,250,000.02\",",   # 80% one fen over, capped
    ])
    r = zkd("submit", losses, "--institution", "ZZB")
    assert r.exit_code == 0, r.stderr
    suspended = file(tmp_path, "zyb_losses.csv", EVENT_HEAD, ["Y2,损失确认,2025-03-08,\"900,000\","])
    assert zkd("submit", suspended, "--institution", "ZYB").exit_code == 0
    got = {no: c["amount"] for no, c in claims(zkd).items()}
    assert got == {
        "O1": "800000.00", "O2": "266666.66", "A1": "2000000.00", "A2": "1000000.00",
        "A3": "0.01", "B1": "500000.00", "B2": "2240000.00", "O3": "5000000.00",
        "O4": "5000000.00", "Y2": "0.00",
    }
    shown = zkd("claims", "show", str(claims(zkd)["Y2"]["id"])).output
    assert "institution_active" in shown
    listed = zkd("institution", "list", "--on", "2025-02-15").output
    assert "suspended since 2025-02-01" in listed


def test_recoveries_before_and_after_payment(office, tmp_path) -> None:
    zkd = office
    losses = file(tmp_path, "l.csv", EVENT_HEAD, [
        "O1,损失确认,2025-03-01,\"1,000,000\",",
        "O3,损失确认,2025-03-01,\"7,000,000\",",
        "O5,损失确认,2025-03-01,\"1,000,000\",",
    ])
    assert zkd("submit", losses, "--institution", "ZZB").exit_code == 0
    by_loan = claims(zkd)
    for no in ("O1", "O3"):
        cid = str(by_loan[no]["id"])
        assert zkd("claims", "approve", cid, "--on", "2025-03-20").exit_code == 0
        assert zkd("claims", "pay", cid, "--on", "2025-03-25").exit_code == 0
    recoveries = file(tmp_path, "r.csv", EVENT_HEAD, [
        "O1,追偿回收,2025-04-01,\"50,000\",",      # after a paid 800,000 on 1,000,000
        "O3,追偿回收,2025-04-01,\"1,400,000\",",   # after a capped 5,000,000 on 7,000,000
        "O5,追偿回收,2025-04-01,\"100,000\",",     # before payment
    ])
    assert zkd("submit", recoveries, "--institution", "ZZB").exit_code == 0
    after = claims(zkd)
    assert after["O5"]["amount"] == "720000.00"
    o1 = json.loads(zkd("claims", "show", str(after["O1"]["id"]), "--format", "json").output)
    o3 = json.loads(zkd("claims", "show", str(after["O3"]["id"]), "--format", "json").output)
    assert [x["share"] for x in o1["recovery_shares"]] == ["40000.00"]
    assert [x["share"] for x in o3["recovery_shares"]] == ["1000000.00"]
    status = json.loads(zkd("reserve", "status", "--on", "2025-04-30", "--format", "json").output)
    assert status["balance"] == "44200000.00"  # 50,000,000 - 800,000 - 5,000,000
    assert zkd("verify").exit_code == 0
