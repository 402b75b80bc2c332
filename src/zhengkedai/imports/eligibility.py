"""Enterprise eligibility as far as a loan row can show it (SPEC 9).

An eligible enterprise is recognised by the city science bureau (not in the
file: the programme's own records), registered in the city and had prior-year
revenue of at most 400 million yuan (郑政办〔2018〕97号; Zhengzhou 2019 financing
policy). "Registered in the city" is read from the credit code's division code
(characters 3-8), which for Zhengzhou begins with ``4101``.

Both thresholds are policy parameters (:class:`EligibilityRules`); the
function is pure and names the rule in each message.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.money import Fen, format_grouped
from .uscc import division_code

SOURCE = "郑政办〔2018〕97号"
REVENUE_SOURCE = "郑政办〔2018〕97号; 郑州市2019年科技金融政策"


@dataclass(frozen=True)
class EligibilityRules:
    """The policy parameters of eligibility in force on a date."""

    division_prefix: str = "4101"
    region: str = "Zhengzhou"
    revenue_limit: Fen = 40_000_000_000  # 400,000,000.00 yuan


DEFAULT_RULES = EligibilityRules()


def registration_error(credit_code: str, rules: EligibilityRules = DEFAULT_RULES) -> str | None:
    """Why the enterprise is not registered in the region, or ``None``."""
    division = division_code(credit_code)
    if division.startswith(rules.division_prefix):
        return None
    return (f"enterprise not registered in {rules.region}: division code {division} "
            f"does not begin with {rules.division_prefix} ({SOURCE})")


def revenue_error(revenue_prev_year: Fen, rules: EligibilityRules = DEFAULT_RULES) -> str | None:
    """Why the prior-year revenue makes the enterprise ineligible, or ``None``."""
    if revenue_prev_year <= rules.revenue_limit:
        return None
    return (f"prior-year revenue {format_grouped(revenue_prev_year)} exceeds "
            f"{format_grouped(rules.revenue_limit)} ({REVENUE_SOURCE})")


def eligibility_errors(credit_code: str, revenue_prev_year: Fen,
                       rules: EligibilityRules = DEFAULT_RULES) -> list[tuple[str, str]]:
    """Every eligibility rule the enterprise breaks, as ``(column key, message)`` pairs.

    ``credit_code`` must already be a valid USCC.
    """
    errors: list[tuple[str, str]] = []
    if (reason := registration_error(credit_code, rules)) is not None:
        errors.append(("credit_code", reason))
    if (reason := revenue_error(revenue_prev_year, rules)) is not None:
        errors.append(("revenue_prev_year", reason))
    return errors
