"""signing: the programme's certificate, signed chain heads, signed statement PDFs

The private key is not stored: it is kept in a PKCS#12 file outside the
database (ZKD_SIGNING_DIR); the database keeps the certificate that checks
its signatures.

Revision ID: 0007_signing
Revises: 0005_evidence
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_signing"
down_revision = "0005_evidence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_certificates",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.Column("not_before", sa.DateTime(), nullable=False),
        sa.Column("not_after", sa.DateTime(), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        sa.Column("installed_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_signing_certificates")),
    )
    op.create_table(
        "signed_heads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("occasion", sa.String(length=40), nullable=False),
        sa.Column("signed_by", sa.String(length=100), nullable=False),
        sa.Column("certificate", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["certificate"], ["signing_certificates.fingerprint"],
                                name=op.f("fk_signed_heads_certificate_signing_certificates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signed_heads")),
    )
    with op.batch_alter_table("statement_archive") as batch_op:
        batch_op.add_column(sa.Column("signed_pdf", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("statement_archive") as batch_op:
        batch_op.drop_column("signed_pdf")
    op.drop_table("signed_heads")
    op.drop_table("signing_certificates")
