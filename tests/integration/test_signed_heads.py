"""Signed chain heads catch what recomputed hashes hide: a rewritten history, an entry slipped in
after a seal, the last entries dropped. On both databases, with tests/tampering.py's insider."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories as f
from tests.tampering import append_forged_entry, drop_last_entries, rewrite_history
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.services import signing
from zhengkedai.services.audit import verify as verify_service


@pytest.fixture
def sealed(engine, actor, clock, signing_dir):  # type: ignore[no-untyped-def]
    """Three entries (the bank's reserve funded twice), a test key, the head sealed on
    2026-02-01: after the forged entry's claimed posting time of 2026-01-15."""
    keys = signing.KeyFolder(signing_dir)
    with UnitOfWork(engine) as uow:
        f.bank(uow, actor)
        f.fund_reserve(uow, actor, 1_000_000_000)
        f.fund_reserve(uow, actor, 500_000_000, ref="CZ-2")
        signing.init_test_key(uow, actor, keys)
        clock.now = dt.datetime(2026, 2, 1, 9)
        row = signing.seal(uow, actor, keys)
        uow.commit()
        assert verify_service.verify(uow).ok
    return row.seq


def _problems(engine) -> list[str]:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        return verify_service.verify(uow).problems


def test_a_history_rewritten_with_every_hash_recomputed_misses_the_signed_head(
        engine, sealed) -> None:
    rewrite_history(engine, seq=1, line_no=1, delta=100)
    problems = _problems(engine)
    assert any(f"entry #{sealed}'s hash is now" in p and "rewritten" in p for p in problems), \
        problems


def test_a_forged_entry_slipped_in_after_the_seal_is_named(engine, sealed) -> None:
    append_forged_entry(engine, amount=100_000_000, cash="reserve:cash:ZZB",
                        other="reserve:contribution:city")
    problems = _problems(engine)
    assert any(f"entry #{sealed + 1} comes after the head signed at entry #{sealed}" in p
               for p in problems), problems


def test_the_head_moving_past_the_last_signed_head_is_fine(engine, sealed, actor) -> None:
    with UnitOfWork(engine) as uow:
        f.fund_reserve(uow, actor, 100_000, ref="CZ-3")
        uow.commit()
    assert _problems(engine) == []


def test_dropping_the_last_entries_back_before_the_signed_head_is_named(engine, sealed) -> None:
    drop_last_entries(engine, 1)
    problems = _problems(engine)
    assert any(f"the journal has no entry #{sealed}" in p for p in problems), problems


def test_a_signed_head_whose_hash_was_edited_with_sql_fails_its_signature(
        engine, sealed) -> None:
    from sqlalchemy import text

    with UnitOfWork(engine) as uow:
        uow.s.execute(text("UPDATE signed_heads SET head_hash = :h"), {"h": "ab" * 32})
        uow.commit()
    problems = _problems(engine)
    assert any("its signature does not verify" in p for p in problems), problems
