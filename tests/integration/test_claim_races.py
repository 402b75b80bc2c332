"""Claim and subsidy actions racing each other, each in its own connection (issue 16).

Every action takes the ledger lock first and reads the claim afresh under it,
so whichever runs second sees what the first committed. Each trial opens a
new claim (or subsidy), starts two actions in two threads at once, each with
its own engine and transaction, and then checks the stored result for the
anomalies issue 16 found on PostgreSQL: a paid claim marked rejected, a
payment of the amount a recovery had already lowered, an approval booking
the old amount. SQLite serialises writers with ``BEGIN IMMEDIATE``; it runs
fewer trials, as a check that the same code holds there too.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.conftest import FROZEN
from zhengkedai.context import Actor
from zhengkedai.db.engine import is_sqlite, make_engine
from zhengkedai.db.models import ClaimRow, EntryRow, LineRow, SubsidyRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.money import parse_yuan as y
from zhengkedai.imports.uscc import make_uscc
from zhengkedai.services import policies
from zhengkedai.services.audit import verify as verify_service
from zhengkedai.services.claims import computation as claims
from zhengkedai.services.claims import workflow as wf
from zhengkedai.services.claims.computation import APPROVED, PAID, REJECTED
from zhengkedai.services.files import importing
from zhengkedai.services.funds import budget
from zhengkedai.services.subsidies import workflow as subsidy_wf

LOSS_ON = dt.date(2025, 3, 1)
APPROVE_ON = dt.date(2025, 3, 2)
RECOVERY_ON = dt.date(2025, 3, 3)
PAY_ON = dt.date(2025, 3, 4)
TIMEOUT = 60  # seconds a trial may take before the test fails instead of hanging

Action = Callable[[UnitOfWork, Actor], object]


def trials(engine) -> int:  # type: ignore[no-untyped-def]
    return 8 if is_sqlite(engine) else 50


def clerk(name: str) -> Actor:
    return Actor(operator=name, clock=lambda: FROZEN)


@pytest.fixture
def books(uow, actor):  # type: ignore[no-untyped-def]
    f.bank(uow, actor)
    f.fund_reserve(uow, actor, y("1,000,000,000"))
    policies.load_bundled(uow, actor)
    uow.commit()
    return uow


def race(url: str, first: Action, second: Action) -> list[str]:
    """Run the two actions at once, each in its own thread and connection; say how each ended."""
    outcomes = ["unfinished", "unfinished"]
    barrier = threading.Barrier(2)

    def run(i: int, action: Action) -> None:
        engine = make_engine(url)
        try:
            with UnitOfWork(engine) as uow:
                barrier.wait(TIMEOUT)
                action(uow, clerk(f"clerk{i}"))
                uow.commit()
            outcomes[i] = "done"
        except ZkdError as exc:
            outcomes[i] = f"refused: {exc}"
        except Exception as exc:  # noqa: BLE001 - the test names it below
            outcomes[i] = f"error: {exc!r}"
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate((first, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a racing action did not finish"
    assert not any(o.startswith(("error", "unfinished")) for o in outcomes), outcomes
    return outcomes


def new_claim(uow: UnitOfWork, actor: Actor, n: int, *, approve: bool) -> int:
    loan = f.loan(uow, actor, loan_no=f"R{n}", principal=y("10,000,000"), enterprise_seq=n)
    event = f.event(uow, actor, loan, "loss", y("1,000,000"), LOSS_ON)
    claim = claims.open_claim(uow, actor, event)
    if approve:
        wf.approve(uow, actor, claim.id, APPROVE_ON)
    uow.commit()
    return claim.id


def recovery_file(tmp_path: Path, n: int) -> Path:
    path = tmp_path / f"recovery-{n}.csv"
    path.write_text(f"loan_no,event,occurred_on,amount\nR{n},recovery,{RECOVERY_ON},100000\n",
                    encoding="utf-8")
    return path


def file_recovery(path: Path) -> Action:
    def act(uow: UnitOfWork, actor: Actor) -> None:
        importing.submit(uow, actor, path, institution="ZZB")
    return act


def pay(claim_id: int) -> Action:
    return lambda uow, actor: wf.pay(uow, actor, claim_id, PAY_ON)


def approve(claim_id: int) -> Action:
    return lambda uow, actor: wf.approve(uow, actor, claim_id, APPROVE_ON)


def reject(claim_id: int) -> Action:
    return lambda uow, actor: wf.reject(uow, actor, claim_id, "race", on=PAY_ON)


def booked(uow: UnitOfWork, seq: int | None) -> int:
    """What an entry books, in fen: the sum of its debit lines."""
    assert seq is not None
    return int(uow.s.execute(select(func.sum(LineRow.amount_fen)).where(
        LineRow.entry_seq == seq, LineRow.amount_fen > 0)).scalar_one())


def payable_of(uow: UnitOfWork, claim: ClaimRow) -> int:
    """The claim's payable still booked: approvals less their reversals, for this claim."""
    seqs = select(EntryRow.seq).where(EntryRow.source_ref.like(f"claim:{claim.id} %"))
    total = uow.s.execute(select(func.coalesce(func.sum(LineRow.amount_fen), 0)).where(
        LineRow.entry_seq.in_(seqs),
        LineRow.account_code == f"reserve:compensation_payable:{claim.institution_code}")).scalar_one()
    return -int(total)


def fresh(uow: UnitOfWork, claim_id: int) -> ClaimRow:
    uow.rollback()
    claim = uow.s.get(ClaimRow, claim_id, populate_existing=True)
    assert claim is not None
    return claim


def test_pay_racing_reject_never_leaves_a_paid_claim_marked_rejected(books, actor, db_url,
                                                                     engine) -> None:
    for n in range(trials(engine)):
        claim_id = new_claim(books, actor, n, approve=True)
        outcomes = race(db_url, pay(claim_id), reject(claim_id))
        claim = fresh(books, claim_id)
        assert outcomes.count("done") == 1, (n, outcomes)
        if outcomes[0] == "done":
            assert claim.status == PAID and claim.pay_entry is not None, n
        else:
            assert claim.status == REJECTED and claim.pay_entry is None, n
            assert payable_of(books, claim) == 0, n
    assert verify_service.verify(books).ok


def test_pay_racing_a_recovery_pays_the_claim_s_amount_at_payment(books, actor, db_url, engine,
                                                                  tmp_path) -> None:
    for n in range(trials(engine)):
        claim_id = new_claim(books, actor, n, approve=True)
        outcomes = race(db_url, pay(claim_id), file_recovery(recovery_file(tmp_path, n)))
        assert outcomes == ["done", "done"], (n, outcomes)
        claim = fresh(books, claim_id)
        assert claim.status == PAID, n
        assert booked(books, claim.pay_entry) == claim.amount_fen, n
        # recovery first: 720,000.00 paid; payment first: 800,000.00 paid, 80,000.00 owed back
        assert claim.amount_fen in (y("720,000"), y("800,000")), n
    assert verify_service.verify(books).ok


def test_approve_racing_a_recovery_books_the_lowered_amount(books, actor, db_url, engine,
                                                           tmp_path) -> None:
    for n in range(trials(engine)):
        claim_id = new_claim(books, actor, n, approve=False)
        outcomes = race(db_url, approve(claim_id), file_recovery(recovery_file(tmp_path, n)))
        assert outcomes == ["done", "done"], (n, outcomes)
        claim = fresh(books, claim_id)
        assert claim.status == APPROVED and claim.amount_fen == y("720,000"), n
        assert payable_of(books, claim) == claim.amount_fen, n
    assert verify_service.verify(books).ok


def test_approve_racing_reject_ends_in_one_of_them_and_a_matching_payable(books, actor, db_url,
                                                                         engine) -> None:
    for n in range(trials(engine)):
        claim_id = new_claim(books, actor, n, approve=False)
        outcomes = race(db_url, approve(claim_id), reject(claim_id))
        claim = fresh(books, claim_id)
        assert outcomes[1] == "done", (n, outcomes)  # a submitted or approved claim can be rejected
        assert claim.status == REJECTED, n
        assert payable_of(books, claim) == 0, n
    assert verify_service.verify(books).ok


def test_subsidy_pay_racing_reject_never_leaves_a_paid_subsidy_marked_rejected(
        books, actor, db_url, engine) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.test_subsidies import Filer

    on = actor.today()
    budget.deposit(books, actor, y("100,000,000"), on=on, ref="B1")
    file = Filer(books, actor)
    for n in range(trials(engine)):
        row = file("financing", "100000.00", who=make_uscc("410100", 100 + n), ref=f"S{n}")
        subsidy_wf.approve(books, actor, row.id, on=on)
        books.commit()
        outcomes = race(db_url, lambda u, a, i=row.id: subsidy_wf.pay(u, a, i, on=on),
                        lambda u, a, i=row.id: subsidy_wf.reject(u, a, i, reason="race", on=on))
        assert outcomes.count("done") == 1, (n, outcomes)
        books.rollback()
        stored = books.s.get(SubsidyRow, row.id, populate_existing=True)
        assert stored is not None
        if outcomes[0] == "done":
            assert stored.status == "paid" and stored.reject_entry is None, n
        else:
            assert stored.status == "rejected" and stored.pay_entry is None, n
    assert verify_service.verify(books).ok
