"""Compensation claims through the database: SPEC section 6's worked examples, as a finance officer checks them."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests import factories as f
from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.db.models import ClaimRow, EntryRow, InstitutionMonthRow, LoanEventRow, LoanRow
from zhengkedai.domain.errors import InsufficientFunds, ZkdError
from zhengkedai.domain.money import parse_yuan as y
from zhengkedai.services import policies
from zhengkedai.services.audit import verify as verify_service
from zhengkedai.services.claims import computation as claims
from zhengkedai.services.claims import workflow as wf
from zhengkedai.services.funds import reserve

D = dt.date(2025, 3, 1)


@pytest.fixture
def books(uow, actor):  # type: ignore[no-untyped-def]
    """Bank ZZB registered, 10,000,000.00 in the reserve at ZZB, the bundled policies loaded."""
    f.bank(uow, actor)
    f.fund_reserve(uow, actor, y("10,000,000"))
    policies.load_bundled(uow, actor)
    return uow


def loss_claim(uow, actor, loss: str, *, loan_no: str = "L1", principal: str = "10,000,000",
               on: dt.date = D, **loan_kw):  # type: ignore[no-untyped-def]
    loan = f.loan(uow, actor, loan_no=loan_no, principal=y(principal), **loan_kw)
    event = f.event(uow, actor, loan, "loss", y(loss), on)
    return claims.open_claim(uow, actor, event)


def steps(claim: ClaimRow) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(claim.trace)


HIGH_TECH = {"loan_type": "credit", "high_tech": True, "profitable_two_years": True}


def test_a_collateral_loss_of_1_000_000_is_a_submitted_claim_of_800_000_and_no_entry(
        books, actor) -> None:  # type: ignore[no-untyped-def]
    entries_before = books.s.query(EntryRow).count()
    claim = loss_claim(books, actor, "1,000,000.00")
    assert (claim.amount_fen, claim.status) == (y("800,000.00"), "submitted")
    assert (claim.policy_name, claim.policy_version) == ("zhengzhou-2019", "2019")
    assert claim.submitted_on == D
    ratio = next(s for s in steps(claim) if s["rule"] == "compensation_ratio")
    assert (ratio["before"], ratio["after"]) == ("1000000.00", "800000.00")
    assert ratio["clause"] == "郑州市2019年科技金融政策 第二条" and ratio["policy_version"] == "2019"
    assert books.s.query(EntryRow).count() == entries_before


def test_a_loss_of_333_333_33_rounds_half_up_to_266_666_66(books, actor) -> None:  # type: ignore[no-untyped-def]
    assert loss_claim(books, actor, "333,333.33").amount_fen == y("266,666.66")


def test_a_high_tech_credit_firm_gets_100_percent_up_to_3_000_000_of_losses_across_its_loans(
        books, actor) -> None:  # type: ignore[no-untyped-def]
    first = loss_claim(books, actor, "2,000,000.00", loan_no="A", **HIGH_TECH)
    second = loss_claim(books, actor, "1,000,000.00", loan_no="B", on=D + dt.timedelta(days=1),
                        **HIGH_TECH)
    third = loss_claim(books, actor, "0.01", loan_no="C", on=D + dt.timedelta(days=2),
                       **HIGH_TECH)
    assert [c.amount_fen for c in (first, second, third)] == [y("2,000,000"), y("1,000,000"), 1]
    assert "全额补偿" in steps(second)[-2]["note"] and "3,000,000.00" in steps(second)[-2]["note"]
    assert "80%" in steps(third)[-2]["note"] and "3,000,000.01" in steps(third)[-2]["note"]


def test_a_loss_that_takes_the_firm_past_3_000_000_is_compensated_at_80_percent(
        books, actor) -> None:  # type: ignore[no-untyped-def]
    loss_claim(books, actor, "500,000.00", loan_no="A", enterprise_seq=7, **HIGH_TECH)
    claim = loss_claim(books, actor, "2,800,000.00", loan_no="B", enterprise_seq=7,
                       on=D + dt.timedelta(days=3), **HIGH_TECH)
    assert claim.amount_fen == y("2,240,000.00")


def test_another_institutions_loan_to_the_same_firm_counts_toward_its_3_000_000(
        books, actor) -> None:  # type: ignore[no-untyped-def]
    f.bank(books, actor, "ZYB", "中原银行")
    loss_claim(books, actor, "3,000,000.00", loan_no="A", **HIGH_TECH)
    claim = loss_claim(books, actor, "1,000,000.00", loan_no="A", institution="ZYB",
                       on=D + dt.timedelta(days=1), **HIGH_TECH)
    assert claim.amount_fen == y("800,000.00")


@pytest.mark.parametrize("loss", ["6,250,000.00", "6,250,000.02", "9,000,000.00"])
def test_80_percent_at_or_above_5_000_000_pays_the_per_loan_cap(books, actor, loss) -> None:  # type: ignore[no-untyped-def]
    claim = loss_claim(books, actor, loss)
    cap = steps(claim)[-1]
    assert claim.amount_fen == y("5,000,000.00")
    assert (cap["rule"], cap["limit"], cap["used"], cap["left"]) == (
        "cap_per_loan", "5000000.00", "0.00", "5000000.00")


def test_a_loan_disbursed_while_its_bank_was_suspended_gets_0_with_that_rule_in_the_trace(
        books, actor) -> None:  # type: ignore[no-untyped-def]
    books.s.add(InstitutionMonthRow(period="2024-12", institution_code="ZZB",
                                    outstanding_fen=y("1,000,000"), overdue_fen=y("60,000"),
                                    suspended=True))
    books.s.flush()
    claim = loss_claim(books, actor, "900,000.00")
    assert claim.amount_fen == 0
    last = steps(claim)[-1]
    assert last["rule"] == "institution_active" and last["after"] == "0.00"
    assert "suspended" in last["note"]


def approve_and_pay(uow, actor, claim, on=dt.date(2025, 3, 10)):  # type: ignore[no-untyped-def]
    wf.approve(uow, actor, claim.id, on)
    return wf.pay(uow, actor, claim.id, on)


def test_approving_books_the_payable_and_paying_moves_the_reserves_cash(books, actor) -> None:  # type: ignore[no-untyped-def]
    claim = loss_claim(books, actor, "1,000,000.00")
    wf.approve(books, actor, claim.id, dt.date(2025, 3, 10))
    st = reserve.status(books, dt.date(2025, 3, 31))
    assert (st.balance, st.committed, st.available) == (
        y("10,000,000"), y("800,000"), y("9,200,000"))
    entry = wf.pay(books, actor, claim.id, dt.date(2025, 3, 12))
    st = reserve.status(books, dt.date(2025, 3, 31))
    assert (st.balance, st.committed) == (y("9,200,000"), 0)
    assert claim.status == "paid" and claim.paid_on == dt.date(2025, 3, 12)
    assert entry.idempotency_key == f"claim:{claim.id}:pay"
    assert entry.source_ref.startswith(f"claim:{claim.id} event:{claim.loss_event_id} file:")
    assert "支付损失补偿" in entry.memo
    assert verify_service.verify(books).ok


def test_a_payment_larger_than_the_reserve_is_refused_with_the_shortfall_and_the_payable_kept(
        books, actor, engine) -> None:  # type: ignore[no-untyped-def]
    approve_and_pay(books, actor, loss_claim(books, actor, "6,250,000.00"))
    approve_and_pay(books, actor, loss_claim(books, actor, "750,000.00", loan_no="L3"))
    big = loss_claim(books, actor, "7,000,000.00", loan_no="L2")
    wf.approve(books, actor, big.id, dt.date(2025, 3, 11))
    books.commit()
    with pytest.raises(InsufficientFunds) as info:
        wf.pay(books, actor, big.id, dt.date(2025, 3, 12))
    assert "short by 600,000.00" in str(info.value)
    books.rollback()
    books.s.refresh(big)
    assert big.status == "approved" and big.pay_entry is None
    assert reserve.status(books, dt.date(2025, 3, 31)).committed == y("5,000,000")


def test_a_claim_is_paid_from_the_bank_with_the_most_cash_when_its_own_has_none(
        books, actor) -> None:  # type: ignore[no-untyped-def]
    f.bank(books, actor, "ZYB", "中原银行")
    f.fund_reserve(books, actor, y("20,000,000"), bank_code="ZYB")
    f.bank(books, actor, "GUA", "担保公司", kind="guarantor")
    claim = loss_claim(books, actor, "1,000,000.00", institution="GUA")
    entry = approve_and_pay(books, actor, claim)
    assert {line.account: line.amount for line in entry.lines}["reserve:cash:ZYB"] == -y("800,000")


def test_rejecting_an_approved_claim_reverses_its_approval(books, actor) -> None:  # type: ignore[no-untyped-def]
    claim = loss_claim(books, actor, "1,000,000.00")
    wf.approve(books, actor, claim.id, dt.date(2025, 3, 10))
    wf.reject(books, actor, claim.id, "贷款资料不全", on=dt.date(2025, 3, 20))
    assert claim.status == "rejected" and claim.rejected_reason == "贷款资料不全"
    assert reserve.status(books, dt.date(2025, 3, 31)).committed == 0
    reversal = books.s.query(EntryRow).filter_by(idempotency_key=f"claim:{claim.id}:reject").one()
    assert reversal.reverses == claim.approve_entry
    with pytest.raises(ZkdError, match="is rejected"):
        wf.pay(books, actor, claim.id, dt.date(2025, 3, 21))


def test_a_zero_claim_is_not_approved_but_can_be_rejected(books, actor) -> None:  # type: ignore[no-untyped-def]
    books.s.add(InstitutionMonthRow(period="2024-12", institution_code="ZZB", outstanding_fen=1,
                                    overdue_fen=1, suspended=True))
    claim = loss_claim(books, actor, "900,000.00")
    with pytest.raises(ZkdError, match="computes to 0.00.*reject"):
        wf.approve(books, actor, claim.id, dt.date(2025, 3, 10))
    wf.reject(books, actor, claim.id, "暂停期间发放")
    assert claim.status == "rejected"


def test_a_recovery_before_payment_makes_the_claim_720_000(books, actor) -> None:  # type: ignore[no-untyped-def]
    claim = loss_claim(books, actor, "1,000,000.00")
    loan = books.s.get(LoanRow, claim.loan_id)
    outcome = claims.record_recovery(
        books, actor, f.event(books, actor, loan, "recovery", y("100,000"), dt.date(2025, 3, 5)))
    assert outcome.effect == "claim_lowered" and claim.amount_fen == y("720,000.00")
    assert claim.recovered_before_fen == y("100,000") and claim.loss_fen == y("1,000,000")
    assert steps(claim)[0]["after"] == "900000.00"


def test_a_recovery_after_approval_replaces_the_payable_by_the_lowered_claim(books, actor) -> None:  # type: ignore[no-untyped-def]
    claim = loss_claim(books, actor, "1,000,000.00")
    wf.approve(books, actor, claim.id, dt.date(2025, 3, 10))
    loan = books.s.get(LoanRow, claim.loan_id)
    claims.record_recovery(
        books, actor, f.event(books, actor, loan, "recovery", y("100,000"), dt.date(2025, 3, 15)))
    assert claim.amount_fen == y("720,000") and claim.status == "approved"
    assert reserve.status(books, dt.date(2025, 3, 31)).committed == y("720,000")
    paid = wf.pay(books, actor, claim.id, dt.date(2025, 3, 20))
    assert -sum(line.amount for line in paid.lines if "cash" in line.account) == y("720,000")
    assert verify_service.verify(books).ok


def test_a_recovery_after_payment_makes_40_000_owed_and_its_return_books_the_cash(
        books, actor) -> None:  # type: ignore[no-untyped-def]
    claim = loss_claim(books, actor, "1,000,000.00")
    approve_and_pay(books, actor, claim)
    loan = books.s.get(LoanRow, claim.loan_id)
    outcome = claims.record_recovery(
        books, actor, f.event(books, actor, loan, "recovery", y("50,000"), dt.date(2025, 4, 2)))
    assert outcome.effect == "share_owed" and outcome.share == y("40,000.00")
    ledger = LedgerRepo(books)
    assert ledger.balance("reserve:recovery_receivable:ZZB") == y("40,000")
    assert ledger.balance("reserve:recovery_income") == -y("40,000")
    wf.return_shares(books, actor, claim.id, dt.date(2025, 4, 20))
    assert ledger.balance("reserve:recovery_receivable:ZZB") == 0
    assert ledger.balance("reserve:cash:ZZB") == y("10,000,000") - y("800,000") + y("40,000")
    with pytest.raises(ZkdError, match="no recovery share owed"):
        wf.return_shares(books, actor, claim.id, dt.date(2025, 4, 21))
    assert verify_service.verify(books).ok


def test_recovering_1_400_000_after_a_capped_claim_on_7_000_000_owes_1_000_000_and_never_more_than_paid(
        books, actor) -> None:  # type: ignore[no-untyped-def]
    claim = loss_claim(books, actor, "7,000,000.00")
    approve_and_pay(books, actor, claim)
    loan = books.s.get(LoanRow, claim.loan_id)
    first = claims.record_recovery(
        books, actor, f.event(books, actor, loan, "recovery", y("1,400,000"), dt.date(2025, 4, 2)))
    rest = claims.record_recovery(
        books, actor, f.event(books, actor, loan, "recovery", y("9,000,000"), dt.date(2025, 4, 3)))
    assert first.share == y("1,000,000.00")
    assert rest.share == y("4,000,000.00")  # the rest of the 5,000,000 paid, no more
    assert verify_service.verify(books).ok


def test_verify_names_a_claim_whose_stored_amount_was_raised_above_its_cap(books, actor) -> None:  # type: ignore[no-untyped-def]
    claim = loss_claim(books, actor, "9,000,000.00")
    claim.amount_fen = y("5,000,000.01")
    books.s.flush()
    problems = verify_service.verify(books).problems
    assert any("per-loan cap 5,000,000.00" in p for p in problems), problems


def test_opening_the_claim_of_a_loss_twice_returns_the_same_claim(books, actor) -> None:  # type: ignore[no-untyped-def]
    claim = loss_claim(books, actor, "1,000,000.00")
    event = books.s.get(LoanEventRow, claim.loss_event_id)
    assert claims.open_claim(books, actor, event).id == claim.id


# --- losses filed late with an earlier date (filing order, not date order) ---------

def test_a_loss_filed_late_with_an_earlier_date_counts_the_losses_filed_before_it(
        books, actor) -> None:  # type: ignore[no-untyped-def]
    # A's loss (2,000,000, 10 March) is filed first: 100%. B's (2,000,000, dated
    # 5 March) is filed after it: with A's, the firm's losses are 4,000,000, so 80%.
    # By date, B would have seen no earlier loss and both would get 100%: 4,000,000
    # in full, past the 3,000,000 the rule allows.
    a = loss_claim(books, actor, "2,000,000.00", loan_no="A", on=dt.date(2025, 3, 10),
                   **HIGH_TECH)
    b = loss_claim(books, actor, "2,000,000.00", loan_no="B", on=dt.date(2025, 3, 5),
                   **HIGH_TECH)
    assert (a.amount_fen, b.amount_fen) == (y("2,000,000"), y("1,600,000"))
    assert "4,000,000.00" in steps(b)[-2]["note"]


def henan_books(uow, actor):  # type: ignore[no-untyped-def]
    """henan-2025 active; ZZB held 400,000,000.00 at the end of 2024 (2% = 8,000,000.00)."""
    policies.activate(uow, actor, "henan-2025")
    f.loan(uow, actor, loan_no="OLD", principal=y("400,000,000"), disbursed_on=dt.date(2024, 6, 1),
           enterprise_seq=9)
    return uow


def henan_claim(uow, actor, loan_no: str, loss: str, on: dt.date, *,  # type: ignore[no-untyped-def]
                disbursed_on: dt.date = dt.date(2025, 6, 10)):
    # revenue 50M: henan's 50% tier; a collateral loan
    loan = f.loan(uow, actor, loan_no=loan_no, principal=y("20,000,000"),
                  disbursed_on=disbursed_on, enterprise_seq=len(loan_no) + ord(loan_no[-1]))
    return claims.open_claim(uow, actor, f.event(uow, actor, loan, "loss", y(loss), on))


def test_a_back_dated_loss_under_henan_2025_finds_the_year_s_cap_already_used(
        books, actor) -> None:  # type: ignore[no-untyped-def]
    henan_books(books, actor)
    first = henan_claim(books, actor, "H1", "10,000,000", dt.date(2025, 7, 20))   # 50%: 5,000,000
    # filed second, dated before the first: only 3,000,000 of the 8,000,000 is left
    second = henan_claim(books, actor, "H2", "10,000,000", dt.date(2025, 7, 5))
    assert (first.amount_fen, second.amount_fen) == (y("5,000,000"), y("3,000,000"))
    cap = next(s for s in steps(second) if s["rule"] == "cap_per_institution_year")
    assert (cap["limit"], cap["used"]) == ("8000000.00", "5000000.00")


def test_a_claim_under_the_older_rules_neither_uses_nor_is_held_to_henan_s_yearly_cap(
        books, actor) -> None:  # type: ignore[no-untyped-def]
    henan_books(books, actor)
    # disbursed before 2025-06-01: zhengzhou-2019 rules (新老划断), 80%, no yearly cap
    old = henan_claim(books, actor, "Z1", "10,000,000", dt.date(2025, 7, 1),
                      disbursed_on=dt.date(2025, 5, 31))
    new = henan_claim(books, actor, "H1", "10,000,000", dt.date(2025, 7, 2))
    assert (old.policy_name, old.amount_fen) == ("zhengzhou-2019", y("5,000,000"))
    cap = next(s for s in steps(new) if s["rule"] == "cap_per_institution_year")
    assert cap["used"] == "0.00" and new.amount_fen == y("5,000,000")


def test_verify_names_an_institution_whose_claims_of_a_year_pass_henan_s_yearly_cap(
        books, actor) -> None:  # type: ignore[no-untyped-def]
    henan_books(books, actor)
    first = henan_claim(books, actor, "H1", "10,000,000", dt.date(2025, 7, 20))  # 5,000,000
    second = henan_claim(books, actor, "H2", "10,000,000", dt.date(2025, 7, 21))  # the 3,000,000 left
    assert verify_service.verify(books).ok
    second.amount_fen = y("3,000,000.01")  # changed behind the engine's back
    books.s.flush()
    problems = verify_service.verify(books).problems
    assert any("institution ZZB: claims of 2025 under a yearly cap total 8,000,000.01, above "
               "that cap, 8,000,000.00" in p for p in problems), problems
    assert first.amount_fen == y("5,000,000")
