"""Calculation traces: how a claim or subsidy amount came about, one rule at a time.

A trace is an ordered tuple of :class:`TraceStep`; each step's ``before`` is
the previous step's ``after`` (the first step's ``before`` is the input
amount) and the last step's ``after`` is the computed amount. Cap steps carry
the cap (``limit``), how much of it earlier payments ``used`` and what was
``left``; their ``after`` is ``min(before, left)``. Each step names its source
clause and the policy version, so an auditor can follow the figure back to a text.
"""

from __future__ import annotations

from dataclasses import dataclass

from .money import Fen, format_grouped


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One rule applied: the amount before and after it, and why."""

    rule: str
    clause: str
    policy_version: str
    before: Fen
    after: Fen
    note: str
    limit: Fen | None = None
    used: Fen | None = None
    left: Fen | None = None

    @property
    def is_cap(self) -> bool:
        return self.limit is not None


@dataclass(frozen=True, slots=True)
class ClaimComputation:
    """A compensation claim's amount and the trace that produced it."""

    amount: Fen
    policy_name: str
    policy_version: str
    steps: tuple[TraceStep, ...]


@dataclass(frozen=True, slots=True)
class SubsidyComputation:
    """A subsidy's amount and the trace that produced it; ``kind`` as in the file (4.3)."""

    kind: str
    amount: Fen
    policy_name: str
    policy_version: str
    steps: tuple[TraceStep, ...]


def cap_step(
    rule: str, clause: str, policy_version: str, before: Fen, limit: Fen, used: Fen, what: str
) -> TraceStep:
    """Apply a cap of ``limit`` of which ``used`` is already spent: pay at most what is left."""
    left = max(0, limit - used)
    after = min(before, left)
    note = (
        f"{what} {format_grouped(limit)}, used {format_grouped(used)},"
        f" left {format_grouped(left)}"
        + (f": capped at {format_grouped(after)}" if after < before else ": within the cap")
    )
    return TraceStep(rule, clause, policy_version, before, after, note, limit, used, left)


def check_chain(steps: tuple[TraceStep, ...]) -> None:
    """Raise AssertionError unless each step starts where the previous ended."""
    for a, b in zip(steps, steps[1:], strict=False):
        assert a.after == b.before, f"trace broken between {a.rule} and {b.rule}"
