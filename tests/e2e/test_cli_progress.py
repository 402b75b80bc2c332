"""Progress on a terminal for long work (SPEC 12), and nothing extra when output is not one."""

from __future__ import annotations

import io
import sys
from pathlib import Path

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
