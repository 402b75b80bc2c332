"""withdrawals: loans and events withdrawn (撤回) as filed by mistake, kept and marked

A withdrawn loan or event stays stored with who withdrew it, when and why; a
loan number is unique only among an institution's live loans, so a loan
withdrawn by mistake can be filed again (a partial unique index on both
SQLite and PostgreSQL). A withdrawn claim is a status, not a column. A
recovery share records how much of it was returned, as a return may be
partial.

Revision ID: 0004_withdrawals
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_withdrawals"
down_revision = "0006_accounts_settings"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("withdrawn_at", sa.DateTime()),
    ("withdrawn_on", sa.Date()),
    ("withdrawn_by", sa.String(length=100)),
    ("withdrawn_reason", sa.Text()),
)
_LIVE = sa.text("withdrawn_at IS NULL")


def upgrade() -> None:
    for table in ("loans", "loan_events"):
        with op.batch_alter_table(table) as batch_op:
            for name, type_ in _COLUMNS:
                batch_op.add_column(sa.Column(name, type_, nullable=True))
    with op.batch_alter_table("loans") as batch_op:
        batch_op.drop_constraint("uq_loans_institution_code", type_="unique")
    op.create_index("uq_loans_live_loan_no", "loans", ["institution_code", "loan_no"],
                    unique=True, sqlite_where=_LIVE, postgresql_where=_LIVE)
    # a recovery share may be returned in parts (claims recovery-return --amount)
    with op.batch_alter_table("recovery_shares") as batch_op:
        batch_op.add_column(sa.Column("returned_fen", sa.BigInteger(), server_default="0",
                                      nullable=False))
    op.execute("UPDATE recovery_shares SET returned_fen = share_fen "
               "WHERE returned_entry IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("recovery_shares") as batch_op:
        batch_op.drop_column("returned_fen")
    op.drop_index("uq_loans_live_loan_no", table_name="loans")
    with op.batch_alter_table("loans") as batch_op:
        batch_op.create_unique_constraint("uq_loans_institution_code",
                                          ["institution_code", "loan_no"])
    for table in ("loan_events", "loans"):
        with op.batch_alter_table(table) as batch_op:
            for name, _ in reversed(_COLUMNS):
                batch_op.drop_column(name)
