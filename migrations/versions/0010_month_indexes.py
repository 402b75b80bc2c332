"""month indexes: the loans disbursed in a month, and the rows withdrawn since a close

A month's statements list the loans disbursed in it and the loans and events
withdrawn since the close before it; these indexes let the database find them
without reading every loan and event of the programme's history.

Revision ID: 0010_month_indexes
Revises: 0009_sql_digests
"""
from __future__ import annotations

from alembic import op


revision = '0010_month_indexes'
down_revision = '0009_sql_digests'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_loans_disbursed_on', 'loans', ['disbursed_on'])
    op.create_index('ix_loans_withdrawn_at', 'loans', ['withdrawn_at'])
    op.create_index('ix_loan_events_withdrawn_at', 'loan_events', ['withdrawn_at'])


def downgrade() -> None:
    op.drop_index('ix_loan_events_withdrawn_at', table_name='loan_events')
    op.drop_index('ix_loans_withdrawn_at', table_name='loans')
    op.drop_index('ix_loans_disbursed_on', table_name='loans')
