"""evidence: record digests (and the indexes that find bulk-written rows by file)

Revision ID: 0005_evidence
Revises: 0002
Create Date: 2026-12-01 12:00:00
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0005_evidence'
down_revision = "0004_withdrawals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('record_digests',
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('record_key', sa.String(length=200), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('table_name', 'record_key', name=op.f('pk_record_digests'))
    )
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.create_index('ix_loans_file_id', ['file_id'], unique=False)
    with op.batch_alter_table('loan_events', schema=None) as batch_op:
        batch_op.create_index('ix_loan_events_file_id', ['file_id'], unique=False)
    # the records kept before this revision are digested by `zkd init` after the
    # upgrade (services.setup), with the models of head, not of this revision


def downgrade() -> None:
    with op.batch_alter_table('loan_events', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_events_file_id')
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_index('ix_loans_file_id')
    op.drop_table('record_digests')
