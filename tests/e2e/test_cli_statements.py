"""``zkd statement`` for a month that has not begun: refused, nothing written."""

from __future__ import annotations

from pathlib import Path


def test_a_statement_of_a_month_that_has_not_begun_is_refused(zkd, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert zkd("init").exit_code == 0
    r = zkd("statement", "2099-05", "-o", str(tmp_path / "st"))
    assert r.exit_code == 1
    assert "2099-05 has not begun" in r.stderr and "nothing to state yet" in r.stderr
    assert not (tmp_path / "st").exists()


def test_a_month_before_the_ledgers_first_close_without_a_close_of_its_own_is_refused(  # type: ignore[no-untyped-def]
        zkd_frozen, tmp_path: Path) -> None:
    zkd = zkd_frozen
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    zkd("reserve", "deposit", "1,000", "--source", "city", "--at", "ZZB", "--on", "2025-01-02",
        "--ref", "CZ-1")
    assert zkd("close", "2025-01").exit_code == 0
    # close says 2024-12 is closed with it; the statement does not call it an open month
    r = zkd("statement", "2024-12", "-o", str(tmp_path / "st"))
    assert r.exit_code == 1
    assert "2024-12 comes before 2025-01, which is closed, and was never closed itself" in r.stderr
    assert not (tmp_path / "st").exists()
    assert zkd("statement", "2025-01", "-o", str(tmp_path / "jan")).exit_code == 0


def test_an_institution_code_in_the_wrong_case_is_told_the_right_one_as_submit_does(  # type: ignore[no-untyped-def]
        zkd_frozen, tmp_path: Path) -> None:
    zkd = zkd_frozen
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    assert zkd("close", "2025-01").exit_code == 0
    r = zkd("statement", "2025-01", "--institution", "zzb", "-o", str(tmp_path / "st"))
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == ["Error: no institution 'zzb'; did you mean ZZB?"]
    r = zkd("statement", "2025-01", "--institution", "XYZ", "-o", str(tmp_path / "st"))
    assert "no institution 'XYZ'; register it with `zkd institution add`" in r.stderr
    assert not (tmp_path / "st").exists()
    # the same lookup wherever an institution is named: the reserve's deposit bank too
    r = zkd("reserve", "deposit", "1,000", "--source", "city", "--at", "zzb",
            "--on", "2025-02-03", "--ref", "CZ-9")
    assert "no institution 'zzb'; did you mean ZZB?" in r.stderr
