"""`zkd verify` names records changed behind the journal's back (services.verify_records).

Each test builds the same small, clean book through the services — a paid
claim with a recovery share returned, a submitted claim, a paid subsidy, loans
with events, three closed months — changes one thing with raw SQL, as someone
with the database file could, and checks that verify names it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from tests import factories as f
from zhengkedai.db.models import ImportFileRow
from zhengkedai.domain.money import parse_yuan as y
from zhengkedai.imports.records import SubsidyRecord
from zhengkedai.imports.uscc import make_uscc
from zhengkedai.services import closing, policies
from zhengkedai.services.audit import verify as verify_service
from zhengkedai.services.claims import computation as claims
from zhengkedai.services.claims import workflow as wf
from zhengkedai.services.funds import budget
from zhengkedai.services.subsidies import applications as subsidies
from zhengkedai.services.subsidies import workflow as subsidy_workflow


@dataclass(frozen=True)
class Book:
    """The ids a test tampers with (plain values: the rows themselves would reload)."""

    paid: int  # claim: 800,000.00 on loan L1's loss of 1,000,000.00, paid; 40,000.00 share returned
    approval: int  # its approval entry
    payment: int  # its payment entry
    loss: int  # its loss event
    submitted: int  # claim on loan L3, not yet decided
    subsidy: int  # financing, 30,000.00, paid
    loan: int  # L2: 2,000,000.00 less a repayment of 500,000.00
    overdue: int  # L1's overdue event


@pytest.fixture
def book(uow, actor, clock) -> Book:  # type: ignore[no-untyped-def]
    f.bank(uow, actor)
    f.fund_reserve(uow, actor, y("10,000,000"))
    policies.load_bundled(uow, actor)
    budget.deposit(uow, actor, y("2,000,000"), on=dt.date(2025, 1, 3))
    l1 = f.loan(uow, actor, loan_no="L1", principal=y("10,000,000"))
    overdue = f.event(uow, actor, l1, "overdue", y("1,000,000"), dt.date(2025, 1, 20))
    paid = claims.open_claim(uow, actor, f.event(uow, actor, l1, "loss", y("1,000,000"),
                                                 dt.date(2025, 2, 10)))
    wf.approve(uow, actor, paid.id, dt.date(2025, 2, 20))
    wf.pay(uow, actor, paid.id, dt.date(2025, 2, 25))
    claims.record_recovery(uow, actor, f.event(uow, actor, l1, "recovery", y("50,000"),
                                               dt.date(2025, 3, 5)))
    wf.return_shares(uow, actor, paid.id, dt.date(2025, 3, 10))
    l2 = f.loan(uow, actor, loan_no="L2", principal=y("2,000,000"), enterprise_seq=2)
    f.event(uow, actor, l2, "repayment", y("500,000"), dt.date(2025, 2, 15))
    l3 = f.loan(uow, actor, loan_no="L3", principal=y("1,000,000"), enterprise_seq=3)
    submitted = claims.open_claim(uow, actor, f.event(uow, actor, l3, "loss", y("300,000"),
                                                      dt.date(2025, 3, 20)))
    file = ImportFileRow(filer="", kind="subsidies", filename="subsidies.csv", sha256="5" * 64,
                         encoding="utf-8", row_count=1, accepted_at=actor.now(),
                         operator=actor.operator)
    uow.s.add(file)
    uow.s.flush()
    record = SubsidyRecord.model_validate({
        "kind": "financing", "beneficiary": make_uscc("410100", 7), "basis": y("100,000"),
        "period": 2025, "reference": "R1"})
    subsidy = subsidies.file_subsidy(uow, actor, record, file_id=file.id, file_row=2,
                                      submitted_on=dt.date(2025, 3, 24))
    subsidy_workflow.approve(uow, actor, subsidy.id, on=dt.date(2025, 3, 25))
    subsidy_workflow.pay(uow, actor, subsidy.id, on=dt.date(2025, 3, 26))
    for period in ("2025-01", "2025-02", "2025-03"):
        closing.close_month(uow, actor, period)
    uow.commit()
    return Book(paid.id, paid.approve_entry, paid.pay_entry, paid.loss_event_id,  # type: ignore[arg-type]
                submitted.id, subsidy.id, l2.id, overdue.id)


def tamper(uow, sql: str, **params: object) -> list[str]:  # type: ignore[no-untyped-def]
    """Run ``sql`` as someone with the database would, then what verify finds."""
    uow.s.execute(text(sql), params)
    uow.s.expire_all()
    return verify_service.verify(uow).problems


def named(problems: list[str], *parts: str) -> bool:
    return any(all(part in p for part in parts) for p in problems)


def test_the_clean_book_passes(uow, book) -> None:  # type: ignore[no-untyped-def]
    report = verify_service.verify(uow)
    assert report.ok, report.problems


# --- claims -----------------------------------------------------------------

def test_a_paid_claim_set_back_to_submitted_is_named_with_its_payment_and_approval(
        uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update claims set status = 'submitted' where id = :id",
                      id=book.paid)
    assert named(problems, f"claim #{book.paid} (loan L1): submitted, but entry "
                           f"#{book.payment} paid it on 2025-02-25"), problems
    assert named(problems, f"claim #{book.paid}", f"approval entry #{book.approval}"
                 " is not reversed"), problems


def test_a_submitted_claim_marked_paid_has_no_payment_in_the_journal(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update claims set status = 'paid', paid_on = '2025-03-31' "
                           "where id = :id", id=book.submitted)
    assert named(problems, f"claim #{book.submitted} (loan L3)",
                 "the journal's payments of it are none"), problems
    assert named(problems, f"claim #{book.submitted}", "live approvals in the journal are none")


def test_a_claim_approved_by_hand_without_an_entry_is_named(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update claims set status = 'approved' where id = :id",
                      id=book.submitted)
    assert named(problems, f"claim #{book.submitted}", "approved with approval entry #None",
                 "are none"), problems


def test_a_rejected_claim_whose_approval_stands_is_named(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update claims set status = 'rejected', rejected_reason = 'x' "
                           "where id = :id", id=book.paid)
    assert named(problems, f"claim #{book.paid}", "rejected, but entry"), problems
    assert named(problems, "rejected at 800,000.00", "is not reversed"), problems


def test_a_paid_claim_s_payment_date_moved_is_named(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update claims set paid_on = '2025-02-26' where id = :id",
                      id=book.paid)
    assert named(problems, "paid on 2025-02-26, but its payment entry",
                 "is dated 2025-02-25"), problems


def test_a_claim_whose_loss_event_was_changed_is_named(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update loan_events set amount_fen = 1 where id = :id",
                      id=book.loss)
    assert named(problems, f"claim #{book.paid} (loan L1): loss 1,000,000.00, but its loss "
                           f"event #{book.loss} is a loss of 0.01"), problems


def test_a_claim_moved_to_another_loss_event_is_named_by_its_entries(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update claims set loss_event_id = :other where id = :id",
                      id=book.paid, other=book.overdue)
    assert named(problems, f"claim #{book.paid}", f"cites event #{book.loss}, "
                 f"not its loss event #{book.overdue}"), problems
    assert named(problems, f"its loss event #{book.overdue} is a overdue"), problems


def test_a_recovery_share_lowered_after_its_return_is_named(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update recovery_shares set share_fen = 100 where claim_id = :id",
                      id=book.paid)
    assert named(problems, "recovery share", "1.00, but its owed entry", "books 40,000.00"), problems


# --- subsidies ----------------------------------------------------------------

def test_a_paid_subsidy_whose_amount_was_lowered_is_named_by_its_entries(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update subsidies set amount_fen = 1 where id = :id", id=book.subsidy)
    assert named(problems, f"subsidy #{book.subsidy} (financing", "0.01, but its approval entry",
                 "books 30,000.00 on budget:subsidy_expense:financing"), problems
    assert named(problems, "0.01, but its payment entry", "pays 30,000.00"), problems


def test_a_paid_subsidy_set_back_to_submitted_is_named(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update subsidies set status = 'submitted' where id = :id",
                      id=book.subsidy)
    assert named(problems, f"subsidy #{book.subsidy}", "submitted, but entry",
                 "paid it on 2025-03-26"), problems
    assert named(problems, "submitted at 30,000.00, but its approval entry"), problems


def test_a_paid_subsidy_marked_rejected_is_named_for_its_approval_never_reversed(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update subsidies set status = 'rejected', rejected_reason = 'x' "
                           "where id = :id", id=book.subsidy)
    assert named(problems, "rejected at 30,000.00", "is not reversed"), problems
    assert named(problems, "rejected with entry #None", "reversals of its approval are none")


def test_a_subsidy_s_payment_date_moved_is_named(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update subsidies set paid_on = '2025-03-31' where id = :id",
                      id=book.subsidy)
    assert named(problems, "paid on 2025-03-31, but its payment entry",
                 "dated 2025-03-26"), problems


def test_a_subsidy_moved_to_another_file_row_is_named_by_its_entries(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update subsidies set file_row = 9 where id = :id", id=book.subsidy)
    assert named(problems, f"subsidy #{book.subsidy}", "row:2, but the subsidy is",
                 "row:9"), problems


def test_a_submitted_subsidy_above_rate_times_basis_is_named(uow, book) -> None:  # type: ignore[no-untyped-def]
    # no entry fixes a submitted subsidy's amount: its policy's rate × basis bounds it
    problems = tamper(uow, "update subsidies set status = 'submitted', approve_entry = null, "
                           "pay_entry = null, amount_fen = 3000001 where id = :id",
                      id=book.subsidy)
    assert named(problems, "30,000.01 is outside what zhengzhou-2019/",
                 "on a basis of 100,000.00: 0.00–30,000.00"), problems


# --- loans and their events -----------------------------------------------------

def test_a_loan_whose_stored_outstanding_was_changed_is_named_against_its_events(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update loans set outstanding_fen = outstanding_fen + 1 where id = :id",
                      id=book.loan)
    assert named(problems, "loan L2 of ZZB: stored outstanding 1,500,000.01 and overdue 0.00, "
                           "but its principal 2,000,000.00 and events give 1,500,000.00 and 0.00"
                 ), problems


def test_a_loan_with_a_misdated_event_and_a_changed_state_is_named_for_both(uow, book) -> None:  # type: ignore[no-untyped-def]
    """The replay names the event (only its loans' events are replayed again to word it)
    and still holds the loan's stored state against what its events give."""
    uow.s.execute(text("update loans set outstanding_fen = outstanding_fen + 1 where id = :id"),
                  {"id": book.loan})
    problems = tamper(uow, "update loan_events set occurred_on = '2000-01-03' "
                           "where loan_id = :id and event = 'repayment'", id=book.loan)
    assert named(problems, "loan L2 of ZZB: event #", "is dated 2000-01-03, before the "
                 "disbursement or the event filed before it"), problems
    assert named(problems, "loan L2 of ZZB: stored outstanding 1,500,000.01"), problems


def test_an_event_the_rule_refuses_is_named_and_its_loan_replayed_no_further(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update loan_events set amount_fen = 300000000 "
                           "where loan_id = :id and event = 'repayment'", id=book.loan)
    assert named(problems, "loan L2 of ZZB: event #", "(repayment 3,000,000.00 on",
                 "cannot follow the events filed before it"), problems
    assert not named(problems, "loan L2 of ZZB: stored outstanding"), problems


def test_a_changed_loss_is_named_on_its_loan_as_well_as_its_claim(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update loan_events set amount_fen = 1 where id = :id", id=book.loss)
    assert named(problems, "loan L1 of ZZB: stored outstanding 9,000,000.00",
                 "events give 9,999,999.99"), problems


def test_a_deleted_repayment_is_named_on_its_loan(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "delete from loan_events where loan_id = :id", id=book.loan)
    assert named(problems, "loan L2 of ZZB: stored outstanding 1,500,000.00",
                 "events give 2,000,000.00"), problems


def test_an_event_moved_before_the_disbursement_is_named(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update loan_events set occurred_on = '2025-01-01' where loan_id = :id",
                      id=book.loan)
    assert named(problems, "loan L2 of ZZB: event", "is dated 2025-01-01, before the "
                 "disbursement or the event filed before it (2025-01-10)"), problems


def test_a_loss_turned_into_a_repayment_leaves_its_claim_named(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update loan_events set event = 'repayment' where id = :id",
                      id=book.loss)
    assert named(problems, f"claim #{book.paid}", f"loss event #{book.loss} is a repayment"), \
        problems
    # the replay then refuses the recovery that only a loss allowed
    assert named(problems, "loan L1 of ZZB", "cannot follow the events filed before it: "
                 "a recovery needs a confirmed loss on the loan first"), problems


def test_an_overdue_turned_into_a_loss_is_named_for_having_no_claim(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update loan_events set event = 'loss' where id = :id",
                      id=book.overdue)
    assert named(problems, f"loan L1 of ZZB: loss event #{book.overdue} has no claim"), problems


# --- closed months ------------------------------------------------------------------

def test_a_deleted_close_between_two_closed_months_is_named(uow, book) -> None:  # type: ignore[no-untyped-def]
    # its kept statements go first: the foreign key would refuse the month's deletion
    uow.s.execute(text("delete from statement_archive where period = '2025-02'"))
    problems = tamper(uow, "delete from months where period = '2025-02'")
    assert named(problems, "month 2025-02 is not closed, but months before and after it are "
                           "(2025-01 to 2025-03): its close was deleted"), problems


def test_statements_kept_for_a_month_whose_close_was_deleted_are_named(uow, book, engine) -> None:  # type: ignore[no-untyped-def]
    # Foreign keys keep a month with kept statements from deletion; someone with
    # the database's own rights can still switch them off, as here.
    if engine.dialect.name == "sqlite":
        uow.s.execute(text("PRAGMA defer_foreign_keys = ON"))  # as the sqlite3 shell allows
    else:
        uow.s.execute(text("SET LOCAL session_replication_role = replica"))  # a superuser's
    problems = tamper(uow, "delete from months where period = '2025-03'")
    assert named(problems, "month 2025-03: the statements of its close are kept, but the month "
                           "has no close"), problems


def test_a_month_whose_chain_head_was_changed_is_named(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update months set chain_head = :h where period = '2025-02'",
                      h="0" * 64)
    assert named(problems, "month 2025-02: chain head 000000000000… at its close is not entry #",
                 "hash"), problems


def test_an_entry_posted_into_a_month_reopened_and_closed_again_by_hand_is_named(
        uow, actor, book) -> None:  # type: ignore[no-untyped-def]
    month = uow.s.execute(text("select closed_at, closed_by, chain_head, last_seq from months "
                               "where period = '2025-03'")).one()
    uow.s.execute(text("delete from statement_archive where period = '2025-03'"))
    uow.s.execute(text("delete from months where period = '2025-03'"))
    f.fund_reserve(uow, actor, y("1,000"), on=dt.date(2025, 3, 20), ref="late")
    problems = tamper(uow, "insert into months (period, closed_at, closed_by, chain_head, "
                           "last_seq) values ('2025-03', :at, :by, :head, :seq)",
                      at=month.closed_at, by=month.closed_by, head=month.chain_head,
                      seq=month.last_seq)
    assert named(problems, f"month 2025-03 was closed at entry #{month.last_seq}, but entries "
                           f"#{month.last_seq + 1} dated in it were posted after"), problems


def test_the_latest_close_deleted_is_named_by_the_claim_it_adjusted(uow, actor, clock) -> None:  # type: ignore[no-untyped-def]
    """March's close suspended the bank from 1 April and reversed the approval of a
    claim on an April loan: the journal keeps that, so deleting the close shows."""
    f.claim_before_a_suspending_close(uow, actor, clock)
    closing.close_month(uow, actor, "2025-03")
    assert verify_service.verify(uow).ok
    uow.s.execute(text("delete from statement_archive where period = '2025-03'"))
    problems = tamper(uow, "delete from months where period = '2025-03'")
    assert named(problems, "month 2025-03: entry #", "adjusts a claim at its close, but the "
                           "month has no close"), problems


# --- files ----------------------------------------------------------------------------

def test_a_deleted_loan_and_its_events_are_named_by_the_files_that_held_them(uow, book) -> None:  # type: ignore[no-untyped-def]
    uow.s.execute(text("delete from loan_events where loan_id = :id"), {"id": book.loan})
    problems = tamper(uow, "delete from loans where id = :id", id=book.loan)
    assert named(problems, "1 rows accepted, but only 0 loans cite it"), problems
    assert named(problems, "1 rows accepted, but only 0 events cite it"), problems


def test_a_loan_moved_onto_another_file_s_row_is_named(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update loans set file_id = (select file_id from loans "
                           "where loan_no = 'L3') where id = :id", id=book.loan)
    assert named(problems, ": 2 loans cite only 1 distinct rows of it"), problems
    assert named(problems, "1 rows accepted, but only 0 loans cite it"), problems
    assert named(problems, "1 rows accepted, but 2 loans cite it"), problems  # the other file


def test_an_event_moved_into_a_loans_file_is_named(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update loan_events set file_id = (select file_id from loans "
                           "where id = :id) where loan_id = :id", id=book.loan)
    assert named(problems, "a loans file, but 1 events cite it"), problems


def test_a_file_given_to_another_filer_is_named(uow, book) -> None:  # type: ignore[no-untyped-def]
    problems = tamper(uow, "update import_files set filer = 'ZYB' where id = (select file_id "
                           "from loans where id = :id)", id=book.loan)
    assert named(problems, "filed by ZYB, but 1 loans in it are ZZB's"), problems
    problems = tamper(uow, "update import_files set filer = 'ZZB' where kind = 'subsidies'")
    assert named(problems, "subsidies.csv): filed by ZZB, but 1 subsidies in it are staff's"), \
        problems


def test_a_submitted_claim_raised_from_80_to_100_percent_with_its_digest_recomputed_is_named(
        uow, book) -> None:  # type: ignore[no-untyped-def]
    from zhengkedai.db import digests
    from zhengkedai.db.models import ClaimRow

    assert verify_service.verify(uow).ok
    uow.s.execute(text("UPDATE claims SET amount_fen = loss_fen WHERE id = :id"),
                  {"id": book.submitted})
    claims_cov = digests.BY_CLASS[ClaimRow]
    # as an insider who read the recipe would
    digests.store(uow.s.connection(), claims_cov, ClaimRow.id == book.submitted)
    uow.s.expire_all()
    problems = verify_service.verify(uow).problems
    assert named(problems, f"claim #{book.submitted}", "300,000.00",
                 "its stored policy and inputs give 240,000.00"), problems


def test_verify_names_a_tampered_claim_in_chinese_by_default(
        uow, book, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name in ("ZKD_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    problems = tamper(uow, "update loan_events set amount_fen = 1 where id = :id", id=book.loss)
    assert named(problems, f"补偿申请 #{book.paid}（贷款 L1）：损失 1,000,000.00 元，"
                           f"但其损失事件 #{book.loss} 是贷款 #", "的损失确认 0.01 元"), problems
    assert not named(problems, "claim #"), problems
