"""loans withdrawn: an index of the withdrawn loans only

``ix_loans_withdrawn_at`` finds the loans withdrawn since a close (the
statements' corrections, ``verify``): a handful among a million. Indexing every
loan's empty ``withdrawn_at`` made every filed loan one more index entry to
write (a tenth of a loans import's write); the index now holds the withdrawn
loans only, which is all the queries ask it for (``withdrawn_at IS NOT NULL``).

Revision ID: 0011_partial_withdrawn_index
Revises: 0010_month_indexes
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011_partial_withdrawn_index'
down_revision = '0010_month_indexes'
branch_labels = None
depends_on = None

WITHDRAWN = sa.text('withdrawn_at IS NOT NULL')


def upgrade() -> None:
    op.drop_index('ix_loans_withdrawn_at', table_name='loans')
    op.create_index('ix_loans_withdrawn_at', 'loans', ['withdrawn_at'],
                    sqlite_where=WITHDRAWN, postgresql_where=WITHDRAWN)


def downgrade() -> None:
    op.drop_index('ix_loans_withdrawn_at', table_name='loans')
    op.create_index('ix_loans_withdrawn_at', 'loans', ['withdrawn_at'])
