"""Hostile and careless files end in acceptance or a clean refusal, on both databases.

Never an internal error (exit 3), never a traceback, and a refusal changes
nothing. The shapes are those of issue 16: control and invisible
characters, foreign digit forms, spellings SPEC 2 does not list, formula
text, re-saved files, spreadsheets that hide or attack. A corpus of such
files is kept in tests/data/fuzz/; hypothesis puts the same pieces anywhere
in a valid row.
"""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from zhengkedai.db.engine import make_engine
from zhengkedai.db.models import (
    ClaimRow,
    EntryRow,
    ImportFileRow,
    LoanEventRow,
    LoanRow,
    SubsidyRow,
)
from zhengkedai.db.uow import UnitOfWork

from .test_cli_submit import EVENT_HEAD, LOAN_HEAD, loan_line, write

CORPUS = Path(__file__).resolve().parents[1] / "data" / "fuzz"
PIECES = ["\x00", "\u200b", "\u200d", "\ufeff", "\u202e", "\u00b9", "\u2460", "\u0967", "\uff11",
          "\u3000", "=", "+", "-", "@", "#N/A", "#DIV/0!", "\t", "\r", "\n", '"', ",", " ",
          "合计", ".", "¥", "RMB", "e5", "０", "\ud7ff", "\U0001f600", "/", "年"]


def state(db_url: str) -> tuple[int, ...]:
    engine = make_engine(db_url)
    try:
        with UnitOfWork(engine) as uow:
            return tuple(uow.s.execute(select(func.count()).select_from(t)).scalar_one()
                         for t in (ImportFileRow, LoanRow, LoanEventRow, ClaimRow, SubsidyRow,
                                   EntryRow))
    finally:
        engine.dispose()


def check(result, before: tuple[int, ...], after: tuple[int, ...]) -> str:  # type: ignore[no-untyped-def]
    """'accepted' or 'refused', after asserting that either is clean."""
    out = result.output + result.stderr
    assert result.exit_code in (0, 1, 2), out
    assert "Traceback" not in out and "internal error" not in out, out
    if result.exit_code == 0:
        return "accepted"
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: ") and "\n" not in last, out
    assert after == before, f"a refusal changed the ledger: {out}"
    return "refused"


@pytest.fixture
def clerk(zkd_frozen, tmp_path):  # type: ignore[no-untyped-def]
    """ZZB, with loan SEED and its repayment of 100.00 on 2025-02-01 filed."""
    zkd = zkd_frozen
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    seed = write(tmp_path, "seed.csv", LOAN_HEAD + "\n" + loan_line("SEED", 1) + "\n")
    assert zkd("submit", str(seed), "--institution", "ZZB").exit_code == 0
    event = write(tmp_path, "seed_events.csv", EVENT_HEAD + "\nSEED,还款,2025-02-01,100,\n")
    assert zkd("submit", str(event), "--institution", "ZZB").exit_code == 0
    return zkd


REFUSED = {"loans_nul_in_loan_no.csv", "loans_zero_width_in_loan_no.csv",
           "loans_bom_inside_a_cell.csv", "loans_bidi_mark_in_name.csv",
           "loans_superscript_amount.csv", "loans_circled_digit_amount.csv",
           "loans_devanagari_date.csv", "loans_plus_amount.csv", "loans_rmb_amount.csv",
           "loans_excel_error.csv", "loans_mixed_date.csv", "loans_future_disbursement.csv",
           "events_resaved_crlf.csv", "events_nul_in_note.csv", "utf16.csv",
           "not_a_workbook.xlsx"}


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir()))
def test_every_file_of_the_corpus_is_accepted_or_cleanly_refused(clerk, db_url, name) -> None:
    before = state(db_url)
    result = clerk("submit", str(CORPUS / name), "--institution", "ZZB")
    outcome = check(result, before, state(db_url))
    assert outcome == ("refused" if name in REFUSED else "accepted"), result.stderr


def _workbook(tmp_path: Path, shape: str) -> Path:
    import openpyxl
    from openpyxl.chart import BarChart, Reference

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "visible"
    for row in csv.reader(io.StringIO(LOAN_HEAD + "\n" + loan_line("XV", 2) + "\n")):
        ws.append(row)
    if shape == "hidden first":
        hidden = wb.create_sheet("hidden", 0)
        hidden.sheet_state = "veryHidden"
        for row in csv.reader(io.StringIO(LOAN_HEAD + "\n" + loan_line("XH", 3) + "\n")):
            hidden.append(row)
    elif shape == "chart first":
        chart = wb.create_chartsheet("chart", 0)
        bars = BarChart()
        bars.add_data(Reference(ws, min_col=11, min_row=1, max_row=2))
        chart.add_chart(bars)
    path = tmp_path / ("saved_as.csv" if shape == "named csv" else f"{shape}.xlsx")
    wb.save(path)
    return path


@pytest.mark.parametrize("shape", ["hidden first", "chart first", "named csv"])
def test_workbooks_that_hide_or_mislabel_are_read_by_their_visible_sheet(
        clerk, db_url, tmp_path, shape) -> None:
    before = state(db_url)
    result = clerk("submit", str(_workbook(tmp_path, shape)), "--institution", "ZZB")
    assert check(result, before, state(db_url)) == "accepted", result.stderr
    assert state(db_url)[1] == before[1] + 1  # XV only, never the hidden XH


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["loans", "events"]), column=st.integers(0, 15),
       at=st.integers(0, 12), piece=st.sampled_from(PIECES),
       encoding=st.sampled_from(["utf-8-sig", "utf-8", "gb18030"]), crlf=st.booleans())
def test_a_hostile_piece_anywhere_in_a_row_is_accepted_or_cleanly_refused(
        clerk, db_url, tmp_path, kind, column, at, piece, encoding, crlf) -> None:
    n = next(_counter)
    if kind == "loans":
        head, line = LOAN_HEAD, loan_line(f"H{n}", n % 30 + 2)
    else:
        head, line = EVENT_HEAD, f"SEED,还款,2025-03-{n % 28 + 1:02d},{n + 1},note {n}"
    cells = next(csv.reader([line]))
    column %= len(cells)
    cells[column] = cells[column][:at] + piece + cells[column][at:]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n" if crlf else "\n").writerows(
        [head.split(","), cells])
    path = tmp_path / f"fuzz_{n}.csv"
    try:
        path.write_bytes(buffer.getvalue().encode(encoding))
    except UnicodeEncodeError:  # a lone surrogate: no encoding a bank uses can hold it
        return
    before = state(db_url)
    check(clerk("submit", str(path), "--institution", "ZZB"), before, state(db_url))


_counter = itertools.count(1)
