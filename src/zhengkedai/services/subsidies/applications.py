"""Subsidy applications (补助申请): filed from a file row, computed by the policy, capped in order.

Filing (:func:`file_subsidy`, called by the importer once per row, in file
order) checks the row, computes the amount with the policy's subsidy rules
(:mod:`domain.subsidy_rules`, the version in force on the filing date) and
stores it with its trace, status ``submitted``. Nothing is booked until approval.

Yearly caps (financing: per enterprise; investment_risk: per investment
institution; each per ``period`` year) are shared in filing order. What counts
as **used** is every application of that kind, beneficiary and year that is
submitted, approved or paid — not rejected — read from the table, so rows
filed earlier in the same file (flushed before the next) count. An amount is
fixed when filed: rejecting an application frees its room for later ones, it
does not recompute earlier ones.

Guarantee-fee subsidies: the fee counted is capped at the policy's fee rate
(1% a year) of the guaranteed principal over the guarantee term. The principal
and term are taken from the enterprise's programme loans with a guarantor
disbursed in the application's year (the fee is charged for the loan's term):
one loan gives its principal and term; several give their total principal and
the longest term (a cap no lower than each loan's own). With no such loan the
programme has no principal to cap against: the fee paid counts as it is and
the trace says so. Beneficiaries: an enterprise's credit code for guarantee_fee
and financing; a registered investor's code for investment_risk.

An application read back is a :class:`~zhengkedai.domain.subsidies.Subsidy`
(through ``uow.subsidies``); the workflow that moves the subsidy budget
(approve, reject, pay) is in :mod:`zhengkedai.services.subsidies.workflow`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import func, or_, select

from zhengkedai.context import Actor
from zhengkedai.db.live import LIVE_LOAN
from zhengkedai.db.models import InstitutionRow, LoanRow, SubsidyRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.money import Fen, format_grouped
from zhengkedai.domain.policy import Policy, PolicyVersion
from zhengkedai.domain.policy_trace import TraceStep, steps_json, yuan
from zhengkedai.domain.subsidies import Subsidy
from zhengkedai.domain.subsidy_rules import SUBSIDY_KIND_ZH, SubsidyKind, compute_subsidy
from zhengkedai.domain.workflow import Status
from zhengkedai.i18n import _, code_name
from zhengkedai.imports.uscc import uscc_error
from zhengkedai.services.params import active_policy

SubsidyStatus = Status
STATUSES = tuple(s.value for s in (Status.SUBMITTED, Status.APPROVED, Status.PAID, Status.REJECTED))
COUNTS_FOR_CAP = (Status.SUBMITTED, Status.APPROVED, Status.PAID)  # everything but rejected


class SubsidyRecord(Protocol):
    """One application as the importer reads it (``imports.records.SubsidyRecord``)."""

    @property
    def kind(self) -> str: ...
    @property
    def beneficiary(self) -> str: ...
    @property
    def basis(self) -> Fen: ...
    @property
    def investee(self) -> str | None: ...
    @property
    def period(self) -> int: ...
    @property
    def reference(self) -> str: ...


class SubsidyRefused(ZkdError):
    """An application that cannot be filed; the message lists every reason."""


def kind_zh(kind: str) -> str:
    return SUBSIDY_KIND_ZH[SubsidyKind(kind)]


def problems(uow: UnitOfWork, record: SubsidyRecord) -> list[str]:
    """Why ``record`` cannot be filed (empty when it can), each reason in plain words."""
    found: list[str] = []
    try:
        kind = SubsidyKind(str(record.kind))
    except ValueError:
        return [_("unknown subsidy kind {kind!r}").format(kind=record.kind)]
    if record.basis <= 0:
        found.append(_("the basis must be greater than 0"))
    if not str(record.reference).strip():
        found.append(_("the reference (凭证号) is empty"))
    if kind is SubsidyKind.INVESTMENT_RISK:
        row = uow.s.get(InstitutionRow, record.beneficiary)
        if row is None:
            found.append(_("beneficiary {beneficiary!r} must be a registered investment "
                           "institution (kind investor); it is not registered").format(
                               beneficiary=record.beneficiary))
        elif row.kind != "investor":
            found.append(_("beneficiary {beneficiary!r} must be a registered investment "
                           "institution (kind investor); it is a {kind}").format(
                               beneficiary=record.beneficiary, kind=_(row.kind)))
        reason = uscc_error(record.investee or "")
        if reason:
            found.append(_("investee {investee!r}: {reason}").format(
                investee=record.investee, reason=reason))
    else:
        reason = uscc_error(record.beneficiary)
        if reason:
            found.append(_("beneficiary {beneficiary!r} must be an enterprise's credit code: "
                           "{reason}").format(beneficiary=record.beneficiary, reason=reason))
        if record.investee:
            found.append(_("an investee is given only for investment_risk, not for {kind}"
                           ).format(kind=code_name(SUBSIDY_KIND_ZH, kind)))
    prior = uow.s.execute(select(SubsidyRow.id).where(
        SubsidyRow.beneficiary == record.beneficiary, SubsidyRow.kind == kind.value,
        SubsidyRow.reference == record.reference)).scalar_one_or_none()
    if prior is not None:
        found.append(_("reference {reference!r} is already filed for this beneficiary and kind "
                       "as subsidy #{id}").format(reference=record.reference, id=prior))
    return found


def cap_used(uow: UnitOfWork, kind: str, beneficiary: str, year: int,
             statuses: Sequence[str] = COUNTS_FOR_CAP) -> Fen:
    """What a beneficiary's applications of ``kind`` for ``year`` with ``statuses`` total."""
    total = uow.s.execute(select(func.coalesce(func.sum(SubsidyRow.amount_fen), 0)).where(
        SubsidyRow.kind == kind, SubsidyRow.beneficiary == beneficiary,
        SubsidyRow.period_year == year, SubsidyRow.status.in_(statuses))).scalar_one()
    return int(total)


def guaranteed_loans(uow: UnitOfWork, credit_code: str, year: int) -> list[LoanRow]:
    """The enterprise's programme loans with a guarantor disbursed in ``year``."""
    return list(uow.s.execute(select(LoanRow).where(
        LoanRow.credit_code == credit_code, LIVE_LOAN,
        or_(LoanRow.guarantor_code.is_not(None), LoanRow.loan_type == "guaranteed"),
        LoanRow.disbursed_on >= dt.date(year, 1, 1), LoanRow.disbursed_on <= dt.date(year, 12, 31),
    ).order_by(LoanRow.disbursed_on, LoanRow.id)).scalars())


def _guarantee_terms(uow: UnitOfWork, version: PolicyVersion, record: SubsidyRecord
                     ) -> tuple[Fen | None, int | None, TraceStep | None]:
    loans = guaranteed_loans(uow, record.beneficiary, record.period)
    if not loans:
        return None, None, None
    principal = sum(loan.principal_fen for loan in loans)
    days = max((loan.maturity_on - loan.disbursed_on).days for loan in loans)
    listed = "; ".join(f"{loan.institution_code} {loan.loan_no} {format_grouped(loan.principal_fen)}"
                       f" {(loan.maturity_on - loan.disbursed_on).days} days" for loan in loans)
    note = (f"guaranteed programme loans disbursed in {record.period}: {listed}"
            + (" — total principal, longest term" if len(loans) > 1 else ""))
    p = version.subsidies.guarantee_fee
    listed_zh = "；".join(
        f"{loan.institution_code} {loan.loan_no} 本金 {yuan(loan.principal_fen)}，"
        f"{(loan.maturity_on - loan.disbursed_on).days} 天" for loan in loans)
    text = (f"该企业 {record.period} 年度发放的担保贷款：{listed_zh}"
            + ("（按合计本金、最长期限计算）" if len(loans) > 1 else ""))
    step = TraceStep("guaranteed_loans", p.source_of("fee_rate_cap"), version.version,
                     record.basis, record.basis, note, text=text)
    return principal, days, step


def file_subsidy(uow: UnitOfWork, actor: Actor, record: SubsidyRecord, *, file_id: int,
                 file_row: int, submitted_on: dt.date | None = None) -> SubsidyRow:
    """Compute and store one application (status ``submitted``); flushed, not committed.

    Args:
        submitted_on: the filing date (default: the actor's today); it picks the policy version.

    Raises:
        SubsidyRefused: the row cannot be filed (see :func:`problems`).
    """
    reasons = problems(uow, record)
    if reasons:
        raise SubsidyRefused("; ".join(reasons))
    on = submitted_on or actor.today()
    policy = active_policy(uow)
    version = policy.version_on(on)
    kind = SubsidyKind(str(record.kind))
    extra: list[TraceStep] = []
    principal = days = None
    if kind is SubsidyKind.GUARANTEE_FEE:
        principal, days, step = _guarantee_terms(uow, version, record)
        extra = [step] if step else []
    used = cap_used(uow, kind.value, record.beneficiary, record.period)
    result = compute_subsidy(version, kind, record.basis, granted_this_year=used,
                             guaranteed_principal=principal, guarantee_days=days)
    row = SubsidyRow(
        kind=kind.value, beneficiary=record.beneficiary, basis_fen=record.basis,
        investee=record.investee or None, period_year=record.period,
        reference=record.reference, amount_fen=result.amount, status=SubsidyStatus.SUBMITTED.value,
        policy_name=result.policy_name, policy_version=result.policy_version,
        trace=steps_json((*extra, *result.steps)), submitted_on=on,
        file_id=file_id, file_row=file_row,
    )
    uow.s.add(row)
    uow.s.flush()
    return row


# --- reading ---------------------------------------------------------------------

def get_row(uow: UnitOfWork, subsidy_id: int) -> SubsidyRow:
    """The stored application, for the notice that shows all of it.

    Raises:
        NotFound: no subsidy ``subsidy_id``.
    """
    return uow.subsidies.row(subsidy_id)


def show(uow: UnitOfWork, subsidy_id: int) -> Subsidy:
    return uow.subsidies.get(subsidy_id, lock=False)


def register(uow: UnitOfWork, first: dt.date, last: dt.date) -> list[Subsidy]:
    """The subsidies register of a period: applications submitted, approved, paid or
    rejected between ``first`` and ``last`` (inclusive), in id order."""
    return uow.subsidies.moved_between(first, last)


def list_subsidies(uow: UnitOfWork, *, status: str | None = None, kind: str | None = None,
                   year: int | None = None) -> list[Subsidy]:
    """Applications in id order, filtered by status, kind and period year."""
    return uow.subsidies.find(status=status, kind=kind, year=year)


# --- verify ----------------------------------------------------------------------

def cap_of(version: PolicyVersion, kind: str) -> Fen | None:
    """The yearly cap per beneficiary for ``kind`` (None: guarantee_fee has no yearly cap)."""
    if kind == SubsidyKind.FINANCING:
        return version.subsidies.financing.cap_per_enterprise_year
    if kind == SubsidyKind.INVESTMENT_RISK:
        return version.subsidies.investment_risk.cap_per_institution_year
    return None


def version_named(policy: Policy, name: str, version: str, on: dt.date) -> PolicyVersion:
    p: Policy | None = policy
    while p is not None:
        for v in p.versions:
            if p.name == name and v.version == version:
                return v
        p = p.predecessor
    return policy.version_on(on)
