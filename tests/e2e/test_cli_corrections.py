"""A clerk's corrections through the CLI: find a record, withdraw it, file the right one again."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.e2e.test_cli_submit import EVENT_HEAD, LOAN_HEAD, loan_line, write


def one_line_error(result, text: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and text in lines[0], result.stderr


@pytest.fixture
def mistyped(zkd_frozen, tmp_path: Path):  # type: ignore[no-untyped-def]
    """ZZB filed L1 (3,000,000.00) and L2, then a loss on L1 typed 2,900,000.00 (claim 1)."""
    zkd = zkd_frozen
    assert zkd("init").exit_code == 0
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    assert zkd("reserve", "deposit", "10,000,000", "--source", "city", "--at", "ZZB",
               "--on", "2025-01-02", "--ref", "CZ-1").exit_code == 0
    loans = write(tmp_path, "loans.csv", "\n".join(
        [LOAN_HEAD, loan_line("L1", 1, principal="3,000,000"), loan_line("L2", 2)]) + "\n")
    assert zkd("submit", str(loans), "--institution", "ZZB").exit_code == 0
    events = write(tmp_path, "events.csv", f"{EVENT_HEAD}\nL1,损失确认,2025-03-01,\"2,900,000\",\n")
    r = zkd("submit", str(events), "--institution", "ZZB")
    assert r.exit_code == 0, r.stderr
    return zkd


def test_a_mistyped_loss_is_withdrawn_with_its_claim_and_the_right_one_filed(
        mistyped, tmp_path: Path, operator: str) -> None:  # type: ignore[no-untyped-def]
    zkd = mistyped
    listed = json.loads(zkd("events", "list", "--loan", "L1", "--format", "json").output)
    assert [(e["event_id"], e["event"], e["amount"], e["claim_id"], e["status"])
            for e in listed] == [(1, "loss", "2900000.00", 1, "filed")]
    r = zkd("events", "withdraw", "1", "--reason", "typed 2,900,000 for 290,000")
    assert r.exit_code == 0, r.stderr
    assert "Claim #1, opened by the withdrawn loss, was withdrawn with it." in r.output
    assert "outstanding 3,000,000.00" in r.output
    claims = json.loads(zkd("claims", "list", "--format", "json").output)
    assert [(c["id"], c["status"]) for c in claims] == [(1, "withdrawn")]
    right = write(tmp_path, "right.csv", f"{EVENT_HEAD}\nL1,损失确认,2025-03-01,\"290,000\",\n")
    r = zkd("submit", str(right), "--institution", "ZZB")
    assert r.exit_code == 0, r.stderr
    loan = json.loads(zkd("loans", "show", "L1", "--format", "json").output)
    assert (loan["outstanding"], loan["status"]) == ("2710000.00", "active")
    assert [(e["amount"], e["status"], e["withdrawn_by"], e["withdrawn_on"])
            for e in loan["events"]] == [("2900000.00", "withdrawn", operator, "2026-01-15"),
                                         ("290000.00", "filed", None, None)]
    assert [(c["claim_id"], c["status"], c["amount"]) for c in loan["claims"]] == [
        (1, "withdrawn", "2320000.00"), (2, "submitted", "232000.00")]
    assert zkd("verify").exit_code == 0


def test_an_approved_claim_blocks_the_withdrawal_with_what_to_do(mistyped) -> None:  # type: ignore[no-untyped-def]
    zkd = mistyped
    assert zkd("claims", "approve", "1", "--on", "2025-03-31").exit_code == 0
    one_line_error(zkd("events", "withdraw", "1", "--reason", "mistyped"),
                   "is approved; reject it first (`zkd claims reject 1 --reason TEXT`)")
    one_line_error(zkd("loans", "withdraw", "L1", "--reason", "mistyped"), "reject it first")
    one_line_error(zkd("events", "withdraw", "99", "--reason", "x"), "no event #99")
    one_line_error(zkd("events", "withdraw", "1", "--reason", " "), "needs a reason")
    assert json.loads(zkd("loans", "show", "L1", "--format", "json").output)["outstanding"] == \
        "100000.00"  # nothing changed


def test_a_loan_filed_twice_is_withdrawn_listed_as_such_and_its_number_filed_again(
        mistyped, tmp_path: Path, operator: str) -> None:  # type: ignore[no-untyped-def]
    zkd = mistyped
    r = zkd("loans", "withdraw", "L2", "--reason", "filed twice")
    assert r.exit_code == 0, r.stderr
    assert "Withdrew loan L2 of ZZB on 2026-01-15" in r.output
    one_line_error(zkd("loans", "withdraw", "L2", "--reason", "again"), "was withdrawn on 2026-01-15")
    rows = list(csv.DictReader(io.StringIO(zkd("loans", "list", "--format", "csv").output)))
    assert [(r["loan_no"], r["status"], r["withdrawn_by"], r["withdrawn_reason"]) for r in rows] \
        == [("L1", "active", "", ""), ("L2", "withdrawn", operator, "filed twice")]
    assert "L2" not in zkd("loans", "list", "--status", "active").output
    again = write(tmp_path, "again.csv", f"{LOAN_HEAD}\n{loan_line('L2', 2, principal='500,000')}\n")
    r = zkd("submit", str(again), "--institution", "ZZB")
    assert r.exit_code == 0, r.stderr
    shown = json.loads(zkd("loans", "show", "L2", "--format", "json").output)
    assert (shown["principal"], shown["status"]) == ("500000.00", "active")
    # the open month's statement lists the correction; the figures leave the withdrawn loan out
    out = tmp_path / "st"
    r = zkd("statement", "2026-01", "--institution", "ZZB", "--format", "json", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    text = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.json"))
    assert "更正" in text and "filed twice" in text
    assert zkd("verify").exit_code == 0


def test_every_new_command_has_help_with_an_example(zkd_frozen) -> None:  # type: ignore[no-untyped-def]
    for args in (("loans", "list"), ("loans", "show"), ("loans", "withdraw"),
                 ("events", "list"), ("events", "withdraw"), ("journal", "list"),
                 ("journal", "show")):
        r = zkd_frozen(*args, "--help")
        assert r.exit_code == 0 and "Example: zkd " in r.output


def test_a_reversed_deposit_frees_its_voucher_for_the_right_booking(zkd_frozen) -> None:  # type: ignore[no-untyped-def]
    zkd = zkd_frozen
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    deposit = ("reserve", "deposit", "--source", "city", "--at", "ZZB", "--on", "2025-01-02",
               "--ref", "CZ-001")
    assert "(journal entry #1)" in zkd(*deposit, "1,000,000").output
    assert "Already booked as journal entry #1" in zkd(*deposit, "1,000,000").output
    one_line_error(zkd(*deposit, "100,000"), "reverse it first (`zkd reverse 1")
    assert zkd("reverse", "1", "--reason", "typed 1,000,000 for 100,000").exit_code == 0
    r = zkd(*deposit, "100,000")
    assert r.exit_code == 0 and "(journal entry #3)" in r.output, r.output
    status = json.loads(zkd("reserve", "status", "--on", "2026-01-15", "--format", "json").output)
    assert status["balance"] == "100000.00"


def test_every_booking_needs_its_voucher_and_no_date_of_something_done_is_in_the_future(
        mistyped) -> None:  # type: ignore[no-untyped-def]
    zkd = mistyped
    for args in (("reserve", "deposit", "1", "--source", "city", "--at", "ZZB"),
                 ("reserve", "interest", "1", "--at", "ZZB"),
                 ("reserve", "fee", "1"), ("budget", "deposit", "1"),
                 ("reserve", "transfer", "1", "--from", "ZZB", "--to", "ZZB")):
        one_line_error(zkd(*args, "--on", "2025-05-01"), "Missing option '--ref'")
        one_line_error(zkd(*args, "--on", "2026-01-16", "--ref", "X"),
                       "2026-01-16 is after today (2026-01-15, Zhengzhou time)")
    for args in (("claims", "approve", "1"), ("claims", "pay", "1"),
                 ("claims", "reject", "1", "--reason", "x"), ("reverse", "1", "--reason", "x")):
        one_line_error(zkd(*args, "--on", "2030-01-01"), "cannot be in the future")
    assert json.loads(zkd("claims", "list", "--format", "json").output)[0]["status"] == "submitted"


def test_the_journal_lists_each_entry_and_shows_its_lines(mistyped) -> None:  # type: ignore[no-untyped-def]
    zkd = mistyped
    assert zkd("reverse", "1", "--reason", "wrong bank").exit_code == 0
    rows = json.loads(zkd("journal", "list", "--format", "json").output)
    assert [(r["seq"], r["kind"], r["amount"], r["reverses"], r["reversed_by"]) for r in rows] == [
        (1, "reserve.deposit", "10000000.00", None, 2),
        (2, "reversal:reserve.deposit", "10000000.00", 1, None)]
    assert rows[0]["key"] == "reserve-deposit:CZ-1" and rows[1]["date"] == "2026-01-15"
    assert "(none)" in zkd("journal", "list", "--month", "2025-02").output
    assert zkd("journal", "list", "--month", "2025-01", "--format", "csv").output.count("\n") == 2
    shown = json.loads(zkd("journal", "show", "1", "--format", "json").output)
    assert [(ln["account"], ln["debit"], ln["credit"]) for ln in shown["lines"]] == [
        ("reserve:cash:ZZB", "10000000.00", None),
        ("reserve:contribution:city", None, "10000000.00")]
    assert shown["reversed_by"] == 2 and len(shown["hash"]) == 64
    table = zkd("journal", "show", "2").output
    assert "reverses 冲销" in table and "entry #1" in table
    one_line_error(zkd("journal", "show", "9"), "no journal entry #9")
    one_line_error(zkd("journal", "list", "--month", "2025-13"), "not a month period")


def test_close_through_closes_the_open_months_in_order_and_close_still_takes_one(
        mistyped) -> None:  # type: ignore[no-untyped-def]
    zkd = mistyped
    one_line_error(zkd("close"), "name one month")
    one_line_error(zkd("close", "2025-03", "--through", "2025-04"), "name one month")
    r = zkd("close", "--through", "2025-02", "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert [d["period"] for d in json.loads(r.output)] == ["2025-01", "2025-02"]
    r = zkd("close", "2025-03")
    assert r.exit_code == 0 and r.output.startswith("Closed 2025-03"), r.output
    r = zkd("close", "--through", "2025-05")
    assert r.output.count("Closed 2025-0") == 2 and "Closed 2025-05" in r.output
    one_line_error(zkd("close", "--through", "2025-04"), "month 2025-04 is closed already")
