"""Rows for tests that need loans, events and institutions without going through a file.

The import service is tested through files; claims, subsidies, closes and
statements tests use these to build a state in a few lines.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from zhengkedai.context import Actor
from zhengkedai.db.models import ImportFileRow, LoanEventRow, LoanRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.claims import Claim
from zhengkedai.domain.loans import EventType, LoanState, apply_event
from zhengkedai.imports.uscc import make_uscc
from zhengkedai.services import institutions
from zhengkedai.services.funds import reserve


def bank(uow: UnitOfWork, actor: Actor, code: str = "ZZB", name: str = "郑州银行",
         kind: str = "bank") -> str:
    institutions.add(uow, actor, code, name, kind)
    return code


def fund_reserve(uow: UnitOfWork, actor: Actor, amount: int, *, bank_code: str = "ZZB",
                 on: dt.date = dt.date(2025, 1, 2), ref: str | None = None) -> None:
    reserve.deposit(uow, actor, amount, source="city", bank=bank_code, on=on, ref=ref)


def _file(uow: UnitOfWork, actor: Actor, filer: str, kind: str) -> ImportFileRow:
    n = uow.s.query(ImportFileRow).count() + 1
    row = ImportFileRow(filer=filer, kind=kind, filename=f"factory-{n}.csv",
                        sha256=f"{n:064x}", encoding="utf-8", row_count=1,
                        accepted_at=actor.now(), operator=actor.operator)
    uow.s.add(row)
    uow.s.flush()
    return row


def loan(uow: UnitOfWork, actor: Actor, *, institution: str = "ZZB", loan_no: str = "L1",
         principal: int = 100_000_000, loan_type: str = "collateral",
         disbursed_on: dt.date = dt.date(2025, 1, 10), enterprise_seq: int = 1,
         credit_code: str | None = None, revenue: int = 5_000_000_000, high_tech: bool = False,
         profitable_two_years: bool = False, research_cooperation: bool = False,
         collateral_value: int = 0, guarantor_code: str | None = None,
         guarantee_fee: int = 0) -> LoanRow:
    """A filed loan; amounts in fen (default principal 1,000,000.00, revenue 50M)."""
    f = _file(uow, actor, institution, "loans")
    row = LoanRow(
        institution_code=institution, loan_no=loan_no,
        enterprise_name=f"测试科技有限公司{enterprise_seq}",
        credit_code=credit_code or make_uscc("410100", enterprise_seq),
        district="金水区", revenue_prev_year_fen=revenue, high_tech=high_tech,
        profitable_two_years=profitable_two_years, research_cooperation=research_cooperation,
        loan_type=loan_type, collateral_value_fen=collateral_value, principal_fen=principal,
        annual_rate=Decimal("3.85"), disbursed_on=disbursed_on,
        maturity_on=disbursed_on.replace(year=disbursed_on.year + 1),
        guarantor_code=guarantor_code, guarantee_fee_fen=guarantee_fee,
        outstanding_fen=principal, overdue_fen=0, file_id=f.id, file_row=2,
    )
    uow.s.add(row)
    uow.s.flush()
    return row


def event(uow: UnitOfWork, actor: Actor, loan_row: LoanRow, kind: str, amount: int,
          on: dt.date) -> LoanEventRow:
    """A post-loan event, with the loan's running state moved as the import service does."""
    f = _file(uow, actor, loan_row.institution_code, "events")
    state = apply_event(LoanState(loan_row.outstanding_fen, loan_row.overdue_fen,
                                  loan_row.principal_fen - loan_row.outstanding_fen),
                        EventType(kind), amount)
    loan_row.outstanding_fen, loan_row.overdue_fen = state.outstanding, state.overdue
    row = LoanEventRow(loan_id=loan_row.id, event=kind, occurred_on=on, amount_fen=amount,
                       note=None, file_id=f.id, file_row=2)
    uow.s.add(row)
    uow.s.flush()
    return row


def claim_before_a_suspending_close(uow: UnitOfWork, actor: Actor, clock) -> Claim:  # type: ignore[no-untyped-def]
    """ZZB with January and February closed and an overdue level that will suspend it
    at March's close (from 1 April); a loan S7 disbursed on 15 April, whose loss
    claim (40,000,000 fen at 80%, ZZB active so far) is approved on 22 April, the
    clock at 25 April — all before March is closed."""
    from zhengkedai.services import closing, policies
    from zhengkedai.services.claims import computation as claims
    from zhengkedai.services.claims import workflow as wf

    bank(uow, actor)
    fund_reserve(uow, actor, 100_000_000, on=dt.date(2025, 1, 2))
    policies.load_bundled(uow, actor)
    old = loan(uow, actor, loan_no="A", principal=100_000_000, disbursed_on=dt.date(2025, 1, 5))
    event(uow, actor, old, "overdue", 10_000_000, dt.date(2025, 3, 20))
    clock.now = dt.datetime(2025, 3, 1, 9)
    closing.close_month(uow, actor, "2025-01")
    closing.close_month(uow, actor, "2025-02")
    late = loan(uow, actor, loan_no="S7", principal=50_000_000, disbursed_on=dt.date(2025, 4, 15),
                enterprise_seq=2)
    claim = claims.open_claim(uow, actor, event(uow, actor, late, "loss", 50_000_000,
                                                dt.date(2025, 4, 20)))
    clock.now = dt.datetime(2025, 4, 25, 9)
    return wf.approve(uow, actor, claim.id, dt.date(2025, 4, 22))


def claim_on_a_loss(engine, loss: int, *, reserve: int | None = None) -> None:  # type: ignore[no-untyped-def]
    """ZZB (with ``reserve`` in its reserve account, if given) and a loan L1 of 10,000,000.00
    whose loss of ``loss`` fen on 1 March 2025 opened claim 1; committed."""
    from zhengkedai.services.claims import computation as claims

    actor = Actor(operator="bank-import")
    with UnitOfWork(engine) as uow:
        bank(uow, actor)
        if reserve is not None:
            fund_reserve(uow, actor, reserve)
        l1 = loan(uow, actor, loan_no="L1", principal=1_000_000_000)
        claims.open_claim(uow, actor, event(uow, actor, l1, "loss", loss, dt.date(2025, 3, 1)))
        uow.commit()


def paid_claim_with_recovery(uow: UnitOfWork, actor: Actor, *, on: dt.date = dt.date(2025, 3, 1)
                             ) -> int:
    """ZZB with 10,000,000.00 in its reserve account, a loan of 1,000,000.00 lost in full on
    ``on``, its claim (80%: 800,000.00) approved and paid that day, and a recovery of
    50,000.00 on 1 April 2025 after payment (the reserve's share owed: 40,000.00); the
    claim's id. Not committed."""
    from zhengkedai.services.claims import computation as claims
    from zhengkedai.services.claims import workflow as wf

    bank(uow, actor)
    fund_reserve(uow, actor, 1_000_000_000)
    lost = loan(uow, actor, principal=100_000_000)
    claim = claims.open_claim(uow, actor, event(uow, actor, lost, "loss", 100_000_000, on))
    wf.approve(uow, actor, claim.id, on)
    wf.pay(uow, actor, claim.id, on)
    claims.record_recovery(uow, actor, event(uow, actor, lost, "recovery", 5_000_000,
                                             dt.date(2025, 4, 1)))
    return claim.id
