"""The rule steps of a policy version, and the conditions that select a ratio.

A policy version's claim rules are an ordered list of steps of a few generic
kinds; the engine (:mod:`zhengkedai.domain.compensation`) runs them in order:

- ``coverage`` — the claim is 0 unless the requirement holds
  (``eligible_enterprise`` or ``institution_active``, i.e. the institution was
  not suspended on the disbursement date);
- ``ratio`` — exactly one; an ordered list of tiers, each a ratio, a clause and
  a ``when`` table of conditions. **The first tier whose conditions all hold
  wins** (file order), so files list the most specific tier first; the last
  tier must be unconditional so every loss gets a ratio. A tier that stops
  matching (e.g. enterprise losses above 3,000,000) falls through to the next;
- ``cap_per_loan`` — at most ``amount`` per loan, across all of its claims;
- ``cap_per_institution_year`` — at most ``amount`` and/or
  ``ratio_of_prior_year_balance`` × the institution's prior-year programme loan
  balance, per institution per year, across all of its claims.

Steps come in phase order: coverage, then the ratio, then caps.

Conditions (``when``) test facts of the claim: booleans (``high_tech = true``),
choices (``loan_type = ["credit", "ip_pledge"]``) and amounts compared with
``lt``/``le``/``gt``/``ge``/``eq`` (``revenue_prev_year = { le = "20000000" }``).
``enterprise_losses`` is the enterprise's confirmed losses across the
programme, this claim's loss included; ``loss`` is this claim's loss.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from .loans import Loan, LoanType
from .money import Fen, format_grouped
from .policy_params import Amount, FrozenModel, Ratio, parse_amount

Fact = bool | str | int | None

BOOL_FACTS = frozenset(
    {"high_tech", "profitable_two_years", "research_cooperation", "has_guarantor"}
)
AMOUNT_FACTS = frozenset(
    {"revenue_prev_year", "collateral_value", "principal", "loss", "enterprise_losses"}
)
CHOICE_FACTS: Mapping[str, frozenset[str] | None] = {
    "loan_type": frozenset(t.value for t in LoanType),
    "district": None,  # any text
}
_COMPARISONS = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥", "eq": "="}


@dataclass(frozen=True, slots=True)
class Condition:
    """One test of a fact: ``fact op operand``; op is is/in/lt/le/gt/ge/eq."""

    fact: str
    op: str
    operand: bool | frozenset[str] | int

    def holds(self, facts: Mapping[str, Fact]) -> bool:
        value = facts[self.fact]
        if self.op == "is":
            return value is self.operand
        if self.op == "in":
            assert isinstance(self.operand, frozenset)
            return isinstance(value, str) and value in self.operand
        assert isinstance(value, int) and isinstance(self.operand, int)
        return {
            "lt": value < self.operand,
            "le": value <= self.operand,
            "gt": value > self.operand,
            "ge": value >= self.operand,
            "eq": value == self.operand,
        }[self.op]

    def describe(self) -> str:
        if isinstance(self.operand, bool):
            return self.fact if self.operand else f"not {self.fact}"
        if isinstance(self.operand, frozenset):
            return f"{self.fact} in {{{', '.join(sorted(self.operand))}}}"
        return f"{self.fact} {_COMPARISONS[self.op]} {format_grouped(self.operand)}"


def parse_conditions(raw: object) -> tuple[Condition, ...]:
    """A ``when`` table as conditions; unknown facts and ill-typed values are errors."""
    if isinstance(raw, tuple) and all(isinstance(c, Condition) for c in raw):
        return raw
    if not isinstance(raw, Mapping):
        raise ValueError("`when` must be a table of conditions")
    out: list[Condition] = []
    for fact, value in raw.items():
        if fact in BOOL_FACTS:
            if not isinstance(value, bool):
                raise ValueError(f"{fact}: expected true or false, got {value!r}")
            out.append(Condition(fact, "is", value))
        elif fact in CHOICE_FACTS:
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise ValueError(f"{fact}: expected a list of names, got {value!r}")
            allowed = CHOICE_FACTS[fact]
            unknown = [v for v in values if allowed is not None and v not in allowed]
            if unknown:
                raise ValueError(f"{fact}: unknown {unknown}; known: {sorted(allowed or ())}")
            out.append(Condition(fact, "in", frozenset(values)))
        elif fact in AMOUNT_FACTS:
            if not isinstance(value, Mapping) or not value:
                raise ValueError(f'{fact}: expected a table like {{ le = "20000000" }}')
            for op, operand in value.items():
                if op not in _COMPARISONS:
                    raise ValueError(f"{fact}: unknown comparison {op!r}; use {list(_COMPARISONS)}")
                try:
                    out.append(Condition(fact, op, parse_amount(operand)))
                except ValueError as exc:
                    raise ValueError(f"{fact}.{op}: {exc}") from None
        else:
            known = sorted({*BOOL_FACTS, *AMOUNT_FACTS, *CHOICE_FACTS})
            raise ValueError(f"unknown fact {fact!r}; known facts: {', '.join(known)}")
    return tuple(out)


Conditions = Annotated[tuple[Condition, ...], BeforeValidator(parse_conditions)]


def claim_facts(loan: Loan, loss: Fen, enterprise_losses: Fen) -> dict[str, Fact]:
    """The facts a ``when`` table may test, for one claim on ``loan``."""
    e = loan.enterprise
    return {
        "high_tech": e.high_tech,
        "profitable_two_years": e.profitable_two_years,
        "research_cooperation": e.research_cooperation,
        "has_guarantor": bool(loan.guarantor_code),
        "revenue_prev_year": e.revenue_prev_year,
        "collateral_value": loan.collateral_value,
        "principal": loan.principal,
        "loss": loss,
        "enterprise_losses": enterprise_losses,
        "loan_type": loan.loan_type.value,
        "district": e.district,
    }


class CoverageStep(FrozenModel):
    """The claim is 0 unless the requirement held (checked by the caller, passed in)."""

    kind: Literal["coverage"]
    name: str = "coverage"
    requires: Literal["eligible_enterprise", "institution_active"]
    clause: str
    # an official's words for the trace: why it held / why not ({clause} may be used)
    why: str | None = None
    why_not: str | None = None


class RatioTier(FrozenModel):
    """A ratio that applies when all its conditions hold."""

    label: str
    ratio: Ratio
    clause: str
    when: Conditions = ()
    # an official's words for the trace; placeholders {ratio}, {amount}, {after},
    # {losses} (the firm's, this loss included) and {not_earlier} (why no earlier
    # tier applied)
    why: str | None = None

    def matches(self, facts: Mapping[str, Fact]) -> bool:
        return all(c.holds(facts) for c in self.when)


class RatioStep(FrozenModel):
    """The share of the loss the reserve bears: the first matching tier's ratio."""

    kind: Literal["ratio"]
    name: str = "ratio"
    tiers: tuple[RatioTier, ...] = Field(min_length=1)

    @field_validator("tiers")
    @classmethod
    def _last_tier_is_unconditional(cls, tiers: tuple[RatioTier, ...]) -> tuple[RatioTier, ...]:
        if tiers[-1].when:
            raise ValueError("the last tier must have no conditions, so every loss gets a ratio")
        return tiers

    def select(self, facts: Mapping[str, Fact]) -> RatioTier:
        """The first tier, in file order, whose conditions all hold."""
        return next(t for t in self.tiers if t.matches(facts))


class CapPerLoanStep(FrozenModel):
    """At most ``amount`` per loan, shared by all of that loan's claims."""

    kind: Literal["cap_per_loan"]
    name: str = "cap_per_loan"
    amount: Amount
    clause: str
    # an official's words for the trace: {limit}, {used}, {left}, {amount}, {after}, {verdict}
    why: str | None = None


class CapPerInstitutionYearStep(FrozenModel):
    """At most min(amount, ratio × prior-year programme loan balance) per institution a year."""

    kind: Literal["cap_per_institution_year"]
    name: str = "cap_per_institution_year"
    amount: Amount | None = None
    ratio_of_prior_year_balance: Ratio | None = None
    clause: str
    # an official's words for the trace: {limit}, {used}, {left}, {amount}, {after}, {verdict}
    why: str | None = None

    @model_validator(mode="after")
    def _some_limit(self) -> CapPerInstitutionYearStep:
        if self.amount is None and self.ratio_of_prior_year_balance is None:
            raise ValueError("give `amount`, `ratio_of_prior_year_balance` or both")
        return self


Step = Annotated[
    CoverageStep | RatioStep | CapPerLoanStep | CapPerInstitutionYearStep,
    Field(discriminator="kind"),
]

PHASE = {"coverage": 0, "ratio": 1, "cap_per_loan": 2, "cap_per_institution_year": 2}
