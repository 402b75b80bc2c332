"""Loss compensation (损失补偿): a claim's amount by the policy, and recoveries after payment.

:func:`compute_claim` takes the loss and every fact the rules need, picks the
policy version in force on the loan's disbursement date (新老划断) and runs its
claim rules in order, recording a :class:`~.policy_trace.TraceStep` for each:

1. ``recoveries_before_payment`` (always): the loss less money recovered before
   the claim is paid, never below 0 — this net loss is what the claim is
   computed on;
2. the version's ``claim_rules``: coverage (0 and stop if not covered), the
   ratio (first matching tier; rounded half-up once), then the caps.

Invariants: the amount is never above the net loss nor above what any cap has
left; each rule rounds at most once (:func:`~.money.apply_ratio`); no floats.

For the 3,000,000 enterprise-loss tier, ``enterprise_losses`` = the
enterprise's other confirmed losses (as passed in, excluding this one) + this
claim's net loss.

:func:`recovery_share` is the reserve's share of a recovery after payment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext

from .loans import Loan
from .money import Fen, apply_ratio, format_grouped, round_half_up
from .policy import Policy, PolicyError, PolicyVersion
from .policy_params import format_ratio
from .policy_rules import (
    CapPerInstitutionYearStep,
    CapPerLoanStep,
    CoverageStep,
    Fact,
    RatioStep,
    RatioTier,
    claim_facts,
)
from .policy_trace import ClaimComputation, TraceStep, cap_step, fill, why_not
from .workflow import Status

RECOVERIES_RULE = "recoveries_before_payment"
RECOVERIES_CLAUSE = ("追偿回收: 赔付前的回收款冲减本金实际损失 (programme rule; 补偿以本金部分的实际损失为基数: "
                     "郑州市《关于率先构建一流创新生态 建设国家创新高地的意见（征求意见稿）》第(十九)条)")


@dataclass(frozen=True, slots=True)
class InstitutionYear:
    """An institution's use of its yearly compensation cap, for the year the claim counts in.

    ``compensated_this_year``: compensation already approved or paid to the
    institution that year (this claim excluded); ``prior_year_balance``: its
    programme loan balance at the end of the previous year.
    """

    compensated_this_year: Fen
    prior_year_balance: Fen


def compute_claim(
    policy: Policy,
    loan: Loan,
    loss: Fen,
    *,
    enterprise_eligible: bool,
    institution_suspended: bool,
    recovered_before_payment: Fen = 0,
    enterprise_other_losses: Fen = 0,
    loan_compensated_before: Fen = 0,
    institution_year: InstitutionYear | None = None,
) -> ClaimComputation:
    """The compensation for a confirmed principal loss on ``loan``.

    Args:
        policy: the active policy; its version in force on ``loan.disbursed_on`` applies.
        loss: the confirmed principal loss of this claim (fen).
        enterprise_eligible: whether the enterprise was eligible on the disbursement date.
        institution_suspended: whether the institution was suspended on the disbursement date.
        recovered_before_payment: recoveries on this loss received before payment.
        enterprise_other_losses: the enterprise's other confirmed (net) losses across
            the programme, this one excluded.
        loan_compensated_before: compensation already granted on this loan's other claims.
        institution_year: cap usage; required when the version has a yearly institution cap.

    Raises:
        PolicyError: no version covers the disbursement date, or cap usage is missing.
        ValueError: a negative amount.
    """
    amounts = (loss, recovered_before_payment, enterprise_other_losses, loan_compensated_before)
    if min(amounts) < 0:
        raise ValueError("amounts passed to compute_claim cannot be negative")
    version = policy.version_on(loan.disbursed_on)
    v = version.version
    net = max(0, loss - recovered_before_payment)
    steps = [
        TraceStep(
            RECOVERIES_RULE,
            RECOVERIES_CLAUSE,
            v,
            loss,
            net,
            f"loss {format_grouped(loss)} − recovered before payment"
            f" {format_grouped(recovered_before_payment)} = {format_grouped(net)}",
            text=f"本金实际损失 {format_grouped(loss)} 元，扣除支付前追偿回收 "
                 f"{format_grouped(recovered_before_payment)} 元，按 {format_grouped(net)} 元"
                 "计算补偿（补偿以本金部分的实际损失为基数）",
        )
    ]
    amount = net
    covered = {
        "eligible_enterprise": enterprise_eligible,
        "institution_active": not institution_suspended,
    }
    for rule in version.claim_rules:
        if isinstance(rule, CoverageStep):
            ok = covered[rule.requires]
            note = "covered" if ok else _NOT_COVERED[rule.requires]
            template = (rule.why or _COVERED_ZH[rule.requires]) if ok else \
                (rule.why_not or _NOT_COVERED_ZH[rule.requires])
            steps.append(TraceStep(rule.name, rule.clause, v, amount, amount if ok else 0, note,
                                   text=fill(template, clause=_short(rule.clause))))
            if not ok:
                return _result(version, 0, steps)
        elif isinstance(rule, RatioStep):
            losses = enterprise_other_losses + net
            facts = claim_facts(loan, net, losses)
            tier = rule.select(facts)
            after = apply_ratio(amount, tier.ratio)
            note = (
                f"{tier.label}: {format_ratio(tier.ratio)} × {format_grouped(amount)}"
                f" = {format_grouped(after)} (half-up; enterprise losses incl. this one"
                f" {format_grouped(losses)})"
            )
            steps.append(TraceStep(rule.name, tier.clause, v, amount, after, note,
                                   text=_ratio_text(rule, tier, facts, amount, after, losses)))
            amount = after
        elif isinstance(rule, CapPerLoanStep):
            step = cap_step(
                rule.name,
                rule.clause,
                v,
                amount,
                rule.amount,
                loan_compensated_before,
                "per-loan cap",
            )
            steps.append(_cap_words(step, rule.why or "单笔补偿上限 {limit} 元，已用 {used} 元，"
                                                      "{verdict}"))
            amount = step.after
        elif isinstance(rule, CapPerInstitutionYearStep):
            step = _institution_cap(rule, v, amount, institution_year, loan)
            steps.append(step)
            amount = step.after
    return _result(version, amount, steps)


def _short(clause: str) -> str:
    """The public text a clause names (``郑政办〔2018〕97号``), without its gloss."""
    return clause.split(":", 1)[0].split(";", 1)[0].strip()


_COVERED_ZH = {
    "eligible_enterprise": "该企业放款日符合支持条件（{clause}）",
    "institution_active": "贷款发放时合作机构未暂停合作（{clause}）",
}
_NOT_COVERED_ZH = {
    "eligible_enterprise": "该企业放款日不符合支持条件（{clause}），不予补偿",
    "institution_active": "贷款发放时合作机构处于暂停合作期间（{clause}），该笔贷款不予补偿",
}


def _ratio_text(rule: RatioStep, tier: RatioTier, facts: Mapping[str, Fact], amount: Fen,
                after: Fen, losses: Fen) -> str:
    """补偿比例 80%：why this tier, and why no earlier one, with the amounts."""
    earlier = []
    for other in rule.tiers:
        if other is tier:
            break
        failed = next((c for c in other.when if not c.holds(facts)), None)
        if failed is not None:
            reason = why_not(failed.fact, failed.op, failed.operand, facts[failed.fact])
            if reason not in earlier:
                earlier.append(reason)
    ratio = format_ratio(tier.ratio)
    template = tier.why or ("补偿比例 {ratio}：" + ("{not_earlier}" if earlier else tier.label))
    head = fill(template, ratio=ratio, amount=format_grouped(amount), after=format_grouped(after),
                losses=format_grouped(losses), not_earlier="；".join(earlier))
    return f"{head}。{format_grouped(amount)} × {ratio} = {format_grouped(after)}"


_NOT_COVERED = {
    "eligible_enterprise": "not covered: the enterprise was not eligible on the disbursement date",
    "institution_active": "not covered: the loan was disbursed while its institution was suspended",
}


def _institution_cap(
    rule: CapPerInstitutionYearStep,
    v: str,
    amount: Fen,
    usage: InstitutionYear | None,
    loan: Loan,
) -> TraceStep:
    if usage is None:
        raise PolicyError(
            f"claim on loan {loan.loan_no}: policy version {v} caps compensation per institution"
            " and year; the institution's cap usage (InstitutionYear) is needed"
        )
    parts: list[str] = []
    if rule.amount is not None:
        parts.append(format_grouped(rule.amount))
    if rule.ratio_of_prior_year_balance is not None:
        by_balance = apply_ratio(usage.prior_year_balance, rule.ratio_of_prior_year_balance)
        parts.append(
            f"{format_ratio(rule.ratio_of_prior_year_balance)} × prior-year balance"
            f" {format_grouped(usage.prior_year_balance)} = {format_grouped(by_balance)}"
        )
    what = f"per-institution yearly cap min({'; '.join(parts)}) ="
    step = cap_step(
        rule.name, rule.clause, v, amount, institution_year_limit(rule, usage.prior_year_balance),
        usage.compensated_this_year, what,
    )
    return _cap_words(step, rule.why or "机构年度补偿上限 {limit} 元，本年已用 {used} 元，{verdict}")


def _cap_words(step: TraceStep, template: str) -> TraceStep:
    """The cap step with its official's words: the cap, what was used, and whether it bit."""
    assert step.limit is not None and step.used is not None and step.left is not None
    verdict = (f"剩余 {format_grouped(step.left)} 元，本笔按剩余额度补偿 {format_grouped(step.after)} 元"
               if step.after < step.before else
               f"剩余 {format_grouped(step.left)} 元，本笔 {format_grouped(step.before)} 元未超过")
    text = fill(template, limit=format_grouped(step.limit), used=format_grouped(step.used),
                left=format_grouped(step.left), amount=format_grouped(step.before),
                after=format_grouped(step.after), verdict=verdict)
    return dataclasses.replace(step, text=text)


def institution_year_limit(rule: CapPerInstitutionYearStep, prior_year_balance: Fen) -> Fen:
    """What ``rule`` lets an institution be compensated in a year, given its prior-year balance."""
    limits: list[Fen] = []
    if rule.amount is not None:
        limits.append(rule.amount)
    if rule.ratio_of_prior_year_balance is not None:
        limits.append(apply_ratio(prior_year_balance, rule.ratio_of_prior_year_balance))
    return min(limits)


# --- each cap and threshold as one rule, for the computation, statements and verify ---

# A claim uses up its loan's and its institution's caps unless it was turned
# down: submitted, approved and paid claims all count, so that two claims
# filed together cannot each take what is left.
NOT_COUNTED = frozenset({Status.REJECTED, Status.WITHDRAWN})


def counts_toward_caps(status: str) -> bool:
    """Whether a claim in ``status`` uses up its loan's and institution's caps."""
    return status not in NOT_COUNTED


def per_loan_cap(version: PolicyVersion) -> Fen | None:
    """The most ``version`` compensates on one loan, all its claims together; None if no cap."""
    return min((r.amount for r in version.claim_rules if isinstance(r, CapPerLoanStep)),
               default=None)


def yearly_caps(version: PolicyVersion) -> tuple[CapPerInstitutionYearStep, ...]:
    """The per-institution yearly caps of ``version`` (a provincial scheme may set one)."""
    return tuple(r for r in version.claim_rules if isinstance(r, CapPerInstitutionYearStep))


def has_yearly_cap(version: PolicyVersion) -> bool:
    """Whether claims under ``version`` are held to, and use up, a yearly institution cap."""
    return bool(yearly_caps(version))


def yearly_cap_limit(version: PolicyVersion, prior_year_balance: Fen) -> Fen | None:
    """What ``version`` lets an institution be compensated in a year; None if no such cap."""
    return min((institution_year_limit(r, prior_year_balance) for r in yearly_caps(version)),
               default=None)


def claim_year(loss_occurred_on: dt.date) -> int:
    """The year a claim counts in for a yearly cap: the year its loss was confirmed."""
    return loss_occurred_on.year


@dataclass(frozen=True, slots=True)
class LossThreshold:
    """A ratio tier that holds only while the firm's losses stay within an amount.

    Under zhengzhou-2019 that is the full-compensation rule: 100% while the
    firm's confirmed losses across the programme, this one included, total no
    more than 3,000,000; the loss that takes the total past it, and every later
    one, falls through to the next tier. A condition of a ratio, not a cap.
    """

    step: RatioStep
    tier: RatioTier
    amount: Fen
    inclusive: bool  # "no more than" (le) rather than "less than" (lt)

    def holds(self, losses: Fen) -> bool:
        """Whether a firm whose losses total ``losses`` is still within the threshold."""
        return losses <= self.amount if self.inclusive else losses < self.amount

    def ratio_beyond(self, loan: Loan) -> Decimal:
        """The ratio ``loan``'s losses get once the firm is past the threshold."""
        return self.step.select(claim_facts(loan, 0, self.amount + 1)).ratio


def loss_threshold(version: PolicyVersion, loan: Loan) -> LossThreshold | None:
    """The first ratio tier of ``version`` that would apply to ``loan`` but for a limit
    on the firm's losses, or None when no tier of its ratio step depends on them."""
    facts = claim_facts(loan, 0, 0)
    for step in version.claim_rules:
        if not isinstance(step, RatioStep):
            continue
        for tier in step.tiers:
            limits = [c for c in tier.when if c.fact == "enterprise_losses" and c.op in ("le", "lt")
                      and isinstance(c.operand, int) and not isinstance(c.operand, bool)]
            others = [c for c in tier.when if c.fact != "enterprise_losses"]
            if limits and all(c.holds(facts) for c in others):
                operand = limits[0].operand
                assert isinstance(operand, int)
                return LossThreshold(step, tier, operand, limits[0].op == "le")
    return None


def _result(version: PolicyVersion, amount: Fen, steps: list[TraceStep]) -> ClaimComputation:
    return ClaimComputation(amount, version.policy_name, version.version, tuple(steps))


def recovery_share(recovery: Fen, paid: Fen, loss: Fen, already_returned: Fen = 0) -> Fen:
    """The reserve's share of a recovery made after its claim was paid.

    ``recovery × paid ÷ loss``, computed exactly and rounded half-up once, then
    limited to what the reserve paid less what earlier shares returned, so the
    shares together never exceed ``paid``.

    Args:
        recovery: the money recovered now.
        paid: the compensation the reserve paid on the claim.
        loss: the loss that claim was computed on (net of recoveries before payment).
        already_returned: the shares of earlier recoveries on the same claim.

    Raises:
        ValueError: a negative amount, or a zero loss with something paid.
    """
    if min(recovery, paid, loss, already_returned) < 0:
        raise ValueError("amounts passed to recovery_share cannot be negative")
    if paid == 0:
        return 0
    if loss == 0:
        raise ValueError("a paid claim needs a positive loss")
    numerator = recovery * paid
    with localcontext() as ctx:
        # Enough digits that the quotient is exact up to the half-fen it is rounded at.
        ctx.prec = len(str(numerator)) + len(str(loss)) + 4
        share = round_half_up(Decimal(numerator) / Decimal(loss))
    return max(0, min(share, paid - already_returned))


# short Chinese names of the claim rules the bundled policies and the engine name (in
# statements, and on screen in the Chinese interface); a rule a policy file names
# otherwise is shown by its own name
RULE_ZH = {
    "recoveries_before_payment": "支付前回收冲减",
    "coverage": "补偿范围",
    "eligible_enterprise": "企业符合支持条件",
    "institution_active": "放款时机构未暂停",
    "ratio": "补偿比例",
    "compensation_ratio": "补偿比例",
    "cap_per_loan": "单笔贷款补偿上限",
    "cap_per_institution_year": "机构年度补偿上限",
}


def rule_label(rule: str, chinese: bool, names: Mapping[str, str] = RULE_ZH) -> str:
    """A trace step's rule as a reader sees it: its Chinese name in ``names`` (a claim's
    rules; a subsidy's are ``subsidy_rules.SUBSIDY_RULE_ZH``), or its code in English."""
    return names.get(rule, rule) if chinese else rule
