"""Enterprise eligibility as a file row shows it, by the policy's own rule.

The rule (registered in the city, read from the credit code's division code;
prior-year revenue within the limit) and its parameters and sources are
:class:`zhengkedai.domain.policy_params.Eligibility`, from the policy version in
force on the loan's disbursement date: the claim computation asks the same
object. Here are only the by-column form a file check needs and the parameters
used when a file is read on its own, outside a ledger (the bundled default
policy's).
"""

from __future__ import annotations

import datetime as dt
import functools

from ..domain.money import Fen
from ..domain.policy import Policy, PolicyError, load_default_policy
from ..domain.policy_params import Eligibility

EligibilityRules = Eligibility


@functools.cache
def _default_policy() -> Policy:
    return load_default_policy()


def DEFAULT_RULES(day: dt.date) -> Eligibility:  # noqa: N802 - used as the default value
    """The bundled default policy's eligibility on ``day`` (its first version before it began)."""
    policy = _default_policy()
    try:
        return policy.version_on(day).eligibility
    except PolicyError:
        return policy.versions[0].eligibility


def registration_error(credit_code: str, rules: Eligibility) -> str | None:
    """Why the enterprise is not registered in the programme area, or ``None``."""
    return rules.registration_problem(credit_code)


def eligibility_errors(credit_code: str, revenue_prev_year: Fen,
                       rules: Eligibility) -> list[tuple[str, str]]:
    """Every eligibility rule the enterprise breaks, as ``(column key, message)`` pairs.

    ``credit_code`` must already be a valid USCC.
    """
    return rules.problems_by_column(credit_code, revenue_prev_year)
