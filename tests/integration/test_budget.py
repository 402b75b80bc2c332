"""The subsidy budget: deposits, approve / reject / pay, a refused payment, and verify's cap check."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from tests.integration.test_subsidies import Filer
from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.db.models import SubsidyRow
from zhengkedai.domain.errors import InsufficientFunds, ZkdError
from zhengkedai.domain.money import parse_yuan
from zhengkedai.services.audit import caps as audit_caps
from zhengkedai.services.audit import verify
from zhengkedai.services.funds import budget
from zhengkedai.services.subsidies import applications as subsidies
from zhengkedai.services.subsidies import workflow as subsidy_workflow

D = dt.date


def y(text: str) -> int:
    return parse_yuan(text)


@pytest.fixture
def filer(uow, actor) -> Filer:  # type: ignore[no-untyped-def]
    return Filer(uow, actor)


def test_a_subsidy_is_committed_when_approved_and_leaves_the_cash_when_paid(
        filer, actor) -> None:
    uow = filer.uow
    budget.deposit(uow, actor, y("1000000.00"), on=D(2025, 1, 3), ref="CZ-3")
    row = filer("financing", "500000.00")  # 150,000.00
    s = subsidy_workflow.approve(uow, actor, row.id, on=D(2025, 7, 2))
    assert s.status == "approved" and s.approved_on == D(2025, 7, 2) and s.decided_by == "tester"
    st = budget.status(uow, D(2025, 7, 31))
    assert (st.balance, st.committed, st.available) == (
        y("1000000.00"), y("150000.00"), y("850000.00"))
    entry = LedgerRepo(uow).entry(row.approve_entry)
    assert entry.idempotency_key == f"subsidy:{row.id}:approve"
    assert entry.source_ref == f"subsidy:{row.id} file:{row.file_id} row:2"
    assert {(line.account, line.amount) for line in entry.lines} == {
        ("budget:subsidy_expense:financing", y("150000.00")),
        ("budget:subsidy_payable", -y("150000.00"))}
    assert entry.memo.startswith("批准融资补助")
    subsidy_workflow.pay(uow, actor, row.id, on=D(2025, 7, 10))
    st = budget.status(uow, D(2025, 7, 31))
    assert (st.balance, st.committed, st.available, st.paid) == (
        y("850000.00"), 0, y("850000.00"), y("150000.00"))
    assert subsidies.show(uow, row.id).status == "paid"
    assert verify.verify(uow).ok


def test_a_payment_the_budget_cannot_cover_is_refused_with_the_shortfall_and_stays_approved(
        filer, actor, engine) -> None:
    uow = filer.uow
    budget.deposit(uow, actor, y("100000.00"), on=D(2025, 1, 3))
    row = filer("financing", "500000.00")
    subsidy_workflow.approve(uow, actor, row.id, on=D(2025, 7, 2))
    uow.commit()
    with pytest.raises(InsufficientFunds, match=r"stays approved.*short by 50,000\.00"):
        subsidy_workflow.pay(uow, actor, row.id, on=D(2025, 7, 10))
    uow.rollback()
    assert subsidies.show(uow, row.id).status == "approved"
    assert budget.status(uow, D(2025, 7, 31)).committed == y("150000.00")
    budget.deposit(uow, actor, y("50000.00"), on=D(2025, 7, 10))
    assert subsidy_workflow.pay(uow, actor, row.id, on=D(2025, 7, 10)).status == "paid"
    assert budget.status(uow, D(2025, 7, 31)).balance == 0


def test_rejecting_an_approved_subsidy_reverses_the_approval(filer, actor) -> None:
    uow = filer.uow
    row = filer("financing", "500000.00")
    subsidy_workflow.approve(uow, actor, row.id, on=D(2025, 7, 2))
    s = subsidy_workflow.reject(uow, actor, row.id, reason="重复申报", on=D(2025, 7, 3))
    assert s.status == "rejected" and s.rejected_reason == "重复申报"
    assert s.rejected_on == D(2025, 7, 3) and row.reject_entry == row.approve_entry + 1
    assert budget.status(uow, D(2025, 7, 31)).committed == 0
    reversal = LedgerRepo(uow).entry(row.approve_entry + 1)
    assert reversal.reverses == row.approve_entry
    assert reversal.idempotency_key == f"subsidy:{row.id}:reject"
    assert "撤销批准" in reversal.memo and "重复申报" in reversal.memo
    with pytest.raises(ZkdError, match="is rejected"):
        subsidy_workflow.pay(uow, actor, row.id)


def test_a_paid_subsidy_cannot_be_rejected_and_a_zero_one_cannot_be_approved(
        filer, actor) -> None:
    uow = filer.uow
    budget.deposit(uow, actor, y("2000000.00"), on=D(2025, 1, 3))
    full = filer("financing", "4000000.00", ref="R1")
    empty = filer("financing", "1.00", ref="R2")
    subsidy_workflow.approve(uow, actor, full.id, on=D(2025, 7, 2))
    subsidy_workflow.pay(uow, actor, full.id, on=D(2025, 7, 2))
    with pytest.raises(ZkdError, match="is paid; rejecting needs it submitted or approved"):
        subsidy_workflow.reject(uow, actor, full.id, reason="x")
    with pytest.raises(ZkdError, match="is 0.00 .* reject it instead"):
        subsidy_workflow.approve(uow, actor, empty.id)
    with pytest.raises(ZkdError, match="needs a reason"):
        subsidy_workflow.reject(uow, actor, empty.id, reason=" ")


def test_verify_names_a_beneficiary_whose_approved_subsidies_pass_the_yearly_cap(
        filer, actor) -> None:
    uow = filer.uow
    a = filer("financing", "3000000.00", ref="R1")  # 900,000.00
    b = filer("financing", "3000000.00", ref="R2")  # 100,000.00
    subsidy_workflow.approve(uow, actor, a.id, on=D(2025, 7, 2))
    subsidy_workflow.approve(uow, actor, b.id, on=D(2025, 7, 2))
    assert audit_caps.check_caps(uow) == []
    uow.s.execute(update(SubsidyRow).where(SubsidyRow.id == b.id)
                  .values(amount_fen=y("100000.01")))
    assert audit_caps.check_caps(uow) == [
        f"financing subsidies to {a.beneficiary} for 2025 total 1,000,000.01 approved or paid,"
        " above the cap 1,000,000.00"]


def test_the_register_of_a_month_holds_what_was_filed_approved_paid_or_rejected_in_it(
        filer, actor) -> None:
    uow = filer.uow
    budget.deposit(uow, actor, y("1000000.00"), on=D(2025, 1, 3))
    a = filer("financing", "100.00", ref="R1")  # filed 2025-07-01 (the frozen clock)
    b = filer("financing", "100.00", ref="R2")
    subsidy_workflow.approve(uow, actor, a.id, on=D(2025, 8, 5))
    subsidy_workflow.pay(uow, actor, a.id, on=D(2025, 9, 1))
    subsidy_workflow.reject(uow, actor, b.id, reason="x", on=D(2025, 9, 2))
    ids = [[s.id for s in subsidies.register(uow, D(2025, m, 1), D(2025, m, 28))]
           for m in (6, 7, 8, 9)]
    assert ids == [[], [a.id, b.id], [a.id], [a.id, b.id]]


def test_a_subsidy_cannot_be_approved_before_it_was_filed(filer, actor) -> None:
    uow = filer.uow
    row = filer("financing", "500000.00")
    with pytest.raises(ZkdError, match=f"was filed on {row.submitted_on}; it cannot be approved"):
        subsidy_workflow.approve(uow, actor, row.id, on=row.submitted_on - dt.timedelta(days=1))
    assert subsidy_workflow.approve(uow, actor, row.id, on=row.submitted_on).status == "approved"
