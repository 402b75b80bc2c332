"""``zkd statement`` for a closed month refuses an archive that fails its check, naming what failed."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text

from zhengkedai.db.engine import make_engine


@pytest.fixture
def closed(zkd_frozen):  # type: ignore[no-untyped-def]
    zkd = zkd_frozen
    zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank")
    zkd("reserve", "deposit", "1,000", "--source", "city", "--at", "ZZB", "--on", "2025-01-02",
        "--ref", "CZ-1")
    assert zkd("close", "2025-01").exit_code == 0
    return zkd


def _edit_archive(db_url: str, *, with_its_hash: bool) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        content = conn.execute(text("SELECT content FROM statement_archive WHERE period = "
                                    "'2025-01' AND position = 1")).scalar_one()
        forged = content.replace("100000", "900000")
        assert forged != content
        sha = hashlib.sha256(forged.encode()).hexdigest()
        conn.execute(text("UPDATE statement_archive SET content = :c" +
                          (", sha256 = :s" if with_its_hash else "") +
                          " WHERE period = '2025-01' AND position = 1"), {"c": forged, "s": sha})
    engine.dispose()


def test_a_changed_archive_is_refused_and_nothing_is_written(closed, db_url, tmp_path) -> None:
    _edit_archive(db_url, with_its_hash=False)
    out = tmp_path / "out"
    r = closed("statement", "2025-01", "-o", str(out))
    assert r.exit_code == 1
    assert "the statements archived at the close of 2025-01 fail their check" in r.stderr
    assert "statement 2025-01 #1 (reserve) was changed after its month was closed" in r.stderr
    assert not out.exists()


def test_an_archive_changed_with_its_sha256_recomputed_is_refused_too(closed, db_url,
                                                                       tmp_path) -> None:
    _edit_archive(db_url, with_its_hash=True)
    r = closed("statement", "2025-01", "-o", str(tmp_path / "out"))
    assert r.exit_code == 1
    assert "statement_archive 2025-01|1: changed outside zkd" in r.stderr


def test_an_untouched_closed_month_is_written(closed, tmp_path) -> None:
    r = closed("statement", "2025-01", "-o", str(tmp_path / "out"))
    assert r.exit_code == 0, r.output


def test_an_entry_of_the_month_changed_is_refused(closed, db_url, tmp_path) -> None:
    """Writing a closed month's statements recomputes the part of the chain the month
    added (here all of it: the first close), so a changed entry of the month shows."""
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE journal_lines SET amount_fen = amount_fen + 1 "
                          "WHERE entry_seq = 1 AND line_no = 1"))
    engine.dispose()
    out = tmp_path / "out"
    r = closed("statement", "2025-01", "-o", str(out))
    assert r.exit_code == 1
    assert "the statements archived at the close of 2025-01 fail their check" in r.stderr
    assert "ledger: entry #1: does not balance" in r.stderr
    assert "entry #1: content does not match its hash" in r.stderr
    assert not out.exists()
