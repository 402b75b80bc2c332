"""record digests on SQLite: one B-tree, keyed by (table, key)

``record_digests`` was an ordinary SQLite table: its rows in a rowid B-tree,
and its primary key (table, record key) again in an index beside it, so every
digest sealed was written twice. ``WITHOUT ROWID`` keeps the rows in the
primary key's own B-tree: the same rows, the same key and digests, one write
each and about half the pages (a loans import seals one digest a loan).
PostgreSQL has no such table kind; its table is unchanged.

Revision ID: 0012_digests_without_rowid
Revises: 0011_partial_withdrawn_index
"""
from __future__ import annotations

from alembic import op

revision = '0012_digests_without_rowid'
down_revision = '0011_partial_withdrawn_index'
branch_labels = None
depends_on = None


def _rebuild(options: str) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.execute("CREATE TABLE record_digests_new ("
               "table_name VARCHAR(40) NOT NULL, record_key VARCHAR(200) NOT NULL, "
               "digest VARCHAR(64) NOT NULL, "
               "CONSTRAINT pk_record_digests PRIMARY KEY (table_name, record_key))" + options)
    op.execute("INSERT INTO record_digests_new (table_name, record_key, digest) "
               "SELECT table_name, record_key, digest FROM record_digests "
               "ORDER BY table_name, record_key")
    op.execute("DROP TABLE record_digests")
    op.execute("ALTER TABLE record_digests_new RENAME TO record_digests")


def upgrade() -> None:
    _rebuild(" WITHOUT ROWID")


def downgrade() -> None:
    _rebuild("")
