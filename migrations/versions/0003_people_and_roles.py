"""people: who works the ledger, with their role and institution (SPEC 10)

The table only. The PostgreSQL side of SPEC 10 (group roles, GRANTs,
row-level security, the maker-checker trigger) is applied by
``zhengkedai.db.access.apply`` after every upgrade to head (``zkd init``,
``zhengkedai.db.migrate.upgrade``), so that tables added by later revisions
are covered too and the grants follow ``zhengkedai.domain.roles``. Its
downgrade removes what ``apply`` made in this database (the cluster-wide
group roles stay: other ledgers on the cluster may share nothing with them,
but dropping a role needs every database's grants gone first).

Revision ID: 0003_people_roles
Revises: 0002
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0003_people_roles'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('people',
    sa.Column('login', sa.String(length=63), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('institution_code', sa.String(length=32), nullable=True),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('disabled_at', sa.DateTime(), nullable=True),
    sa.Column('disabled_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['institution_code'], ['institutions.code'], name=op.f('fk_people_institution_code_institutions')),
    sa.PrimaryKeyConstraint('login', name=op.f('pk_people'))
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        # the policies and triggers that read people go with their functions
        op.execute("DROP FUNCTION IF EXISTS zkd_sees_all() CASCADE")
        op.execute("DROP FUNCTION IF EXISTS zkd_my_institution() CASCADE")
        op.execute("DROP FUNCTION IF EXISTS zkd_is_owner() CASCADE")
        op.execute("DROP FUNCTION IF EXISTS zkd_check_payer() CASCADE")
        op.execute("DROP FUNCTION IF EXISTS zkd_check_operator() CASCADE")
        op.execute("DROP FUNCTION IF EXISTS zkd_check_file_count() CASCADE")
        for table in ('loans', 'claims', 'import_files', 'institution_months',
                      'statement_archive', 'loan_events', 'recovery_shares',
                      'journal_entries', 'journal_lines', 'people'):
            op.execute(f'ALTER TABLE IF EXISTS "{table}" DISABLE ROW LEVEL SECURITY')
    op.drop_table('people')
