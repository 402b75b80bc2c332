"""Withdrawing a loan or event filed by mistake: kept and marked, counted nowhere, refiled."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests import factories as f
from zhengkedai.db.models import ClaimRow, EntryRow, LoanEventRow, LoanRow
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.money import parse_yuan as y
from zhengkedai.services import portfolio
from zhengkedai.services.audit import verify
from zhengkedai.services.claims import computation as claims
from zhengkedai.services.claims import workflow
from zhengkedai.services.loans import withdrawals
from zhengkedai.services.loans.views import list_loans

MAR = dt.date(2025, 3, 1)


@pytest.fixture
def mistyped_loss(uow, actor):  # type: ignore[no-untyped-def]
    """Loan L1 of 3,000,000.00 with a loss typed as 2,900,000.00 instead of 290,000.00."""
    f.bank(uow, actor)
    f.fund_reserve(uow, actor, y("10,000,000"))
    loan = f.loan(uow, actor, principal=y("3,000,000"))
    f.event(uow, actor, loan, "overdue", y("500,000"), dt.date(2025, 2, 1))
    loss = f.event(uow, actor, loan, "loss", y("2,900,000"), MAR)
    claim = claims.open_claim(uow, actor, loss)
    uow.commit()
    return loan, loss, claim


def test_a_withdrawn_loss_takes_its_unpaid_claim_with_it_and_the_loan_is_whole_again(
        uow, actor, mistyped_loss) -> None:  # type: ignore[no-untyped-def]
    loan, loss, claim = mistyped_loss
    done = withdrawals.withdraw_event(uow, actor, loss.id, "loss typed as 2,900,000")
    uow.commit()
    assert done.claims_withdrawn == [claim.id]
    assert (done.outstanding, done.overdue) == (y("3,000,000"), y("500,000"))
    assert uow.s.get(ClaimRow, claim.id).status == "withdrawn"
    kept = uow.s.get(LoanEventRow, loss.id)
    assert (kept.withdrawn_by, kept.withdrawn_on, kept.withdrawn_reason) == (
        "tester", dt.date(2025, 7, 1), "loss typed as 2,900,000")
    state = portfolio.loan_states(uow, dt.date(2025, 12, 31))[loan.id][1]
    assert (state.outstanding, state.overdue) == (y("3,000,000"), y("500,000"))
    # the right loss can now be filed, and the books still verify
    right = f.event(uow, actor, uow.s.get(LoanRow, loan.id), "loss", y("290,000"), MAR)
    assert claims.open_claim(uow, actor, right).amount_fen == y("232,000")
    uow.commit()
    assert verify.verify(uow).problems == []


def test_an_approved_claim_blocks_the_withdrawal_until_it_is_rejected(
        uow, actor, mistyped_loss) -> None:  # type: ignore[no-untyped-def]
    _, loss, claim = mistyped_loss
    workflow.approve(uow, actor, claim.id, dt.date(2025, 3, 31))
    uow.commit()
    with pytest.raises(ZkdError, match=rf"claim #{claim.id}.*is approved; reject it first"):
        withdrawals.withdraw_event(uow, actor, loss.id, "mistyped")
    uow.rollback()
    workflow.reject(uow, actor, claim.id, "loss mistyped", on=dt.date(2025, 4, 1))
    withdrawals.withdraw_event(uow, actor, loss.id, "mistyped")
    uow.commit()
    assert uow.s.get(ClaimRow, claim.id).status == "rejected"
    assert verify.verify(uow).problems == []


def test_a_paid_claim_stands_and_the_refusal_says_to_recover_the_money(
        uow, actor, mistyped_loss) -> None:  # type: ignore[no-untyped-def]
    loan, loss, claim = mistyped_loss
    workflow.approve(uow, actor, claim.id, dt.date(2025, 3, 31))
    workflow.pay(uow, actor, claim.id, dt.date(2025, 3, 31))
    uow.commit()
    with pytest.raises(ZkdError, match="was paid on 2025-03-31.*recovery-return"):
        withdrawals.withdraw_event(uow, actor, loss.id, "mistyped")
    with pytest.raises(ZkdError, match="recovery-return"):
        withdrawals.withdraw_loan(uow, actor, "L1", "mistyped")


def test_a_withdrawn_loan_keeps_its_row_and_its_number_can_be_filed_again(
        uow, actor, mistyped_loss) -> None:  # type: ignore[no-untyped-def]
    loan, loss, claim = mistyped_loss
    done = withdrawals.withdraw_loan(uow, actor, "L1", "filed twice")
    uow.commit()
    assert done.loan_withdrawn and len(done.events) == 2 and done.claims_withdrawn == [claim.id]
    assert portfolio.by_institution(uow, dt.date(2025, 12, 31)) == {}
    again = f.loan(uow, actor, loan_no="L1", principal=y("1,000,000"))
    uow.commit()
    rows = list_loans(uow, institution="ZZB")
    assert [(r["loan_no"], r["status"], r["withdrawn_reason"]) for r in rows] == [
        ("L1", "withdrawn", "filed twice"), ("L1", "active", None)]
    assert withdrawals.find_loan(uow, "L1").id == again.id
    assert verify.verify(uow).problems == []
    with pytest.raises(IntegrityError):  # two live loans of one number: still refused
        f.loan(uow, actor, loan_no="L1")
    uow.rollback()


def test_a_loss_a_recovery_depends_on_cannot_be_withdrawn_before_the_recovery(
        uow, actor, mistyped_loss) -> None:  # type: ignore[no-untyped-def]
    loan, loss, claim = mistyped_loss
    recovery = f.event(uow, actor, uow.s.get(LoanRow, loan.id), "recovery", y("100,000"),
                       dt.date(2025, 4, 1))
    claims.record_recovery(uow, actor, recovery)
    uow.commit()
    assert uow.s.get(ClaimRow, claim.id).amount_fen == y("2,240,000")
    with pytest.raises(ZkdError, match=f"withdraw event #{recovery.id} first"):
        withdrawals.withdraw_event(uow, actor, loss.id, "mistyped")
    uow.rollback()
    done = withdrawals.withdraw_event(uow, actor, recovery.id, "no recovery yet")
    uow.commit()
    assert done.claims_recomputed[0].after == y("2,320,000")  # 80% of 2,900,000 again
    withdrawals.withdraw_event(uow, actor, loss.id, "mistyped")
    uow.commit()
    assert verify.verify(uow).problems == []


def test_a_recovery_after_payment_withdrawn_reverses_the_share_it_made_owed(
        uow, actor) -> None:  # type: ignore[no-untyped-def]
    f.bank(uow, actor)
    f.fund_reserve(uow, actor, y("10,000,000"))
    loan = f.loan(uow, actor, principal=y("1,000,000"))
    claim = claims.open_claim(uow, actor, f.event(uow, actor, loan, "loss", y("1,000,000"), MAR))
    workflow.approve(uow, actor, claim.id, MAR)
    workflow.pay(uow, actor, claim.id, MAR)
    recovery = f.event(uow, actor, loan, "recovery", y("50,000"), dt.date(2025, 4, 1))
    assert claims.record_recovery(uow, actor, recovery).share == y("40,000")
    uow.commit()
    done = withdrawals.withdraw_event(uow, actor, recovery.id, "recovery of another loan")
    uow.commit()
    reversal = uow.s.get(EntryRow, done.entries[0])
    assert reversal.kind == "reversal:claim.recovery_owed"
    assert reversal.entry_date == dt.date(2025, 7, 1)  # the day of the withdrawal
    with pytest.raises(ZkdError, match="no recovery share owed"):
        workflow.return_shares(uow, actor, claim.id, dt.date(2025, 7, 1))
    assert verify.verify(uow).problems == []


def test_a_later_claim_of_the_same_firm_is_computed_again_without_the_withdrawn_loss(
        uow, actor) -> None:  # type: ignore[no-untyped-def]
    f.bank(uow, actor)
    firm = {"loan_type": "credit", "high_tech": True, "profitable_two_years": True,
            "principal": y("3,000,000")}
    first = f.loan(uow, actor, loan_no="A", **firm)
    second = f.loan(uow, actor, loan_no="B", **firm)
    loss = f.event(uow, actor, first, "loss", y("2,000,000"), MAR)
    claims.open_claim(uow, actor, loss)
    later = claims.open_claim(uow, actor, f.event(uow, actor, second, "loss", y("1,500,000"), MAR))
    assert later.amount_fen == y("1,200,000")  # 3,500,000 in all: past the 100% threshold
    uow.commit()
    done = withdrawals.withdraw_event(uow, actor, loss.id, "not this firm's loss")
    uow.commit()
    assert [(r.claim_id, r.after) for r in done.claims_recomputed] == [(later.id, y("1,500,000"))]
    assert verify.verify(uow).problems == []


def test_verify_names_a_claim_marked_withdrawn_whose_loss_is_still_filed(
        uow, actor, mistyped_loss) -> None:  # type: ignore[no-untyped-def]
    _, loss, claim = mistyped_loss
    uow.s.get(ClaimRow, claim.id).status = "withdrawn"
    uow.commit()
    assert f"claim #{claim.id} is withdrawn, but its loss event #{loss.id} is not" in \
        verify.verify(uow).problems


def test_verify_names_a_withdrawn_event_without_who_when_and_why(
        uow, actor, mistyped_loss) -> None:  # type: ignore[no-untyped-def]
    _, loss, _ = mistyped_loss
    withdrawals.withdraw_event(uow, actor, loss.id, "mistyped")
    uow.commit()
    uow.s.execute(select(LoanEventRow).where(LoanEventRow.id == loss.id)).scalar_one() \
        .withdrawn_reason = None
    uow.commit()
    assert any("withdrawn without saying who" in p for p in verify.verify(uow).problems)


def test_upgrading_a_ledger_with_loans_keeps_them_and_their_events(engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from zhengkedai.db import migrate

    migrate.downgrade(engine, "0002")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO institutions VALUES ('ZZB', '郑州银行', 'bank', "
                          "'2025-01-01 00:00:00', 't')"))
        conn.execute(text("INSERT INTO import_files VALUES (1, 'ZZB', 'loans', 'a.csv', :h, "
                          "'utf-8', 1, '2025-01-01 00:00:00', 't')"), {"h": "0" * 64})
        conn.execute(text(
            "INSERT INTO loans (id, institution_code, loan_no, enterprise_name, credit_code, "
            "revenue_prev_year_fen, high_tech, profitable_two_years, research_cooperation, "
            "loan_type, collateral_value_fen, principal_fen, annual_rate, disbursed_on, "
            "maturity_on, guarantee_fee_fen, outstanding_fen, overdue_fen, file_id, file_row) "
            "VALUES (1, 'ZZB', 'L1', 'x', '91410100MA00000000', 0, false, false, false, "
            "'credit', 0, 100, 3.85, '2025-01-10', '2026-01-10', 0, 100, 0, 1, 2)"))
        conn.execute(text("INSERT INTO loan_events (id, loan_id, event, occurred_on, amount_fen, "
                          "file_id, file_row) VALUES (1, 1, 'repayment', '2025-02-01', 40, 1, 3)"))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT loan_no, withdrawn_at FROM loans")).all() == [
            ("L1", None)]
        assert conn.execute(text("SELECT amount_fen FROM loan_events")).scalar() == 40


def test_a_recovery_share_may_be_returned_in_parts_and_verify_adds_them_up(uow, actor) -> None:  # type: ignore[no-untyped-def]
    claim = uow.claims.get(f.paid_claim_with_recovery(uow, actor, on=MAR))
    uow.commit()
    on = dt.date(2025, 5, 1)
    with pytest.raises(ZkdError, match="40,000.00 is owed to the reserve; 40,000.01 is more"):
        workflow.return_shares(uow, actor, claim.id, on, amount=y("40,000.01"))
    first = workflow.return_shares(uow, actor, claim.id, on, amount=y("15,000"))
    uow.commit()
    assert workflow.owed_on(uow, claim.id) == y("25,000") and verify.verify(uow).problems == []
    last = workflow.return_shares(uow, actor, claim.id, dt.date(2025, 6, 1))
    uow.commit()
    assert [sum(ln.amount for ln in e.lines if ln.amount > 0) for e in first + last] == [
        y("15,000"), y("25,000")]
    assert workflow.owed_on(uow, claim.id) == 0 and verify.verify(uow).problems == []
    from sqlalchemy import text

    uow.s.execute(text("UPDATE recovery_shares SET returned_fen = 100"))
    uow.commit()
    assert any("return entries" in p for p in verify.verify(uow).problems)
