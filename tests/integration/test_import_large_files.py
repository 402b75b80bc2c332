"""Large loans files: read in a second process, written a batch at a time, same outcome.

A file of more than ``prefetch.MIN_BYTES`` is read and validated in a child
process while this one writes (``imports.prefetch``); a batch that can break
no rule but "already filed" is written at once, in a savepoint, and checked
row by row only when the database refuses it (``services.importing``). Both
are speed-ups, so what a clerk sees must not change: the same rows stored, the
same errors in the same order, nothing written when the file is rejected.
Every test here runs each file both ways and on both databases.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from zhengkedai.context import Actor
from zhengkedai.db.models import ImportFileRow, LoanRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.imports import prefetch
from zhengkedai.imports.readers import FileRejected
from zhengkedai.imports.uscc import make_uscc
from zhengkedai.services import institutions
from zhengkedai.services.files import importing

HEAD = ("贷款编号,企业名称,统一社会信用代码,所属区县,上年度营业收入,高新技术企业,连续两年盈利,"
        "产学研合作,贷款类型,抵质押物评估值,贷款金额,年利率,放款日期,到期日期,担保机构,担保费")
TYPES = ("信用", "知识产权质押", "抵押", "担保", "保证保险")


def line(no: str, seq: int, *, guarantor: str = "ZZDB", day: str | None = None,
         principal: str | None = None) -> str:
    kind = TYPES[seq % 5]
    guaranteed = kind == "担保"
    return ",".join([
        no, f"测试科技有限公司{seq % 7}", make_uscc("410100", 1 + seq % 7), "金水区",
        f"\"{10_000_000 + seq % 7:,}\"", "是" if seq % 2 else "否", "否", "是" if seq % 3 else "否",
        kind, "0" if kind != "抵押" else "\"2,000,000\"",
        principal or f"\"{100_000 + seq * 10:,}\"", ("3.85", "4.2%", "3.45")[seq % 3],
        day or f"2025-{1 + seq % 6:02d}-{1 + seq % 28:02d}", "2026-12-31",
        guarantor if guaranteed else "", "\"12,300\"" if guaranteed else ""])


def write(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join([HEAD, *lines]) + "\n", encoding="utf-8-sig")
    return path


@pytest.fixture
def registered(engine, actor):  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        institutions.add(uow, actor, "ZZB", "郑州银行", "bank")
        institutions.add(uow, actor, "ZZDB", "郑州担保", "guarantor")
        uow.commit()
    return engine


def stored(uow: UnitOfWork) -> list[tuple[Any, ...]]:
    """Every stored loan, in insertion order, without its id and file id (PostgreSQL's
    sequences do not roll back, so a second run numbers them on from the first)."""
    columns = [c for c in LoanRow.__table__.columns  # type: ignore[attr-defined]
               if c.name not in ("id", "file_id")]
    return [tuple(r) for r in uow.s.execute(select(*columns).order_by(LoanRow.id))]


def submit(engine, actor: Actor, path: Path, *, in_child: bool,  # type: ignore[no-untyped-def]
           monkeypatch: pytest.MonkeyPatch, commit: bool = False
           ) -> tuple[importing.SubmitResult | importing.FileHasErrors, list[tuple[Any, ...]]]:
    """Submit ``path`` read in a child process or not; the outcome and the loans stored.

    Without ``commit`` the transaction is rolled back, so the next run starts
    from the same books.
    """
    monkeypatch.setattr(prefetch, "MIN_BYTES", 0 if in_child else 1 << 60)
    assert prefetch.worth_it(path) is in_child
    with UnitOfWork(engine) as uow:
        try:
            outcome: Any = importing.submit(uow, actor, path, institution="ZZB")
        except importing.FileHasErrors as exc:
            outcome = exc
        rows = stored(uow)
        if commit:
            uow.commit()
        else:
            uow.rollback()
    return outcome, rows


def loan_count(engine) -> int:  # type: ignore[no-untyped-def]
    with UnitOfWork(engine) as uow:
        return uow.s.execute(select(func.count()).select_from(LoanRow)).scalar_one()


def test_a_clean_file_read_in_a_second_process_stores_exactly_the_same_rows(
        registered, actor, tmp_path, monkeypatch) -> None:
    path = write(tmp_path, "big.csv", [line(f"ZZB-{i:05d}", i) for i in range(1, 2501)])
    child, child_rows = submit(registered, actor, path, in_child=True, monkeypatch=monkeypatch)
    here, here_rows = submit(registered, actor, path, in_child=False, monkeypatch=monkeypatch)
    assert isinstance(child, importing.SubmitResult) and isinstance(here, importing.SubmitResult)
    assert child.rows == here.rows == 2500
    assert len(child_rows) == 2500 and child_rows == here_rows
    file_row = [c.name for c in LoanRow.__table__.columns  # type: ignore[attr-defined]
                if c.name not in ("id", "file_id")].index("file_row")
    assert child_rows[0][1] == "ZZB-00001" and child_rows[-1][file_row] == 2501


def test_a_rejected_file_gets_the_same_errors_either_way_and_nothing_is_written(
        registered, actor, tmp_path, monkeypatch) -> None:
    # filed last month: two of its loan numbers come back in batches 2 and 3
    earlier = write(tmp_path, "earlier.csv", [line("OLD-1", 1), line("OLD-2", 2)])
    submit(registered, actor, earlier, in_child=False, monkeypatch=monkeypatch, commit=True)
    lines = [line(f"N{i}", i) for i in range(1, 3001)]
    lines[1200] = line("OLD-1", 1201)           # file row 1202: already filed
    lines[2400] = line("N5", 2401)              # file row 2402: repeats row 6, two batches on
    lines[2500] = line("OLD-2", 2501)           # file row 2502
    lines[2700] = line("N2701", 2703, guarantor="NOBODY")   # a type 3 row: 担保
    lines[2900] = line("N2901", 2901, day="2025-02-30")
    path = write(tmp_path, "bad.csv", lines)

    child, _ = submit(registered, actor, path, in_child=True, monkeypatch=monkeypatch)
    here, _ = submit(registered, actor, path, in_child=False, monkeypatch=monkeypatch)
    assert isinstance(child, importing.FileHasErrors) and isinstance(here, importing.FileHasErrors)
    assert child.errors == here.errors
    found = [(e.row, e.message) for e in child.errors]
    assert found == [
        (1202, "loan OLD-1 was already filed by ZZB (in earlier.csv, row 2)"),
        (2402, "loan number N5 repeats row 6 of this file"),
        (2502, "loan OLD-2 was already filed by ZZB (in earlier.csv, row 3)"),
        (2702, "NOBODY is not a registered guarantor"),
        (2902, child.errors[-1].message),
    ]
    assert "2025-02-30" in child.errors[-1].value
    assert loan_count(registered) == 2  # only the earlier file's


def test_a_file_that_breaks_off_mid_way_says_where_either_way(
        registered, actor, tmp_path, monkeypatch) -> None:
    lines = [line(f"C{i}", i) for i in range(1, 2001)]
    lines[1500] = line("C1501", 1501).replace("金水区", "金" * 200_000)  # beyond csv's field limit
    path = write(tmp_path, "broken.csv", lines)
    messages = []
    for in_child in (True, False):
        with pytest.raises(FileRejected) as caught:
            submit(registered, actor, path, in_child=in_child, monkeypatch=monkeypatch)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert "broken.csv: row 1502: not readable as CSV" in messages[0]
    assert loan_count(registered) == 0


def test_a_batch_refused_by_the_unique_index_is_undone_before_it_is_checked(
        registered, actor, tmp_path, monkeypatch) -> None:
    # batch 1 is written optimistically; batch 2's first row repeats it, so
    # its write is refused and rolled back to the savepoint, then checked row
    # by row: the other 999 rows are written, batch 3 goes on as before
    lines = [line(f"S{i}", i) for i in range(1, 2801)]
    lines[1000] = line("S10", 1001)
    path = write(tmp_path, "sp.csv", lines)
    monkeypatch.setattr(prefetch, "MIN_BYTES", 1 << 60)
    with UnitOfWork(registered) as uow:
        with pytest.raises(importing.FileHasErrors) as caught:
            importing.submit(uow, actor, path, institution="ZZB")
        assert [(e.row, e.message) for e in caught.value.errors] == [
            (1002, "loan number S10 repeats row 11 of this file")]
        numbers = [r[1] for r in stored(uow)]
        assert len(numbers) == 2799 and numbers.count("S10") == 1
        assert numbers[1000] == "S1002"  # in file order, the refused row left out
        uow.rollback()
    assert loan_count(registered) == 0
    with UnitOfWork(registered) as uow:
        assert uow.s.execute(select(func.count()).select_from(ImportFileRow)).scalar_one() == 0
