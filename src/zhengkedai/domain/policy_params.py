"""Policy parameters: how a policy file spells amounts and ratios, and the sourced sections.

Invariants of the file format, enforced here when a file is read:

- Amounts are written in yuan, as a string (``"5,000,000.00"``) or a whole
  TOML integer (``5000000``), and become exact ``int`` fen. TOML floats are
  refused: a float is already inexact when TOML hands it over.
- Ratios are strings, ``"80%"`` or ``"0.8"``, and become exact ``Decimal``
  fractions between 0 and 1. Floats and bare integers are refused (``1``
  could mean 100% or 1%).
- Every parameter of a section names where it comes from: either a public
  clause (``clauses = { key = "郑州市2019年科技金融政策 第二条" }``) or, when no
  public text fixes it, a programme choice (``choices = { key = "programme
  default (no public text fixes it)" }``). A parameter with neither, or a
  source for a key that is not a parameter, is a load error.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from ..i18n import N_, _
from .loans import Enterprise
from .money import AmountError, Fen, format_grouped, parse_yuan

CHOICE_PREFIX = "programme choice: "


def clause_words(clause: str, chinese: bool) -> str:
    """A stored source clause as a reader sees it: a programme choice (whose gloss the policy
    file writes in English) said in Chinese; a public text as it is."""
    if chinese and clause.startswith(CHOICE_PREFIX):
        return "项目默认参数（公开文件未规定具体数值）"
    if chinese:  # a rule of the programme's own, glossed in English where it is stored
        return clause.replace("programme rule", "本项目规则")
    return clause


def parse_amount(value: object) -> Fen:
    """A policy-file amount in yuan (string or whole integer) as fen; never a float."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f'write amounts as strings in yuan ("5000000.00"), not {value!r}')
    if isinstance(value, int):
        if value < 0:
            raise ValueError("an amount cannot be negative")
        return value * 100
    if isinstance(value, str):
        try:
            fen = parse_yuan(value)
        except AmountError as exc:
            raise ValueError(str(exc)) from None
        if fen < 0:
            raise ValueError("an amount cannot be negative")
        return fen
    raise ValueError(f"expected an amount in yuan, got {value!r}")


def parse_ratio(value: object) -> Decimal:
    """A policy-file ratio (``"80%"`` or ``"0.8"``) as an exact fraction in [0, 1]."""
    if isinstance(value, Decimal):
        ratio = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            if text.endswith("%"):
                ratio = Decimal(text[:-1].strip()) / 100
            else:
                ratio = Decimal(text)
        except InvalidOperation:
            raise ValueError(f'{value!r} is not a ratio; write "80%" or "0.8"') from None
    else:
        raise ValueError(f'write ratios as strings ("80%" or "0.8"), not {value!r}')
    if not ratio.is_finite() or not Decimal(0) <= ratio <= Decimal(1):
        raise ValueError(f"{value!r} is not a ratio between 0% and 100%")
    return ratio


Amount = Annotated[int, BeforeValidator(parse_amount)]
Ratio = Annotated[Decimal, BeforeValidator(parse_ratio)]


def format_ratio(ratio: Decimal) -> str:
    """``Decimal("0.8")`` -> ``"80%"``; ``Decimal("0.125")`` -> ``"12.5%"``."""
    pct = (ratio * 100).normalize()
    text = f"{pct:f}"
    return f"{text}%"


class FrozenModel(BaseModel):
    """Base of every policy-file model: unknown keys are errors, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(FrozenModel):
    """A section whose every parameter carries a public clause or a programme choice."""

    PARAMETERS: ClassVar[tuple[str, ...]] = ()

    clauses: dict[str, str] = {}
    choices: dict[str, str] = {}

    @model_validator(mode="after")
    def _every_parameter_is_sourced(self) -> Sourced:
        for key in (*self.clauses, *self.choices):
            if key not in self.PARAMETERS:
                raise ValueError(f"source given for {key!r}, which is not a parameter here")
        for key in self.PARAMETERS:
            if key not in self.clauses and key not in self.choices:
                raise ValueError(
                    f"parameter {key!r} names no source: add it to `clauses` (a public text)"
                    " or to `choices` (a programme choice)"
                )
        return self

    def source_of(self, key: str) -> str:
        """The clause a parameter comes from, or ``"programme choice: …"``."""
        if key in self.clauses:
            return self.clauses[key]
        return CHOICE_PREFIX + self.choices[key]

    def is_choice(self, key: str) -> bool:
        """Whether the parameter is a programme choice that no public text fixes."""
        return key in self.choices and key not in self.clauses


class Eligibility(Sourced):
    """Which enterprises the programme serves (on a loan's disbursement date).

    ``division_prefix`` is matched against the credit code's division code,
    characters 3–8 (``credit_code[2:8]``). Class A is revenue ≤ ``class_a_max``,
    class B above it up to ``revenue_max``.
    """

    PARAMETERS: ClassVar[tuple[str, ...]] = ("division_prefix", "revenue_max", "class_a_max")

    division_prefix: str
    revenue_max: Amount
    class_a_max: Amount
    # the programme area's name, as messages say it (in the reader's language)
    region: str = N_("Zhengzhou")

    @model_validator(mode="after")
    def _classes_nest(self) -> Eligibility:
        if self.class_a_max > self.revenue_max:
            raise ValueError("class_a_max exceeds revenue_max")
        return self

    def registration_problem(self, credit_code: str, who: str = "enterprise") -> str | None:
        """Why ``who`` (a valid credit code) is not registered in the programme area, or None.

        "Registered in the city" is read from the code's division code, characters 3–8.
        """
        division = credit_code[2:8]
        if division.startswith(self.division_prefix):
            return None
        return _("{who} not registered in {region}: division code {division} does not begin "
                 "with {prefix} ({source})").format(
                     who=_(who), region=_(self.region), division=division,
                     prefix=self.division_prefix, source=self.source_of("division_prefix"))

    def revenue_problem(self, revenue_prev_year: Fen) -> str | None:
        """Why the prior-year revenue puts the enterprise outside the programme, or None."""
        if revenue_prev_year <= self.revenue_max:
            return None
        return _("prior-year revenue {revenue} exceeds {limit} ({source})").format(
            revenue=format_grouped(revenue_prev_year), limit=format_grouped(self.revenue_max),
            source=self.source_of("revenue_max"))

    def problems_by_column(self, credit_code: str, revenue_prev_year: Fen
                           ) -> list[tuple[str, str]]:
        """Every eligibility rule broken, as ``(file column key, reason)`` pairs."""
        found = [("credit_code", self.registration_problem(credit_code)),
                 ("revenue_prev_year", self.revenue_problem(revenue_prev_year))]
        return [(key, reason) for key, reason in found if reason is not None]

    def problems(self, enterprise: Enterprise) -> tuple[str, ...]:
        """Why the enterprise is not eligible, each reason naming its clause; empty if eligible.

        The science bureau's recognition is not in the loan file and is not checked here.
        """
        return tuple(reason for _, reason in self.problems_by_column(
            enterprise.credit_code, enterprise.revenue_prev_year))

    def enterprise_class(self, revenue_prev_year: Fen) -> str | None:
        """``"A"`` (≤ class_a_max), ``"B"`` (up to revenue_max) or None (not eligible)."""
        if revenue_prev_year <= self.class_a_max:
            return "A"
        if revenue_prev_year <= self.revenue_max:
            return "B"
        return None


class Suspension(Sourced):
    """An institution is suspended when overdue principal exceeds this share of outstanding."""

    PARAMETERS: ClassVar[tuple[str, ...]] = ("overdue_ratio_max",)

    overdue_ratio_max: Ratio


class Reserve(Sourced):
    """Reserve sizing: the target share of outstanding principal and the management fee."""

    PARAMETERS: ClassVar[tuple[str, ...]] = (
        "target_ratio",
        "target_ratio_min",
        "target_ratio_max",
        "management_fee_max_ratio",
    )

    target_ratio: Ratio
    target_ratio_min: Ratio
    target_ratio_max: Ratio
    management_fee_max_ratio: Ratio

    @model_validator(mode="after")
    def _target_within_range(self) -> Reserve:
        if not self.target_ratio_min <= self.target_ratio <= self.target_ratio_max:
            raise ValueError(
                f"target_ratio {format_ratio(self.target_ratio)} is outside"
                f" {format_ratio(self.target_ratio_min)}–{format_ratio(self.target_ratio_max)}"
            )
        return self


class GuaranteeFeeSubsidy(Sourced):
    """Subsidy = rate × fee paid, the fee counted at most fee_rate_cap a year of the principal."""

    PARAMETERS: ClassVar[tuple[str, ...]] = ("rate", "fee_rate_cap")

    rate: Ratio
    fee_rate_cap: Ratio


class FinancingSubsidy(Sourced):
    """Subsidy = rate × interest paid or investment received, capped per enterprise a year."""

    PARAMETERS: ClassVar[tuple[str, ...]] = ("rate", "cap_per_enterprise_year")

    rate: Ratio
    cap_per_enterprise_year: Amount


class InvestmentRiskSubsidy(Sourced):
    """Subsidy = rate × realised investment loss, capped per investment institution a year."""

    PARAMETERS: ClassVar[tuple[str, ...]] = ("rate", "cap_per_institution_year")

    rate: Ratio
    cap_per_institution_year: Amount


class Subsidies(FrozenModel):
    """The three subsidies of the science-finance budget."""

    guarantee_fee: GuaranteeFeeSubsidy
    financing: FinancingSubsidy
    investment_risk: InvestmentRiskSubsidy
