"""What `zkd verify` checks of every stored record: its digest (see :mod:`zhengkedai.db.digests`).

Set-based and streaming: per covered table, one query has the database
recompute every row's digest and return only the rows whose digest is
missing or differs from the one zkd recorded (a join on the record key).
Then the digests whose row is gone are named; they are looked for only when
the counts say there are some, by an indexed probe per digest (or one anti
join), never a scan per row. Python sees the problems, not the rows.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import ColumnElement, Integer, Table, and_, exists, func, or_, select

from zhengkedai.db.digests import BATCH, COVERED, Covered, digest_column, key_column
from zhengkedai.db.models import RecordDigestRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.i18n import _, is_chinese

TABLE_ZH = {
    "institutions": "合作机构", "accounts": "会计科目", "policy_versions": "政策版本",
    "policy_changes": "政策变更记录", "import_files": "报送文件", "loans": "贷款",
    "loan_events": "贷后事件", "claims": "补偿申请", "recovery_shares": "追偿分成",
    "subsidies": "补助申请", "months": "结账月份", "institution_months": "机构月末数据",
    "statement_archive": "报表归档", "people": "人员", "settings": "项目设置",
    "signing_certificates": "签名证书", "signed_heads": "已签名链头",
}
"""What each covered table holds, as a Chinese reader names a record of it."""


def table_label(name: str) -> str:
    """A covered table as a problem line names it: ``loans``; in Chinese ``贷款（loans）``."""
    return f"{TABLE_ZH[name]}（{name}）" if is_chinese() and name in TABLE_ZH else name

_DIGESTS = cast(Table, RecordDigestRow.__table__)


def check_records(uow: UnitOfWork) -> list[str]:
    """Every covered record as zkd wrote it: none changed, added or deleted outside zkd."""
    problems: list[str] = []
    pending = uow.records.pending(uow.s)
    for cov in COVERED:
        problems.extend(_check_table(uow, cov, pending))
    return problems


def check_rows(uow: UnitOfWork, cov: Covered, *where: Any) -> list[str]:
    """:func:`check_records` for the rows of one table that ``where`` selects (no orphans)."""
    return _check_table(uow, cov, uow.records.pending(uow.s), where)


def _check_table(uow: UnitOfWork, cov: Covered, pending: dict[tuple[str, str], str | None],
                 where: tuple[Any, ...] = ()) -> list[str]:
    problems: list[str] = []
    conn = uow.s.connection()
    table = cov.row.__table__
    key, computed = key_column(conn, cov), digest_column(conn, cov)
    stored = _DIGESTS.c.digest
    query = (select(key, computed, stored)
             .select_from(table.outerjoin(_DIGESTS, and_(_DIGESTS.c.table_name == cov.name,
                                                         _DIGESTS.c.record_key == key)))
             .where(or_(stored.is_(None), stored != computed), *where)
             .order_by(*cov.key_columns))
    if conn.dialect.name == "sqlite":
        # PostgreSQL runs a query for a cursor (streamed) on one core, and this one in
        # parallel when it is not; what comes back is the problems only, held anyway
        query = query.execution_options(yield_per=BATCH)
    undigested = 0  # rows without a stored digest
    for part in conn.execute(query).partitions(BATCH):
        for k, digest, recorded in part:
            undigested += recorded is None
            recorded = pending.get((cov.name, k)) or recorded  # written by this transaction
            if recorded is None:
                problems.append(_("{table} {key}: not written by zkd (it has no record "
                                  "digest): added or re-keyed outside zkd").format(
                    table=table_label(cov.name), key=k))
            elif recorded != digest:
                problems.append(_("{table} {key}: changed outside zkd (its content no longer "
                                  "matches the digest zkd recorded when it wrote it)").format(
                    table=table_label(cov.name), key=k))
    if where:
        return problems
    rows = conn.execute(select(func.count()).select_from(table)).scalar_one()
    total = conn.execute(select(func.count()).select_from(_DIGESTS).where(
        _DIGESTS.c.table_name == cov.name)).scalar_one()
    if total > rows - undigested:
        problems.extend(_("{table} {key}: deleted outside zkd (zkd recorded it, it is "
                          "gone)").format(table=table_label(cov.name), key=key)
                        for key in _orphans(uow, cov) if (cov.name, key) not in pending)
    return problems


def _orphans(uow: UnitOfWork, cov: Covered) -> list[str]:
    """Keys with a digest and no row, in key order."""
    conn = uow.s.connection()
    table = cov.row.__table__
    recorded = _DIGESTS.c.record_key
    cols = cov.key_columns
    present: ColumnElement[bool]
    if conn.dialect.name == "sqlite" and len(cols) == 1 and isinstance(cols[0].type, Integer):
        # one probe of the rowid per digest (the key's text checked too: '012' is not 12)
        present = exists().where(cols[0] == func.cast(recorded, Integer),
                                 key_column(conn, cov) == recorded)
    elif conn.dialect.name == "sqlite":
        # the table's keys made once into a temporary index, probed per digest
        present = recorded.in_(select(key_column(conn, cov)).select_from(table))
    else:
        # PostgreSQL plans this as one hash anti join
        present = exists().select_from(table).where(key_column(conn, cov) == recorded)
    query = (select(recorded).where(_DIGESTS.c.table_name == cov.name, ~present)
             .order_by(recorded))
    return [k for (k,) in conn.execute(query)]

