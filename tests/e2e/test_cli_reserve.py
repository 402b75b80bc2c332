"""``zkd reserve interest|transfer|fee|status`` as finance staff use them."""

from __future__ import annotations

import json

import pytest

from tests import factories as f
from zhengkedai.context import Actor
from zhengkedai.db.engine import make_engine
from zhengkedai.db.uow import UnitOfWork


def one_error(result, text: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and text in lines[0], result.stderr


@pytest.fixture
def banks(zkd):  # type: ignore[no-untyped-def]
    for code, name in (("ZZB", "郑州银行"), ("ZYB", "中原银行")):
        assert zkd("institution", "add", code, "--name", name, "--kind", "bank").exit_code == 0
    assert zkd("institution", "add", "ZZVC", "--name", "创投", "--kind", "investor").exit_code == 0
    r = zkd("reserve", "deposit", "36,500,000", "--source", "city", "--at", "ZZB",
            "--on", "2025-01-01", "--ref", "CZ-1")
    assert r.exit_code == 0, r.output
    return zkd


def test_interest_and_a_transfer_show_in_the_status_per_bank(banks) -> None:
    zkd = banks
    r = zkd("reserve", "interest", "73,000", "--at", "ZZB", "--on", "2025-07-02", "--ref", "LX-1")
    assert r.exit_code == 0 and "Booked interest 73,000.00 at ZZB" in r.output
    again = zkd("reserve", "interest", "73,000", "--at", "ZZB", "--on", "2025-07-02", "--ref", "LX-1")
    assert again.exit_code == 0
    assert again.output.startswith("Already booked as journal entry #2; nothing changed")
    r = zkd("reserve", "transfer", "--ref", "V-1", "6,500,000", "--from", "ZZB", "--to", "ZYB",
            "--on", "2025-07-03")
    assert r.exit_code == 0 and "Transferred 6,500,000.00 from ZZB to ZYB" in r.output
    doc = json.loads(zkd("reserve", "status", "--on", "2025-07-31", "--format", "json").output)
    assert {row["bank"]: row["balance"] for row in doc["rows"]} == {
        "ZYB": "6500000.00", "ZZB": "30073000.00"}
    assert doc["balance"] == "36573000.00" and doc["management_fee"]["interest_earned"] == "73000.00"


def test_the_fee_at_the_limit_is_paid_and_one_fen_more_is_refused(banks) -> None:
    zkd = banks
    zkd("reserve", "interest", "--ref", "V-2", "73,000", "--at", "ZZB", "--on", "2025-07-02")
    one_error(zkd("reserve", "fee", "--ref", "V-3", "365,366.01", "--on", "2025-12-31"),
              "above the limit (1% of the average reserve 36,536,600.00")
    r = zkd("reserve", "fee", "365,366.00", "--on", "2025-12-31", "--ref", "GLF-2025")
    assert r.exit_code == 0, r.output
    assert ("73,000.00 from interest income, 292,366.00 from principal; 2025 limit 365,366.00"
            in r.output)
    again = zkd("reserve", "fee", "365,366.00", "--on", "2025-12-31", "--ref", "GLF-2025")
    assert again.exit_code == 0  # the same voucher: booked once, and said so
    assert again.output.startswith("Already booked as journal entry #") and \
        "nothing changed (management fee 365,366.00 from ZZB on 2025-12-31)" in again.output
    one_error(zkd("reserve", "fee", "365,366.00", "--on", "2025-12-31", "--ref", "GLF-2025",
                  "--at", "ZYB"), "voucher GLF-2025 was booked as entry")  # not the same fee
    doc = json.loads(zkd("reserve", "status", "--on", "2025-12-31", "--format", "json").output)
    assert doc["management_fee"] == {
        "year": 2025, "average_reserve": "36536600.00", "limit": "365366.00",
        "taken": "365366.00", "left": "0.00", "interest_earned": "73000.00",
        "interest_used": "73000.00"}
    assert doc["balance"] == "36207634.00"
    assert zkd("verify").exit_code == 0


def test_status_shows_target_top_up_and_the_suggested_allocation(banks, db_url) -> None:
    engine = make_engine(db_url)
    with UnitOfWork(engine) as uow:
        actor = Actor(operator="clerk")
        f.loan(uow, actor, institution="ZZB", loan_no="A1", principal=300_000_000_00)
        f.loan(uow, actor, institution="ZYB", loan_no="B1", principal=100_000_000_00,
               enterprise_seq=2)
        uow.commit()
    engine.dispose()
    zkd = banks
    doc = json.loads(zkd("reserve", "status", "--on", "2025-03-31", "--format", "json").output)
    # outstanding 400,000,000; target 10% = 40,000,000; ZZB 3/4, ZYB 1/4
    assert (doc["outstanding_principal"], doc["target"], doc["top_up_needed"],
            doc["target_ratio"]) == ("400000000.00", "40000000.00", "3500000.00", "10.00")
    assert doc["rows"] == [
        {"bank": "ZYB", "balance": "0.00", "outstanding_principal": "100000000.00",
         "suggested": "10000000.00", "difference": "10000000.00"},
        {"bank": "ZZB", "balance": "36500000.00", "outstanding_principal": "300000000.00",
         "suggested": "30000000.00", "difference": "-6500000.00"},
    ]
    csv_text = zkd("reserve", "status", "--on", "2025-03-31", "--format", "csv").output
    assert "2025-03-31,suggested,ZYB,10000000.00" in csv_text.splitlines()
    assert "2025-03-31,target,,40000000.00" in csv_text.splitlines()
    table = zkd("reserve", "status", "--on", "2025-03-31").output
    assert "target 目标规模 (10%)" in table and "-6,500,000.00" in table


def test_reserve_refusals_are_one_line_errors(banks) -> None:
    zkd = banks
    one_error(zkd("reserve", "transfer", "--ref", "V-4", "40,000,000", "--from", "ZZB", "--to", "ZYB",
                  "--on", "2025-02-01"), "short by 3,500,000.00")
    one_error(zkd("reserve", "transfer", "--ref", "V-5", "1", "--from", "ZZB", "--to", "ZZB",
                  "--on", "2025-02-01"), "two different deposit banks")
    one_error(zkd("reserve", "interest", "--ref", "V-6", "1", "--at", "ZZVC", "--on", "2025-02-01"),
              "ZZVC is registered as investor, not bank")
    one_error(zkd("reserve", "interest", "--ref", "V-7", "0", "--at", "ZZB", "--on", "2025-02-01"),
              "interest must be greater than 0")
    one_error(zkd("reserve", "fee", "--ref", "V-8", "1", "--on", "2025-02-01", "--at", "NOPE"),
              "no institution 'NOPE'")
    r = zkd("reserve", "fee", "--ref", "V-9", "1", "--on", "2025-02-30")
    assert r.exit_code == 2 and "not a calendar date" in r.stderr
    doc = json.loads(zkd("reserve", "status", "--on", "2025-12-31", "--format", "json").output)
    assert doc["balance"] == "36500000.00"
