"""record digests computed by the database: every digest recomputed over the new canonical text

Revision ID: 0009_sql_digests
Revises: 0008_policy_changes

Until this revision a record digest was the SHA-256 of a JSON document built in
Python (the recipe frozen below); from it on, of a canonical text the database
builds (``zhengkedai.db.digests``). Each stored digest is checked against the
old recipe first: a row that still matches the digest zkd recorded gets its
digest in the new form; a row that does not (changed outside zkd before the
upgrade) keeps its old digest, which no new-form digest equals, so ``zkd
verify`` goes on naming it; a row without a digest stays without one, and a
digest without its row stays. The upgrade proves nothing less than the ledger
did before it. About 30 µs a row (the old recipe is the Python one).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from alembic import op
import sqlalchemy as sa


revision = '0009_sql_digests'
down_revision = '0008_policy_changes'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    from zhengkedai.db import digests

    conn = op.get_bind()
    if conn.dialect.name == "sqlite":  # zkd's engines have it; `alembic upgrade` run by hand too
        digests.register_sqlite(conn.connection.driver_connection)
    for cov in digests.COVERED:
        if conn.execute(sa.text("SELECT 1 FROM record_digests WHERE table_name = :t LIMIT 1"),
                        {"t": cov.name}).first() is None:
            continue
        _reseal(conn, digests, cov)


def _reseal(conn: sa.Connection, digests: Any, cov: Any) -> None:
    """The rows of ``cov`` whose stored digest matches the old recipe, sealed anew."""
    names = [c.name for c in cov.columns]
    keys = [names.index(c.name) for c in cov.key_columns]
    rows = conn.execute(sa.select(*cov.columns).order_by(*cov.key_columns)
                        .execution_options(yield_per=BATCH))
    for part in rows.partitions(BATCH):
        old = {_old_key([row[i] for i in keys]): (tuple(row[i] for i in keys),
                                                  _old_digest(cov.name, names, keys, row))
               for row in part}
        stored = dict(conn.execute(sa.text(
            "SELECT record_key, digest FROM record_digests WHERE table_name = :t "
            "AND record_key IN :k").bindparams(sa.bindparam("k", expanding=True)),
            {"t": cov.name, "k": list(old)}).all())
        matching = [pk for key, (pk, digest) in old.items() if stored.get(key) == digest]
        if matching:
            digests.store(conn, cov, digests.where_keys(cov, matching))


def downgrade() -> None:
    # the old form is recomputed for every row as it stands (a downgrade trusts the ledger)
    from zhengkedai.db import digests

    conn = op.get_bind()
    for cov in digests.COVERED:
        names = [c.name for c in cov.columns]
        keys = [names.index(c.name) for c in cov.key_columns]
        conn.execute(sa.text("DELETE FROM record_digests WHERE table_name = :t"),
                     {"t": cov.name})
        rows = conn.execute(sa.select(*cov.columns).order_by(*cov.key_columns)).all()
        for start in range(0, len(rows), BATCH):
            part = rows[start:start + BATCH]
            conn.execute(sa.text("INSERT INTO record_digests (table_name, record_key, digest) "
                                 "VALUES (:t, :k, :d)"),
                         [{"t": cov.name, "k": _old_key([r[i] for i in keys]),
                           "d": _old_digest(cov.name, names, keys, r)} for r in part])


# --- the recipe of revisions 0005 to 0008, frozen -----------------------------------

def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _old_key(values: list[Any]) -> str:
    return "|".join(str(_plain(v)) for v in values)


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _old_digest(table: str, names: list[str], keys: list[int], row: Any) -> str:
    doc = [table, _old_key([row[i] for i in keys]),
           dict(zip(names, map(_plain, row), strict=True))]
    return hashlib.sha256(_CANONICAL.encode(doc).encode("utf-8")).hexdigest()
