"""Every stored record is covered: a change made with SQL to any table is named by verify.

The book is test_verify_records' (a paid claim with its returned share, a
submitted claim, a paid subsidy, loans with events, three closed months), so
every covered table has rows. Each test changes one column of one row with
raw SQL, as someone with the database could, and expects verify to name the
table and the record.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text, update

from tests.integration.test_verify_records import book  # noqa: F401 - the shared fixture
from zhengkedai.db.digests import COVERED, Covered, record_key
from zhengkedai.db.models import PersonRow
from zhengkedai.services import settings, signing
from zhengkedai.services.audit import verify as verify_service


@pytest.fixture
def people_and_settings(uow, book, actor, signing_dir):  # type: ignore[no-untyped-def]  # noqa: F811
    """The shared book, plus a recorded person, a setting, a signing certificate and a sealed
    chain head (tables it leaves empty)."""
    settings.set_value(uow, actor, "issuer", "郑州市科学技术局")
    signing.init_test_key(uow, actor, signing.KeyFolder(signing_dir))
    signing.seal(uow, actor, signing.KeyFolder(signing_dir))
    uow.s.add(PersonRow(login="zzb_li", role="bank", institution_code="ZZB", display_name="李明",
                        disabled=False, created_at=actor.now(), created_by=actor.operator))
    uow.commit()
    return book


def _changed(value: Any) -> Any:
    """Another value of the same type: what a tamperer would write."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, Decimal):
        return value + Decimal("0.01")
    if isinstance(value, dt.datetime):
        return value + dt.timedelta(seconds=1)
    if isinstance(value, dt.date):
        return value + dt.timedelta(days=1)
    if isinstance(value, str):
        return value + "x" if value else "x"
    if isinstance(value, bytes):
        return value + b"x"
    raise AssertionError(f"no tampering for {value!r}")

def _column_to_tamper(cov: Covered, row: Any) -> Any:
    """The first column neither in the key nor a reference to another row, with a value."""
    for col in cov.columns:
        if col.primary_key or col.foreign_keys or row._mapping[col] is None:
            continue
        if col.name in ("sha256", "hash", "idempotency_key"):
            continue  # unique in some tables: an edited one is still an edit, but keep it simple
        return col
    raise AssertionError(f"{cov.name}: nothing to tamper with")

@pytest.mark.parametrize("table", [c.name for c in COVERED])
def test_one_column_changed_with_sql_is_named_by_table_and_record(uow, people_and_settings,
                                                                 table) -> None:
    cov = next(c for c in COVERED if c.name == table)
    row = uow.s.execute(select(*cov.columns).order_by(*cov.key_columns).limit(1)).first()
    assert row is not None, f"the book has no {table}"
    col = _column_to_tamper(cov, row)
    key = record_key([row._mapping[c] for c in cov.key_columns])
    where = [c == row._mapping[c] for c in cov.key_columns]
    uow.s.execute(update(cov.row.__table__).where(*where)  # type: ignore[attr-defined]
                  .values({col.name: _changed(row._mapping[col])}))
    uow.s.expire_all()
    problems = verify_service.verify(uow).problems
    assert f"{table} {key}: changed outside zkd (its content no longer matches the digest " \
           "zkd recorded when it wrote it)" in problems, (col.name, problems)

def test_the_clean_book_has_a_digest_for_every_record(uow, book) -> None:  # noqa: F811
    report = verify_service.verify(uow)
    assert report.ok, report.problems

def test_a_row_inserted_with_sql_is_named_as_not_written_by_zkd(uow, book) -> None:  # noqa: F811
    uow.s.execute(text("INSERT INTO institutions (code, name, kind, registered_at, "
                       "registered_by) VALUES ('FAKE', '假银行', 'bank', '2025-01-01 00:00:00', "
                       "'x')"))
    problems = verify_service.verify(uow).problems
    assert "institutions FAKE: not written by zkd (it has no record digest): added or " \
           "re-keyed outside zkd" in problems, problems

def test_deleting_the_latest_close_is_caught(uow, book) -> None:  # noqa: F811
    for table in ("statement_archive", "institution_months", "months"):
        uow.s.execute(text(f"DELETE FROM {table} WHERE period = '2025-03'"))
    uow.s.expire_all()
    problems = verify_service.verify(uow).problems
    assert "months 2025-03: deleted outside zkd (zkd recorded it, it is gone)" in problems, \
        problems
    assert "institution_months 2025-03|ZZB: deleted outside zkd (zkd recorded it, it is gone)" \
        in problems
    assert any(p.startswith("statement_archive 2025-03|1: deleted outside zkd") for p in problems)

def test_every_table_with_rows_is_covered_or_chained() -> None:
    """A new table is either in COVERED or says why not (the journal has its own chain)."""
    from zhengkedai.db.models import Base

    chained_or_own = {"journal_entries", "journal_lines", "ledger_head", "record_digests"}
    covered = {c.name for c in COVERED}
    assert set(Base.metadata.tables) - covered - chained_or_own == set()


def _tamper_every_table(uow: Any) -> list[str]:
    """One column of the first row of every covered table changed with SQL (not committed);
    the problem verify must name for each."""
    expected = []
    for cov in COVERED:
        row = uow.s.execute(select(*cov.columns).order_by(*cov.key_columns).limit(1)).first()
        col = _column_to_tamper(cov, row)
        uow.s.execute(update(cov.row.__table__)  # type: ignore[attr-defined]
                      .where(*[c == row._mapping[c] for c in cov.key_columns])
                      .values({col.name: _changed(row._mapping[col])}))
        key = record_key([row._mapping[c] for c in cov.key_columns])
        expected.append(f"{cov.name} {key}: changed outside zkd (its content no longer matches "
                        "the digest zkd recorded when it wrote it)")
    # and a loan's running state, which the loans' replay (also run beside) names
    uow.s.execute(text("UPDATE loans SET outstanding_fen = outstanding_fen + 1 "
                       "WHERE id = (SELECT max(id) FROM loans)"))
    return expected


def test_two_processes_give_the_same_report_as_one(uow, engine,  # type: ignore[no-untyped-def]
                                                    people_and_settings, monkeypatch) -> None:
    """`zkd verify` runs the digests and the loans' replay in a second process: every
    problem is still named, in the same order, as by one process."""
    from zhengkedai.db.uow import UnitOfWork
    from zhengkedai.services.audit import beside

    answers = []
    collect = beside.Beside._collect
    monkeypatch.setattr(beside.Beside, "_collect",
                        lambda self: answers.append(collect(self)) or answers[-1])
    expected = _tamper_every_table(uow)
    uow.commit()
    with UnitOfWork(engine) as fresh:
        one = verify_service.verify(fresh).problems
    with UnitOfWork(engine) as fresh:
        two = verify_service.verify(fresh, two_processes=True).problems
    assert len(answers) == 1 and answers[0] is not None  # the second process answered
    assert two == one
    for problem in expected:
        assert problem in two, (problem, two)
    assert any(p.startswith("loan ") and ": stored outstanding" in p for p in two), two


def test_two_processes_see_what_the_transaction_wrote(uow,  # type: ignore[no-untyped-def]
                                                      people_and_settings) -> None:
    """Written and not committed, a change is seen by this connection only: verify then
    runs every check itself, and still names it."""
    expected = _tamper_every_table(uow)
    problems = verify_service.verify(uow, two_processes=True).problems
    assert problems == verify_service.verify(uow).problems
    for problem in expected:
        assert problem in problems, (problem, problems)
