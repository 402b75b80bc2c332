"""``zkd statement`` for a month that has not begun: refused, nothing written."""

from __future__ import annotations

from pathlib import Path


def test_a_statement_of_a_month_that_has_not_begun_is_refused(zkd, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert zkd("init").exit_code == 0
    r = zkd("statement", "2099-05", "-o", str(tmp_path / "st"))
    assert r.exit_code == 1
    assert "2099-05 has not begun" in r.stderr and "nothing to state yet" in r.stderr
    assert not (tmp_path / "st").exists()
