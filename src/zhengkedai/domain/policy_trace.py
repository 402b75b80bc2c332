"""Calculation traces: how a claim or subsidy amount came about, one rule at a time.

A trace is an ordered tuple of :class:`TraceStep`; each step's ``before`` is
the previous step's ``after`` (the first step's ``before`` is the input
amount) and the last step's ``after`` is the computed amount. Cap steps carry
the cap (``limit``), how much of it earlier payments ``used`` and what was
``left``; their ``after`` is ``min(before, left)``. Each step names its source
clause and the policy version, so an auditor can follow the figure back to a text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from .money import Fen, format_grouped, format_plain


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
    # the step in an official's words: the public rule, and why it applied or not
    text: str = ""

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


def step_doc(step: TraceStep) -> dict[str, str | None]:
    """A trace step as stored and shown in JSON: amounts as two-decimal strings; ``text``,
    the step in an official's words, where the computation gave one (claims and subsidies
    computed before it was kept have none, and keep what they said)."""
    def money(v: Fen | None) -> str | None:
        return None if v is None else format_plain(v)

    doc = {"rule": step.rule, "clause": step.clause, "policy_version": step.policy_version,
           "before": money(step.before), "after": money(step.after), "note": step.note,
           "limit": money(step.limit), "used": money(step.used), "left": money(step.left)}
    if step.text:
        doc["text"] = step.text
    return doc


def steps_json(steps: Iterable[TraceStep]) -> str:
    """A trace as stored: a JSON list of :func:`step_doc`."""
    return json.dumps([step_doc(s) for s in steps], ensure_ascii=False)


def check_chain(steps: tuple[TraceStep, ...]) -> None:
    """Raise AssertionError unless each step starts where the previous ended."""
    for a, b in zip(steps, steps[1:], strict=False):
        assert a.after == b.before, f"trace broken between {a.rule} and {b.rule}"


# --- an official's words (SPEC 12) -------------------------------------------------

LOAN_TYPE_WORDS = {"credit": "纯信用", "ip_pledge": "知识产权质押", "collateral": "抵押",
                   "guarantee": "担保", "guarantee_insurance": "保证保险"}


def yuan(fen: Fen) -> str:
    """``3,200,000.00 元``."""
    return f"{format_grouped(fen)} 元"


def why_not(fact: str, op: str, operand: object, value: object) -> str:
    """Why one condition of a ratio tier did not hold, in Chinese, with the figures."""
    if fact == "enterprise_losses" and isinstance(operand, int) and isinstance(value, int):
        word = "超过" if op == "le" else "达到"
        return f"该企业累计本金损失 {yuan(value)}，{word} {yuan(operand)}的全额补偿限额"
    if fact == "revenue_prev_year" and isinstance(operand, int) and isinstance(value, int):
        return f"该企业上年度营业收入 {yuan(value)}，不在 {yuan(operand)}的档次内"
    if fact == "loan_type" and isinstance(operand, frozenset):
        wanted = "、".join(LOAN_TYPE_WORDS.get(t, t) for t in sorted(operand))
        return f"该笔贷款为{LOAN_TYPE_WORDS.get(str(value), str(value))}贷款，不是{wanted}贷款"
    words = {
        "high_tech": ("该企业不是高新技术企业", "该企业是高新技术企业"),
        "profitable_two_years": ("该企业未连续两年盈利", "该企业连续两年盈利"),
        "research_cooperation": ("该企业不是产学研合作企业", "该企业是产学研合作企业"),
        "has_guarantor": ("该笔贷款无担保", "该笔贷款有担保"),
    }
    if fact in words and isinstance(operand, bool):
        return words[fact][0 if operand else 1]
    if fact == "collateral_value" and isinstance(value, int):
        return f"该笔贷款有抵押物（价值 {yuan(value)}）"
    return f"不满足条件 {fact}"


class _Keep(dict[str, object]):
    """Values for :func:`fill`: a placeholder without one is kept as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, **values: object) -> str:
    """A policy file's ``why`` text with its {placeholders} filled; an unknown one is kept."""
    return template.format_map(_Keep(values))
