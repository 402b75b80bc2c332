"""Posting to the stored ledger: idempotency, closed months, the cash floor, tampering."""

import datetime as dt
import multiprocessing as mp

import pytest
from sqlalchemy import text

from zhengkedai.context import Actor
from zhengkedai.db.engine import make_engine
from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.db.models import MonthRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain import accounts as acc
from zhengkedai.domain.errors import InsufficientFunds, InvariantViolation
from zhengkedai.domain.ledger import EntryDraft, Line
from zhengkedai.services.audit import verify as verify_service

D = dt.date(2025, 3, 10)


def deposit(amount: int, key: str, day: dt.date = D) -> EntryDraft:
    return EntryDraft(day, "reserve.deposit", "deposit",
                      (Line(acc.reserve_cash("ZZB"), amount),
                       Line(acc.reserve_contribution("city"), -amount)), key)


def payout(amount: int, key: str, day: dt.date = D) -> EntryDraft:
    return EntryDraft(day, "claim.pay", "pay",
                      (Line(acc.account(acc.Fund.RESERVE, "compensation_expense"), amount),
                       Line(acc.reserve_cash("ZZB"), -amount)), key)


def post(engine, draft: EntryDraft, actor: Actor):  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        entry = LedgerRepo(uow).post(draft, actor)
        uow.commit()
        return entry


def test_posted_entries_are_chained_and_record_who_and_when(engine, actor) -> None:
    first = post(engine, deposit(10000, "a"), actor)
    second = post(engine, deposit(5000, "b"), actor)
    assert (first.seq, second.seq) == (1, 2)
    assert second.prev_hash == first.hash
    assert second.operator == "tester"
    assert second.created_at == actor.now()
    with UnitOfWork(engine) as uow:
        assert LedgerRepo(uow).balance(acc.reserve_cash("ZZB")) == 15000
        assert verify_service.verify(uow).ok


def test_the_same_key_with_the_same_content_is_a_no_op(engine, actor) -> None:
    first = post(engine, deposit(10000, "a"), actor)
    again = post(engine, deposit(10000, "a"), actor)
    assert again.seq == first.seq
    with pytest.raises(InvariantViolation, match="other content"):
        post(engine, deposit(20000, "a"), actor)
    with UnitOfWork(engine) as uow:
        assert LedgerRepo(uow).balance(acc.reserve_cash("ZZB")) == 10000


def test_a_payment_beyond_the_cash_is_refused_with_the_shortfall(engine, actor) -> None:
    post(engine, deposit(10000, "a"), actor)
    with pytest.raises(InsufficientFunds, match="short by 0.01"):
        post(engine, payout(10001, "p"), actor)
    post(engine, payout(10000, "p2"), actor)


def test_a_backdated_payment_cannot_overdraw_a_later_day(engine, actor) -> None:
    post(engine, deposit(10000, "a", dt.date(2025, 3, 1)), actor)
    post(engine, payout(8000, "p", dt.date(2025, 3, 20)), actor)
    with pytest.raises(InsufficientFunds):
        post(engine, payout(5000, "q", dt.date(2025, 3, 5)), actor)


def test_a_closed_month_refuses_entries_dated_in_it(engine, actor) -> None:
    with UnitOfWork(engine) as uow:
        uow.s.add(MonthRow(period="2025-03", closed_at=actor.now(), closed_by="x",
                           chain_head="0" * 64, last_seq=0))
        uow.commit()
    with pytest.raises(InvariantViolation, match="2025-03 is closed"):
        post(engine, deposit(100, "a"), actor)
    post(engine, deposit(100, "b", dt.date(2025, 4, 1)), actor)


def test_verify_catches_one_fen_changed_with_raw_sql(engine, actor) -> None:
    post(engine, deposit(10000, "a"), actor)
    post(engine, deposit(20000, "b"), actor)
    post(engine, deposit(30000, "c"), actor)
    with engine.begin() as conn:
        conn.execute(text("UPDATE journal_lines SET amount_fen = amount_fen + 1 "
                          "WHERE entry_seq = 2 AND line_no = 1"))
    with UnitOfWork(engine) as uow:
        report = verify_service.verify(uow)
    assert not report.ok
    assert report.problems[0].startswith("entry #2")


def _pay_in_another_process(url: str, amount: int, key: str, barrier, results) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    barrier.wait()
    try:
        with UnitOfWork(engine) as uow:
            LedgerRepo(uow).post(payout(amount, key), Actor(operator=key))
            uow.commit()
        results.put((key, "paid"))
    except InsufficientFunds:
        results.put((key, "refused"))
    except Exception as exc:  # noqa: BLE001
        results.put((key, f"error: {exc!r}"))
    finally:
        engine.dispose()


def test_two_processes_paying_at_once_cannot_overdraw_the_fund(engine, db_url, actor) -> None:
    post(engine, deposit(10000, "a"), actor)
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_pay_in_another_process,
                         args=(db_url, 7000, f"payer{i}", barrier, results)) for i in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    outcomes = sorted(results.get(timeout=5)[1] for _ in procs)
    assert outcomes == ["paid", "refused"]
    with UnitOfWork(engine) as uow:
        assert LedgerRepo(uow).balance(acc.reserve_cash("ZZB")) == 3000
        assert verify_service.verify(uow).ok
