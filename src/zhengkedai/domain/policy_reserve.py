"""Reserve sizing, management fee and suspension: the policy's limits as pure arithmetic.

- Target size = target ratio × outstanding programme principal, half-up once;
  the top-up needed is what the balance lacks, never negative (SPEC 8).
- A top-up or target is spread over deposit banks in proportion to each
  bank's outstanding programme principal by the largest-remainder method, so
  the shares sum exactly to the total; equal remainders go to the lower bank
  code first. With no principal anywhere the total is split evenly the same way.
- The operator's management fee for a year is at most the fee ratio × the
  year's average reserve balance.
- An institution is suspended when its overdue principal exceeds the
  threshold share of its outstanding principal, compared exactly in integers
  (for 5%: overdue × 100 > outstanding × 5); at or below it is active.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from .money import Fen, apply_ratio


def _non_negative(*amounts: Fen) -> None:
    if amounts and min(amounts) < 0:
        raise ValueError("amounts cannot be negative")


def reserve_target(outstanding_principal: Fen, target_ratio: Decimal) -> Fen:
    """The reserve's target size: ratio × outstanding programme principal, half-up."""
    _non_negative(outstanding_principal)
    return apply_ratio(outstanding_principal, target_ratio)


def top_up_needed(target: Fen, available: Fen) -> Fen:
    """What the reserve lacks to reach its target; 0 when it is at or above it.

    Measured against what is available (cash less approved claims not yet
    paid), not the cash: money already committed to a bank is not there to
    cover the next loss.
    """
    return max(0, target - available)


def allocate(total: Fen, weights: Mapping[str, Fen]) -> dict[str, Fen]:
    """Split ``total`` over the keys in proportion to ``weights``, summing exactly.

    Largest-remainder method: each key gets the floor of its exact share, and the
    fen left over go one each to the largest remainders, ties to the lower key.

    Raises:
        ValueError: a negative total or weight, or no keys with something to split.
    """
    _non_negative(total, *weights.values())
    if not weights:
        if total:
            raise ValueError("nothing to allocate over: no deposit banks")
        return {}
    keys = sorted(weights)
    w = {k: weights[k] for k in keys}
    if sum(w.values()) == 0:
        w = dict.fromkeys(keys, 1)
    denominator = sum(w.values())
    floors = {k: total * w[k] // denominator for k in keys}
    remainders = {k: total * w[k] % denominator for k in keys}
    left = total - sum(floors.values())
    for k in sorted(keys, key=lambda k: (-remainders[k], k))[:left]:
        floors[k] += 1
    return floors


def management_fee_limit(average_reserve: Fen, fee_ratio: Decimal) -> Fen:
    """The most the operator may take as management fee for a year, half-up."""
    _non_negative(average_reserve)
    return apply_ratio(average_reserve, fee_ratio)


def is_suspended(outstanding: Fen, overdue: Fen, overdue_ratio_max: Decimal) -> bool:
    """Whether overdue principal exceeds ``overdue_ratio_max`` of outstanding, exactly."""
    _non_negative(outstanding, overdue)
    numerator, denominator = overdue_ratio_max.as_integer_ratio()
    return overdue * denominator > outstanding * numerator


def overdue_ratio(outstanding: Fen, overdue: Fen) -> Decimal | None:
    """Overdue ÷ outstanding as a fraction to 6 places (for display), None when nothing is outstanding."""
    _non_negative(outstanding, overdue)
    if outstanding == 0:
        return None
    return (Decimal(overdue) / Decimal(outstanding)).quantize(Decimal("0.000001"))
