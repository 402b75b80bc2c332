"""payee accounts on institutions; settings (the issuing body)

Revision ID: 0006_accounts_settings
Revises: 0002
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0006_accounts_settings'
down_revision = '0003_people_roles'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the account that payments to an institution go to (SPEC 12); optional until
    # the first payment notice needs it
    with op.batch_alter_table('institutions') as batch:
        batch.add_column(sa.Column('account_name', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('account_no', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('account_bank', sa.String(length=200), nullable=True))
    op.create_table('settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.Column('set_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )


def downgrade() -> None:
    op.drop_table('settings')
    with op.batch_alter_table('institutions') as batch:
        batch.drop_column('account_bank')
        batch.drop_column('account_no')
        batch.drop_column('account_name')
