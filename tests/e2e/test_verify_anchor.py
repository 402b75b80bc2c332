"""``zkd verify --anchor ENTRY_NO:HASH``: the chain must still pass through a head printed earlier."""

from __future__ import annotations

import json

import pytest

from tests import tampering
from zhengkedai.db.engine import make_engine


@pytest.fixture
def anchored(zkd_frozen, tmp_path):  # type: ignore[no-untyped-def]
    """January closed at entry #2; its trial balance's anchor; a third entry after it."""
    zkd = zkd_frozen
    zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank")
    for day, ref in (("2025-01-02", "CZ-1"), ("2025-01-03", "CZ-2")):
        assert zkd("reserve", "deposit", "1,000", "--source", "city", "--at", "ZZB",
                   "--on", day, "--ref", ref).exit_code == 0
    assert zkd("close", "2025-01").exit_code == 0
    assert zkd("reserve", "deposit", "5", "--source", "city", "--at", "ZZB", "--on",
               "2025-02-03", "--ref", "CZ-3").exit_code == 0
    out = tmp_path / "json"
    assert zkd("statement", "2025-01", "--format", "json", "-o", str(out)).exit_code == 0
    doc = json.loads((out / "2025-01_trial_balance.json").read_text(encoding="utf-8"))
    chain = next(s for s in doc["sections"] if s["key"] == "chain")["values"]
    manifest = json.loads((out / "2025-01_manifest.json").read_text(encoding="utf-8"))
    assert chain["anchor"] == manifest["chain"]["anchor"]
    return zkd, chain


def test_the_closed_months_trial_balance_prints_the_head_and_its_entry_number(anchored) -> None:
    _, chain = anchored
    assert chain["head_entry"] == 2
    assert chain["anchor"] == f"2:{chain['chain_head']}"


def test_the_chain_passes_through_the_anchor_of_an_earlier_statement(anchored) -> None:
    zkd, chain = anchored
    r = zkd("verify", "--anchor", chain["anchor"])
    assert r.exit_code == 0, r.output
    assert f"anchor: the chain passes through entry #2 {chain['chain_head']}" in r.output


def test_a_history_rewritten_with_every_hash_recomputed_misses_the_anchor(anchored,
                                                                          db_url) -> None:
    zkd, chain = anchored
    engine = make_engine(db_url)
    tampering.rewrite_history(engine, seq=1, line_no=1, delta=-100)
    engine.dispose()
    assert zkd("verify").exit_code == 0  # by itself, without a key, the ledger looks whole
    r = zkd("verify", "--anchor", chain["anchor"])
    assert r.exit_code == 1
    assert "anchor #2" in r.stderr and "the history up to it was rewritten" in r.stderr


def test_entries_dropped_back_past_the_anchor_are_caught(anchored, db_url) -> None:
    zkd, chain = anchored
    engine = make_engine(db_url)
    tampering.drop_last_entries(engine, 2)
    engine.dispose()
    r = zkd("verify", "--anchor", chain["anchor"])
    assert r.exit_code == 1 and "the journal has no entry #2" in r.stderr


def test_an_anchor_that_is_not_entry_and_hash_is_refused(anchored) -> None:
    zkd, _ = anchored
    r = zkd("verify", "--anchor", "2:abc")
    assert r.exit_code == 1
    assert "is not ENTRY_NO:HASH" in r.stderr
