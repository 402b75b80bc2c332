"""Progress on a terminal for long work (SPEC 12), and nothing extra when output is not one."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from zhengkedai.db.engine import make_engine
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.services.audit import verify as verify_service
from zhengkedai.services.statements import packs
from zhengkedai_cli.progress import TerminalProgress

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
LABELS = ("Reading", "Statements of", "Verifying")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _terminal(monkeypatch) -> _Terminal:  # type: ignore[no-untyped-def]
    # in the test itself: pytest sets its own sys.stderr between a fixture and the test
    screen = _Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    return screen


def test_on_a_terminal_a_bar_counts_up_to_its_end_and_ends_its_line(monkeypatch) -> None:
    terminal = _terminal(monkeypatch)
    with TerminalProgress("Reading loans.csv", 1000) as bar:
        for _ in range(3):
            bar.add(500)  # an estimate that fell short stops at the end
    shown = terminal.getvalue()
    assert "Reading loans.csv" in shown and "100%" in shown and shown.endswith("\n")


def test_on_a_terminal_work_of_unknown_size_shows_the_count_so_far(monkeypatch) -> None:
    terminal = _terminal(monkeypatch)
    with TerminalProgress("Reading loans.xlsx") as bar:
        bar.add(500)
        bar.add(120)
    assert "620" in terminal.getvalue()


def test_without_a_terminal_a_bar_writes_nothing(monkeypatch) -> None:
    screen = io.StringIO()  # a pipe or a log file
    monkeypatch.setattr(sys, "stderr", screen)
    with TerminalProgress("Verifying the ledger") as bar:
        assert not bar.enabled
        bar.at(1, 11)
        bar.add(5)
    assert screen.getvalue() == ""


def _institutions(zkd) -> None:  # type: ignore[no-untyped-def]
    for code, name, kind in (("ZZB", "郑州银行", "bank"), ("ZYB", "中原银行", "bank"),
                             ("ZZDB", "郑州担保", "guarantor")):
        assert zkd("institution", "add", code, "--name", name, "--kind", kind).exit_code == 0


def test_statements_and_verify_report_each_document_and_check_done(zkd_frozen, db_url) -> None:
    _institutions(zkd_frozen)
    assert zkd_frozen("submit", str(SAMPLES / "2025-01_ZZB_loans.csv"), "--institution",
                      "ZZB").exit_code == 0
    from zhengkedai.context import Actor

    documents: list[tuple[int, int]] = []
    checks: list[tuple[int, int]] = []
    engine = make_engine(db_url)
    with UnitOfWork(engine) as uow:
        pack = packs.build_pack(uow, Actor(operator="clerk"), "2025-01",
                                progress=lambda done, total: documents.append((done, total)))
        verify_service.verify(uow, progress=lambda done, total: checks.append((done, total)))
    engine.dispose()
    # neither the manifest nor an institution's loan-list attachment is a statement document
    n = len([name for name in pack.files
             if not name.endswith("_manifest.json") and not name.endswith("_loans.csv")])
    assert documents == [(i, n) for i in range(1, n + 1)]
    total = 1 + len(verify_service.CHECKS)
    assert checks == [(i, total) for i in range(1, total + 1)]


def test_submit_statement_and_verify_print_no_progress_when_output_is_not_a_terminal(
        zkd_frozen, tmp_path) -> None:
    zkd = zkd_frozen
    _institutions(zkd)
    runs = [zkd("submit", str(SAMPLES / "2025-01_ZZB_loans.csv"), "--institution", "ZZB"),
            zkd("submit", str(SAMPLES / "2025-02_ZYB_loans.xlsx"), "--institution", "ZYB",
                "--dry-run"),
            zkd("statement", "2025-01", "-o", str(tmp_path / "out")),
            zkd("verify")]
    assert [r.exit_code for r in runs] == [0, 0, 0, 0], [r.stderr for r in runs]
    for r in runs:
        for label in LABELS:
            assert label not in r.output and label not in r.stderr, (label, r.output, r.stderr)
        assert "\r" not in r.output + r.stderr and "%" not in r.stderr


# -- zkd submit: progress by bytes read ----------------------------------------------------

def _loans_file(tmp_path: Path, rows: int, xlsx: bool = False) -> Path:
    from .test_cli_submit import LOAN_HEAD, loan_line

    lines = [LOAN_HEAD] + [loan_line(f"P{i:05d}", i % 50 + 1) for i in range(rows)]
    if not xlsx:
        path = tmp_path / "loans.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
        return path
    import csv

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("贷款台账")
    for row in csv.reader(lines):
        ws.append(row)
    path = tmp_path / "loans.xlsx"
    wb.save(path)
    return path


def _bar_reports(monkeypatch) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """What the submit's bar is told, as if standard error were a terminal."""
    import zhengkedai_cli.progress as progress

    seen: list[tuple[int, int]] = []
    monkeypatch.setattr(progress, "on_terminal", lambda: True)
    monkeypatch.setattr(TerminalProgress, "at", lambda self, done, total: seen.append((done, total)))
    return seen


@pytest.mark.parametrize(("xlsx", "in_child"), [(False, False), (False, True), (True, True)])
def test_on_a_terminal_submit_shows_the_bytes_read_up_to_the_file_size(
        zkd, tmp_path, monkeypatch, xlsx, in_child) -> None:
    from zhengkedai.imports import prefetch

    # read in the process that shows the bar, or in a reader forked from it (large files)
    monkeypatch.setattr(prefetch, "MIN_BYTES", 0 if in_child else 1 << 60)
    monkeypatch.setattr(prefetch.os, "cpu_count", lambda: 2)
    path = _loans_file(tmp_path, 2500, xlsx)
    size = path.stat().st_size
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    seen = _bar_reports(monkeypatch)
    r = zkd("submit", str(path), "--institution", "ZZB", "--dry-run")
    assert r.exit_code == 0, r.stderr
    # told as the rows are read (no first pass to count them), in bytes of the file
    assert {total for _, total in seen} == {size}
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == size
    if not in_child:  # a forked reader may be through a small file before the first batch is written
        assert done[0] < size
    assert "rows a second" not in r.stderr  # the bar, not the line for logs


def test_without_a_terminal_submit_says_rows_and_rows_a_second_on_stderr(zkd, tmp_path,
                                                                          monkeypatch) -> None:
    import re

    path = _loans_file(tmp_path, 1200)
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    r = zkd("submit", str(path), "--institution", "ZZB", "--dry-run")
    assert r.exit_code == 0, r.stderr
    assert re.search(r"^read 1,200 rows in \d+\.\d s \([\d,]+ rows a second\)$", r.stderr, re.M)
    assert "rows a second" not in r.stdout  # standard output stays the command's own
    lines = r.stderr.splitlines()
    how = next(i for i, line in enumerate(lines) if ": read as CSV" in line)
    fast = next(i for i, line in enumerate(lines) if "rows a second" in line)
    assert how < fast  # how the file was read, then how fast
    monkeypatch.setenv("ZKD_LANG", "zh")
    bad = tmp_path / "bad.csv"
    bad.write_text(path.read_text(encoding="utf-8-sig").replace(",3.85,", ",abc,", 1),
                   encoding="utf-8-sig")
    r = zkd("submit", str(bad), "--institution", "ZZB")
    assert r.exit_code == 2
    assert re.search(r"^已读 1,200 行，用时 \d+\.\d 秒（每秒 [\d,]+ 行）$", r.stderr, re.M)
    assert r.stderr.strip().splitlines()[-1].startswith("错误")  # the refusal still ends it


def test_without_a_terminal_a_file_already_accepted_is_not_read_and_says_no_rows(
        zkd, tmp_path) -> None:
    path = _loans_file(tmp_path, 30)
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    assert "rows a second" in zkd("submit", str(path), "--institution", "ZZB").stderr
    for again in ([], ["--dry-run"]):  # known by its SHA-256 before a row is read
        r = zkd("submit", str(path), "--institution", "ZZB", *again)
        assert r.exit_code == 0, r.stderr
        assert "already accepted" in r.stdout
        assert "rows a second" not in r.stderr and "read as CSV" in r.stderr
