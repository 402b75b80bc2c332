"""The record digest is what docs/audit-chain.md says, on both databases, and survives the upgrade.

An auditor recomputes a digest from the documented recipe, outside zkd, from
the values as the database returns them; the same text on SQLite and
PostgreSQL. A ledger sealed by the revisions before the digests moved into
the database verifies clean after the upgrade, and a row changed before the
upgrade is still named after it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, select, text

from tests.integration.test_verify_records import book  # noqa: F401 - the shared fixture
from zhengkedai.db import migrate
from zhengkedai.db.digests import COVERED
from zhengkedai.db.models import RecordDigestRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.services.audit import verify as verify_service
from zhengkedai.services.setup import init_database


def _spelt(value: Any, scale: int | None) -> str:
    """docs/audit-chain.md, section 5: one value of the canonical text."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        text_ = "1" if value else "0"
    elif isinstance(value, Decimal):
        text_ = str(int(value.scaleb(scale or 0)))
    elif isinstance(value, dt.datetime):
        text_ = value.strftime("%Y-%m-%d %H:%M:%S.%f")
    elif isinstance(value, dt.date):
        text_ = value.isoformat()
    elif isinstance(value, bytes):
        text_ = value.hex()
    else:
        text_ = str(value)
    return f"{len(text_)}:{text_}"


def test_every_digest_is_the_documented_recipe_over_the_values(uow, book) -> None:  # noqa: F811
    checked = 0
    for cov in COVERED:
        stored = dict(uow.s.execute(select(RecordDigestRow.record_key, RecordDigestRow.digest)
                                    .where(RecordDigestRow.table_name == cov.name)).all())
        for row in uow.s.execute(select(*cov.columns)).all():
            key = "|".join(str(row._mapping[c]) for c in cov.key_columns)
            canonical = ",".join(
                [_spelt(cov.name, None), _spelt(key, None)]
                + [_spelt(row._mapping[c], c.type.scale if isinstance(c.type, Numeric) else None)
                   for c in sorted(cov.columns, key=lambda c: c.name)])
            assert stored[key] == hashlib.sha256(canonical.encode("utf-8")).hexdigest(), \
                (cov.name, key, canonical)
            checked += 1
    assert checked > 50


def test_a_ledger_sealed_before_the_upgrade_verifies_clean_after_it(
        uow, book, engine) -> None:  # noqa: F811
    uow.s.close()
    migrate.downgrade(engine, "0008_policy_changes")  # digests in the old form
    with engine.begin() as conn:
        before = conn.execute(text("SELECT digest FROM record_digests WHERE "
                                   "table_name = 'loans' ORDER BY record_key")).scalars().all()
        conn.execute(text("UPDATE loans SET enterprise_name = '改过的企业' WHERE id = "
                          "(SELECT min(id) FROM loans)"))
        loan = conn.execute(text("SELECT min(id) FROM loans")).scalar_one()
    migrate.upgrade(engine)
    with UnitOfWork(engine) as after:
        problems = verify_service.verify(after).problems
        now = after.s.execute(text("SELECT digest FROM record_digests WHERE "
                                   "table_name = 'loans' ORDER BY record_key")).scalars().all()
    # recomputed in the new form, but the row changed before the upgrade is named still
    assert len(now) == len(before) and set(now) - set(before)
    assert [p for p in problems if "outside zkd" in p] == [
        f"loans {loan}: changed outside zkd (its content no longer matches the digest zkd "
        "recorded when it wrote it)"], problems


def test_a_ledger_kept_before_record_digests_gets_them_at_init(
        uow, book, engine, actor) -> None:  # noqa: F811
    uow.s.execute(text("DELETE FROM record_digests"))
    uow.commit()
    uow.s.close()
    result = init_database(engine, actor)
    assert any("Recorded a digest of every stored record" in n for n in result.notes)
    with UnitOfWork(engine) as again:
        report = verify_service.verify(again)
    assert report.ok, report.problems


def test_a_new_row_whose_key_has_a_digest_left_behind_is_sealed_as_it_is(
        uow, book, actor) -> None:  # noqa: F811
    from tests import factories as f

    loan = f.loan(uow, actor, loan_no="L9", enterprise_seq=9)
    # a digest for the new loan's key already there (an insider deleted a loan and
    # its id came round again, or wrote a digest ahead)
    uow.s.execute(text("INSERT INTO record_digests (table_name, record_key, digest) "
                       "VALUES ('loans', :k, :d)"), {"k": str(loan.id), "d": "0" * 64})
    uow.commit()
    report = verify_service.verify(uow)
    assert report.ok, report.problems
