"""loan lists in their order: an institution's loans by disbursement date and loan number

A month's 对账单 goes with the institution's loan list (every loan it filed, or a
guarantor's every loan it guarantees, by disbursement date and loan number). The
database found them through the disbursement-date index, reading every loan of
the programme's history for each institution and sorting them; these indexes
hold each institution's (and guarantor's) loans in the list's order.

The events' ``withdrawn_at`` index now holds the withdrawn events only, as the
loans' does (0011): indexing every event's empty ``withdrawn_at`` led SQLite to
read every event through it for "not withdrawn", instead of the few events of a
month by date. ``ix_loan_events_loan_id`` goes: ``ix_loan_events_loan_date``
(loan, date) begins with the loan and serves every query it served.

Revision ID: 0013_loan_list_order
Revises: 0012_digests_without_rowid
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013_loan_list_order'
down_revision = '0012_digests_without_rowid'
branch_labels = None
depends_on = None

WITHDRAWN = sa.text('withdrawn_at IS NOT NULL')
GUARANTEED = sa.text('guarantor_code IS NOT NULL')


def upgrade() -> None:
    op.create_index('ix_loans_institution_order', 'loans',
                    ['institution_code', 'disbursed_on', 'loan_no'])
    op.create_index('ix_loans_guarantor_order', 'loans',
                    ['guarantor_code', 'disbursed_on', 'loan_no'],
                    sqlite_where=GUARANTEED, postgresql_where=GUARANTEED)
    op.drop_index('ix_loan_events_withdrawn_at', table_name='loan_events')
    op.create_index('ix_loan_events_withdrawn_at', 'loan_events', ['withdrawn_at'],
                    sqlite_where=WITHDRAWN, postgresql_where=WITHDRAWN)
    op.drop_index('ix_loan_events_loan_id', table_name='loan_events')


def downgrade() -> None:
    op.create_index('ix_loan_events_loan_id', 'loan_events', ['loan_id'])
    op.drop_index('ix_loan_events_withdrawn_at', table_name='loan_events')
    op.create_index('ix_loan_events_withdrawn_at', 'loan_events', ['withdrawn_at'])
    op.drop_index('ix_loans_guarantor_order', table_name='loans')
    op.drop_index('ix_loans_institution_order', table_name='loans')
