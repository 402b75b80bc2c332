"""The stored schema: SQLAlchemy 2.x row classes, one per table.

Rows only; rules live in the domain and the services. Amounts are BigInteger
fen (``*_fen`` columns), never floats. Times are naive UTC. Every schema change
is an Alembic revision under ``migrations/versions``; a test checks that these
classes and the migrations agree.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# --- the ledger -------------------------------------------------------------

class LedgerHead(Base):
    """One row: the chain's last sequence number and hash. Locked by every posting."""

    __tablename__ = "ledger_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class AccountRow(Base):
    __tablename__ = "accounts"
    code: Mapped[str] = mapped_column(String(160), primary_key=True)
    fund: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(300))


class EntryRow(Base):
    __tablename__ = "journal_entries"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entry_date: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(60))
    memo: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    source_ref: Mapped[str] = mapped_column(String(300))
    reverses: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.seq"))
    operator: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class LineRow(Base):
    __tablename__ = "journal_lines"
    entry_seq: Mapped[int] = mapped_column(ForeignKey("journal_entries.seq"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_code: Mapped[str] = mapped_column(ForeignKey("accounts.code"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class MonthRow(Base):
    """A closed month. Months without a row are open."""

    __tablename__ = "months"
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    closed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    closed_by: Mapped[str] = mapped_column(String(100))
    chain_head: Mapped[str] = mapped_column(String(64))
    last_seq: Mapped[int] = mapped_column(Integer)


class StatementArchiveRow(Base):
    """A closed month's statement as the close computed it (JSON, see statement_codec).

    A closed month's statements are rendered from these rows, so they are the
    same bytes whenever they are generated; ``sha256`` lets verify see a change.
    """

    __tablename__ = "statement_archive"
    period: Mapped[str] = mapped_column(ForeignKey("months.period"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str | None] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    # the PDF as signed at the close (PAdES, the programme's key); None for a ledger
    # that had no signing key then. ``zkd statement`` returns these bytes ever after.
    signed_pdf: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


# --- institutions and policy ---------------------------------------------------

class InstitutionRow(Base):
    __tablename__ = "institutions"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime)
    registered_by: Mapped[str] = mapped_column(String(100))
    # the account payments go to (户名, 账号, 开户行), printed on payment notices
    account_name: Mapped[str | None] = mapped_column(String(200))
    account_no: Mapped[str | None] = mapped_column(String(64))
    account_bank: Mapped[str | None] = mapped_column(String(200))


class SettingRow(Base):
    """One programme setting (e.g. ``issuer``, the body named on statements and notices)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    set_at: Mapped[dt.datetime] = mapped_column(DateTime)
    set_by: Mapped[str] = mapped_column(String(100))


class InstitutionMonthRow(Base):
    """An institution's figures at a month's close and the suspension they decide."""

    __tablename__ = "institution_months"
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    institution_code: Mapped[str] = mapped_column(
        ForeignKey("institutions.code"), primary_key=True
    )
    outstanding_fen: Mapped[int] = mapped_column(BigInteger)
    overdue_fen: Mapped[int] = mapped_column(BigInteger)
    # over the threshold at this close: suspended from the next month's first day
    suspended: Mapped[bool] = mapped_column(Boolean)


class PolicyVersionRow(Base):
    """A policy file as loaded, kept whole so every claim can be recomputed."""

    __tablename__ = "policy_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    source_file: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    loaded_by: Mapped[str] = mapped_column(String(100))
    __table_args__ = (UniqueConstraint("name", "sha256"),)


class PolicyChangeRow(Base):
    """A policy stored (``load``) or made active (``activate``): who, when, by which command.

    Append-only: the record of every change to the rules new claims are computed by.
    """

    __tablename__ = "policy_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(16))  # load | activate
    policy_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"))
    name: Mapped[str] = mapped_column(String(60))
    sha256: Mapped[str] = mapped_column(String(64))
    # activate: the stored policy that was active before (None on a new ledger)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("policy_versions.id"))
    command: Mapped[str] = mapped_column(String(40))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    changed_by: Mapped[str] = mapped_column(String(100))


# --- files, loans and events ------------------------------------------------

class ImportFileRow(Base):
    __tablename__ = "import_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # the filing institution's code, or "" for programme staff (subsidy files)
    filer: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    encoding: Mapped[str] = mapped_column(String(20))
    row_count: Mapped[int] = mapped_column(Integer)
    accepted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    operator: Mapped[str] = mapped_column(String(100))
    __table_args__ = (UniqueConstraint("sha256", "filer"),)


class LoanRow(Base):
    __tablename__ = "loans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution_code: Mapped[str] = mapped_column(ForeignKey("institutions.code"))
    loan_no: Mapped[str] = mapped_column(String(64))
    enterprise_name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    district: Mapped[str | None] = mapped_column(String(60))
    revenue_prev_year_fen: Mapped[int] = mapped_column(BigInteger)
    high_tech: Mapped[bool] = mapped_column(Boolean)
    profitable_two_years: Mapped[bool] = mapped_column(Boolean)
    research_cooperation: Mapped[bool] = mapped_column(Boolean)
    loan_type: Mapped[str] = mapped_column(String(16))
    collateral_value_fen: Mapped[int] = mapped_column(BigInteger)
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    annual_rate: Mapped[Decimal] = mapped_column(Numeric(9, 4))
    disbursed_on: Mapped[dt.date] = mapped_column(Date)
    maturity_on: Mapped[dt.date] = mapped_column(Date)
    guarantor_code: Mapped[str | None] = mapped_column(String(32))
    guarantee_fee_fen: Mapped[int] = mapped_column(BigInteger)
    # running state, kept with each event so validation in file order is one lookup
    outstanding_fen: Mapped[int] = mapped_column(BigInteger)
    overdue_fen: Mapped[int] = mapped_column(BigInteger)
    file_id: Mapped[int] = mapped_column(ForeignKey("import_files.id"))
    file_row: Mapped[int] = mapped_column(Integer)
    # withdrawn (撤回) as filed by mistake: kept, but no longer counted (see db.live)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)
    withdrawn_by: Mapped[str | None] = mapped_column(String(100))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)


class LoanEventRow(Base):
    __tablename__ = "loan_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"))  # ix_loan_events_loan_date
    event: Mapped[str] = mapped_column(String(16))
    occurred_on: Mapped[dt.date] = mapped_column(Date, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[int] = mapped_column(ForeignKey("import_files.id"))
    file_row: Mapped[int] = mapped_column(Integer)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)
    withdrawn_by: Mapped[str | None] = mapped_column(String(100))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)


# --- compensation claims and recoveries ---------------------------------------

class ClaimRow(Base):
    __tablename__ = "claims"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    loss_event_id: Mapped[int] = mapped_column(ForeignKey("loan_events.id"), unique=True)
    institution_code: Mapped[str] = mapped_column(ForeignKey("institutions.code"))
    loss_fen: Mapped[int] = mapped_column(BigInteger)
    recovered_before_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), index=True)
    policy_name: Mapped[str] = mapped_column(String(60))
    policy_version: Mapped[str] = mapped_column(String(60))
    # the stored policy content the claim was computed with, so it can be recomputed
    policy_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"))
    trace: Mapped[str] = mapped_column(Text)  # JSON list of steps
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    approve_entry: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.seq"))
    pay_entry: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.seq"))


class RecoveryShareRow(Base):
    """The reserve's share of a recovery after payment, owed by the institution."""

    __tablename__ = "recovery_shares"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("loan_events.id"), unique=True)
    share_fen: Mapped[int] = mapped_column(BigInteger)
    owed_entry: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.seq"))
    # returned so far (a return may be partial); returned_on/_entry: the part that completed it
    returned_fen: Mapped[int] = mapped_column(BigInteger, server_default="0")
    returned_on: Mapped[dt.date | None] = mapped_column(Date)
    returned_entry: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.seq"))


# --- subsidies -------------------------------------------------------------

class SubsidyRow(Base):
    __tablename__ = "subsidies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    beneficiary: Mapped[str] = mapped_column(String(32), index=True)
    basis_fen: Mapped[int] = mapped_column(BigInteger)
    investee: Mapped[str | None] = mapped_column(String(18))
    period_year: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(100))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), index=True)
    policy_name: Mapped[str] = mapped_column(String(60))
    policy_version: Mapped[str] = mapped_column(String(60))
    trace: Mapped[str] = mapped_column(Text)
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    rejected_on: Mapped[dt.date | None] = mapped_column(Date)
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    approve_entry: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.seq"))
    pay_entry: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.seq"))
    # the reversal of the approval, when an approved subsidy is rejected
    reject_entry: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.seq"))
    file_id: Mapped[int] = mapped_column(ForeignKey("import_files.id"))
    file_row: Mapped[int] = mapped_column(Integer)
    __table_args__ = (UniqueConstraint("beneficiary", "kind", "reference"),)


# --- people (SPEC 10) ---------------------------------------------------------

class PersonRow(Base):
    """A person who works the ledger. On PostgreSQL ``login`` is their database login,
    a member of the group role of ``role``; on SQLite the row is a record only."""

    __tablename__ = "people"
    login: Mapped[str] = mapped_column(String(63), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    # the bank's or guarantor's code for role "bank", else None
    institution_code: Mapped[str | None] = mapped_column(ForeignKey("institutions.code"))
    display_name: Mapped[str] = mapped_column(String(100))
    disabled: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    disabled_by: Mapped[str | None] = mapped_column(String(100))


Index("ix_loan_events_loan_date", LoanEventRow.loan_id, LoanEventRow.occurred_on)
# a loan number is unique among an institution's live loans: a withdrawn one can be filed again
Index("uq_loans_live_loan_no", LoanRow.institution_code, LoanRow.loan_no, unique=True,
      sqlite_where=LoanRow.withdrawn_at.is_(None), postgresql_where=LoanRow.withdrawn_at.is_(None))


# --- evidence ----------------------------------------------------------------

class RecordDigestRow(Base):
    """A covered row's digest as zkd last wrote it (see :mod:`zhengkedai.db.digests`)."""

    __tablename__ = "record_digests"
    # on SQLite the rows live in the primary key's B-tree: a digest is written once
    __table_args__ = {"sqlite_with_rowid": False}
    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))


class SigningCertificateRow(Base):
    """The programme's signing certificate (its private key is kept outside the database,
    see :mod:`zhengkedai.services.signing`). The latest installed signs; older ones stay,
    as the signatures made with them are still checked."""

    __tablename__ = "signing_certificates"
    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the DER
    subject: Mapped[str] = mapped_column(String(400))
    not_before: Mapped[dt.datetime] = mapped_column(DateTime)
    not_after: Mapped[dt.datetime] = mapped_column(DateTime)
    der: Mapped[bytes] = mapped_column(LargeBinary)
    installed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    installed_by: Mapped[str] = mapped_column(String(100))


class SignedHeadRow(Base):
    """A chain head signed with the programme's key, at a close or by ``zkd seal``."""

    __tablename__ = "signed_heads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    occasion: Mapped[str] = mapped_column(String(40))  # "close 2025-06" or "seal"
    signed_by: Mapped[str] = mapped_column(String(100))
    certificate: Mapped[str] = mapped_column(ForeignKey("signing_certificates.fingerprint"))
    signature: Mapped[bytes] = mapped_column(LargeBinary)


# rows written in bulk are digested by the file they cite (db.digests.Covered.filed_in)
Index("ix_loans_file_id", LoanRow.file_id)
Index("ix_loan_events_file_id", LoanEventRow.file_id)
# a month's statements: the loans disbursed in it, the rows withdrawn since the last close
Index("ix_loans_disbursed_on", LoanRow.disbursed_on)
# (only the withdrawn loans: the queries ask for those, and a filed loan is one entry less
# to write)
Index("ix_loans_withdrawn_at", LoanRow.withdrawn_at,
      sqlite_where=LoanRow.withdrawn_at.is_not(None),
      postgresql_where=LoanRow.withdrawn_at.is_not(None))
Index("ix_loan_events_withdrawn_at", LoanEventRow.withdrawn_at,
      sqlite_where=LoanEventRow.withdrawn_at.is_not(None),
      postgresql_where=LoanEventRow.withdrawn_at.is_not(None))
# an institution's (a guarantor's) loan list, in its order: by disbursement date, loan number
Index("ix_loans_institution_order", LoanRow.institution_code, LoanRow.disbursed_on,
      LoanRow.loan_no)
Index("ix_loans_guarantor_order", LoanRow.guarantor_code, LoanRow.disbursed_on, LoanRow.loan_no,
      sqlite_where=LoanRow.guarantor_code.is_not(None),
      postgresql_where=LoanRow.guarantor_code.is_not(None))
