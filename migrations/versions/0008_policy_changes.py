"""policy changes: every policy stored or activated, with who and when

Revision ID: 0008_policy_changes
Revises: 0007_signing
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0008_policy_changes'
down_revision = '0007_signing'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nothing is back-filled: who activated a policy before this revision was never
    # recorded, and a row written here would have no record digest
    op.create_table('policy_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('command', sa.String(length=40), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['policy_versions.id'],
                            name=op.f('fk_policy_changes_policy_id_policy_versions')),
    sa.ForeignKeyConstraint(['previous_id'], ['policy_versions.id'],
                            name=op.f('fk_policy_changes_previous_id_policy_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_changes'))
    )


def downgrade() -> None:
    op.drop_table('policy_changes')
