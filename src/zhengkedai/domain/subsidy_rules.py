"""Science-finance subsidies (科技金融补助): amounts by the policy's subsidy parameters.

Three kinds (SPEC 4.3), each a rate of a basis, rounded half-up once per rule,
with a trace like a claim's:

- ``guarantee_fee`` (担保费补助): rate × the guarantee fee counted, where the fee
  counted is at most ``fee_rate_cap`` a year of the guaranteed principal over
  the guarantee term (term in days / 365). When the principal or term is not
  known the fee paid is counted as it is, and the trace says so;
- ``financing`` (融资补助): rate × interest paid or investment received, at most
  ``cap_per_enterprise_year`` per enterprise and year;
- ``investment_risk`` (投资风险补助): rate × realised investment loss, at most
  ``cap_per_institution_year`` per investment institution and year.

A yearly cap is shared by the beneficiary's applications in the order they are
granted: pass what earlier ones were granted that year as ``granted_this_year``.
Invariants: the subsidy never exceeds rate × basis nor what the cap has left.

The caller picks the policy version (e.g. ``policy.version_on(application date)``).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal, localcontext
from enum import StrEnum

from .money import Fen, apply_ratio, format_grouped, round_half_up
from .policy import PolicyVersion
from .policy_params import FinancingSubsidy, InvestmentRiskSubsidy, Sourced, format_ratio
from .policy_trace import SubsidyComputation, TraceStep, cap_step, yuan

DAYS_PER_YEAR = 365


class SubsidyKind(StrEnum):
    GUARANTEE_FEE = "guarantee_fee"  # 担保费补助
    FINANCING = "financing"  # 融资补助
    INVESTMENT_RISK = "investment_risk"  # 投资风险补助


SUBSIDY_KIND_ZH = {
    SubsidyKind.GUARANTEE_FEE: "担保费补助",
    SubsidyKind.FINANCING: "融资补助",
    SubsidyKind.INVESTMENT_RISK: "投资风险补助",
}

SUBSIDY_RULE_ZH = {
    "guaranteed_loans": "担保贷款",
    "fee_rate_cap": "计入担保费上限",
    "rate": "补助比例",
    "cap_per_enterprise_year": "企业年度补助上限",
    "cap_per_institution_year": "投资机构年度补助上限",
}
"""A subsidy trace step's rule as a Chinese reader sees it (a claim's are ``RULE_ZH``)."""



def _source_zh(params: Sourced, key: str) -> str:
    """Where a parameter comes from, in a finance office's words."""
    if params.is_choice(key):
        return "项目默认参数，公开文件未规定具体数值"
    return params.source_of(key).split(":", 1)[0].split(";", 1)[0].strip()


def _capped_zh(before: Fen, after: Fen) -> str:
    return f"按剩余额度核减为 {yuan(after)}" if after < before else "未超过上限"


def _check(*amounts: Fen) -> None:
    if min(amounts) < 0:
        raise ValueError("subsidy amounts cannot be negative")


def _rate_step(params: Sourced, v: str, basis: Fen, rate: Decimal, what: str,
               what_zh: str) -> TraceStep:
    after = apply_ratio(basis, rate)
    note = (
        f"{format_ratio(rate)} × {what} {format_grouped(basis)} = {format_grouped(after)} (half-up)"
    )
    text = (f"补助比例 {format_ratio(rate)}（{_source_zh(params, 'rate')}）× {what_zh} "
            f"{yuan(basis)} = {yuan(after)}（四舍五入到分）")
    return TraceStep("rate", params.source_of("rate"), v, basis, after, note, text=text)


def _cap_step(params: Sourced, key: str, v: str, before: Fen, limit: Fen, used: Fen, what: str,
              what_zh: str) -> TraceStep:
    step = cap_step(key, params.source_of(key), v, before, limit, used, what)
    text = (f"{what_zh} {yuan(limit)}（{_source_zh(params, key)}），本年度已核定 "
            f"{yuan(used)}，剩余 {yuan(step.left or 0)}：{_capped_zh(before, step.after)}")
    return dataclasses.replace(step, text=text)


def guarantee_fee_subsidy(
    version: PolicyVersion,
    fee_paid: Fen,
    *,
    guaranteed_principal: Fen | None = None,
    guarantee_days: int | None = None,
) -> SubsidyComputation:
    """Subsidy on a guarantee fee paid; the fee counted is capped when principal and term are known."""
    _check(fee_paid, guaranteed_principal or 0, guarantee_days or 0)
    p = version.subsidies.guarantee_fee
    v = version.version
    if guaranteed_principal is not None and guarantee_days is not None:
        numerator = guaranteed_principal * guarantee_days
        with localcontext() as ctx:
            ctx.prec = len(str(numerator)) + 12  # exact up to the half-fen rounded at
            limit = round_half_up(Decimal(numerator) * p.fee_rate_cap / DAYS_PER_YEAR)
        fee_step = cap_step(
            "fee_rate_cap",
            p.source_of("fee_rate_cap"),
            v,
            fee_paid,
            limit,
            0,
            f"fee counted at most {format_ratio(p.fee_rate_cap)} a year ×"
            f" {format_grouped(guaranteed_principal)} × {guarantee_days}/{DAYS_PER_YEAR} days =",
        )
        fee_step = dataclasses.replace(fee_step, text=(
            f"已付担保费 {yuan(fee_paid)}；计入的担保费每年不超过担保本金的 "
            f"{format_ratio(p.fee_rate_cap)}（{_source_zh(p, 'fee_rate_cap')}），即 "
            f"{yuan(guaranteed_principal)} × {format_ratio(p.fee_rate_cap)} × "
            f"{guarantee_days}/{DAYS_PER_YEAR} 天 = {yuan(limit)}：{_capped_zh(fee_paid, fee_step.after)}"))
    else:
        fee_step = TraceStep(
            "fee_rate_cap",
            p.source_of("fee_rate_cap"),
            v,
            fee_paid,
            fee_paid,
            "guaranteed principal or term not given: the fee paid is counted as it is",
            text=f"未查到该企业当年的担保贷款本金或期限：已付担保费 {yuan(fee_paid)} 全额计入",
        )
    rate_step = _rate_step(p, v, fee_step.after, p.rate, "fee counted", "计入的担保费")
    return SubsidyComputation(
        SubsidyKind.GUARANTEE_FEE.value,
        rate_step.after,
        version.policy_name,
        v,
        (fee_step, rate_step),
    )


def _rate_then_yearly_cap(
    version: PolicyVersion,
    kind: SubsidyKind,
    params: FinancingSubsidy | InvestmentRiskSubsidy,
    cap_key: str,
    cap: Fen,
    basis: Fen,
    granted_this_year: Fen,
    labels: tuple[str, str, str, str],
) -> SubsidyComputation:
    """The two capped subsidies: the rate on the basis, then what the yearly cap has left.
    ``labels``: the basis and the cap, in English and in Chinese."""
    _check(basis, granted_this_year)
    v = version.version
    basis_label, basis_zh, cap_label, cap_zh = labels
    rate = _rate_step(params, v, basis, params.rate, basis_label, basis_zh)
    capped = _cap_step(params, cap_key, v, rate.after, cap, granted_this_year, cap_label, cap_zh)
    return SubsidyComputation(kind.value, capped.after, version.policy_name, v, (rate, capped))


def financing_subsidy(
    version: PolicyVersion, basis: Fen, *, granted_this_year: Fen = 0
) -> SubsidyComputation:
    """Subsidy on interest paid or investment received, within the enterprise's yearly cap."""
    p = version.subsidies.financing
    return _rate_then_yearly_cap(
        version, SubsidyKind.FINANCING, p, "cap_per_enterprise_year",
        p.cap_per_enterprise_year, basis, granted_this_year,
        ("basis", "计算基数（已付利息或获得的投资）", "per-enterprise yearly cap",
         "每家企业每年补助上限"))


def investment_risk_subsidy(
    version: PolicyVersion, basis: Fen, *, granted_this_year: Fen = 0
) -> SubsidyComputation:
    """Subsidy on a realised investment loss, within the institution's yearly cap."""
    p = version.subsidies.investment_risk
    return _rate_then_yearly_cap(
        version, SubsidyKind.INVESTMENT_RISK, p, "cap_per_institution_year",
        p.cap_per_institution_year, basis, granted_this_year,
        ("realised loss", "实际投资损失", "per-institution yearly cap", "每家投资机构每年补助上限"))


def compute_subsidy(
    version: PolicyVersion,
    kind: SubsidyKind | str,
    basis: Fen,
    *,
    granted_this_year: Fen = 0,
    guaranteed_principal: Fen | None = None,
    guarantee_days: int | None = None,
) -> SubsidyComputation:
    """Dispatch on ``kind``; ``granted_this_year`` is ignored for guarantee_fee (no yearly cap)."""
    k = SubsidyKind(kind)
    if k is SubsidyKind.GUARANTEE_FEE:
        return guarantee_fee_subsidy(
            version,
            basis,
            guaranteed_principal=guaranteed_principal,
            guarantee_days=guarantee_days,
        )
    if k is SubsidyKind.FINANCING:
        return financing_subsidy(version, basis, granted_this_year=granted_this_year)
    return investment_risk_subsidy(version, basis, granted_this_year=granted_this_year)
