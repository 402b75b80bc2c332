"""Policies in the database: the policy files as loaded, and which one is active.

A policy file is stored whole in ``policy_versions`` (name, source file,
SHA-256, content), once per distinct content: loading the same file again
changes nothing, and an edited file is a new row beside the old one. Claims
point at the row they were computed with, so every claim can be recomputed
from what the database holds, whatever happens to the files later.

Invariants:
- at most one row is active; the active policy is a *name* whose newest
  stored content governs new claims (its predecessors resolve to their
  newest stored content too);
- ``zkd init`` loads the bundled files (:func:`load_bundled`) and, when no
  policy is active yet, activates :data:`DEFAULT_POLICY_NAME`; on a database
  that was never initialised the claim service does the same on first use;
- loading never deletes a row.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from zhengkedai.context import Actor
from zhengkedai.db.models import PolicyVersionRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import NotFound
from zhengkedai.domain.money import format_grouped
from zhengkedai.domain.policy import (
    DEFAULT_POLICY_NAME,
    Policy,
    PolicyError,
    PolicyVersion,
    default_policy_dir,
    load_policy_dir,
    load_policy_text,
)
from zhengkedai.domain.policy_params import Sourced, format_ratio
from zhengkedai.domain.policy_rules import (
    CapPerInstitutionYearStep,
    CapPerLoanStep,
    CoverageStep,
    RatioStep,
)


@dataclass(frozen=True)
class StoredPolicy:
    """A policy built from a stored row (``row_id``), predecessors resolved from the database."""

    row_id: int
    policy: Policy
    sha256: str
    source_file: str
    active: bool


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def store(uow: UnitOfWork, actor: Actor, text: str, source_file: str) -> tuple[PolicyVersionRow, bool]:
    """Store a policy's content unless that exact content is already stored.

    The text is checked first (a bad file is refused and nothing is written);
    a ``predecessor`` must already be stored.

    Returns:
        The row and whether it is new.

    Raises:
        PolicyError: the text is not a valid policy.
    """
    policy = load_policy_text(text, source_file, known=known_for(uow, text))
    digest = sha256_of(text)
    row = uow.s.execute(
        select(PolicyVersionRow).where(PolicyVersionRow.name == policy.name,
                                       PolicyVersionRow.sha256 == digest)
    ).scalar_one_or_none()
    if row is not None:
        return row, False
    row = PolicyVersionRow(name=policy.name, source_file=source_file, sha256=digest,
                           content=text, active=False, loaded_at=actor.now(),
                           loaded_by=actor.operator)
    uow.s.add(row)
    uow.s.flush()
    return row, True


def known_for(uow: UnitOfWork, text: str) -> dict[str, Policy]:
    """The stored policies a text may name as predecessor (its own name excluded)."""
    try:
        pred = tomllib.loads(text).get("predecessor")
    except tomllib.TOMLDecodeError:
        return {}  # load_policy_text reports it
    if not isinstance(pred, str):
        return {}
    row = newest_row(uow, pred)
    return {pred: build(uow, row).policy} if row is not None else {}


def newest_row(uow: UnitOfWork, name: str) -> PolicyVersionRow | None:
    return uow.s.execute(
        select(PolicyVersionRow).where(PolicyVersionRow.name == name)
        .order_by(PolicyVersionRow.id.desc()).limit(1)
    ).scalar_one_or_none()


def build(uow: UnitOfWork, row: PolicyVersionRow, _seen: frozenset[str] = frozenset()
          ) -> StoredPolicy:
    """The policy a stored row holds; a predecessor is the newest stored row of its name."""
    if row.name in _seen:
        raise PolicyError(f"stored policy {row.name}: predecessors form a cycle")
    pred_name = tomllib.loads(row.content).get("predecessor")
    known: dict[str, Policy] = {}
    key: tuple[object, ...] = (row.id, row.sha256, row.source_file)
    if isinstance(pred_name, str):
        pred_row = newest_row(uow, pred_name)
        if pred_row is None:
            raise PolicyError(f"stored policy {row.name}: predecessor {pred_name} is not stored")
        pred = build(uow, pred_row, _seen | {row.name})
        known[pred_name] = pred.policy
        key += (pred.row_id, pred.sha256)
    policy = _PARSED.get(key)
    if policy is None:
        # stored content never changes, so a parse is reused for the same rows (a file
        # of many losses opens many claims under the same policy)
        policy = load_policy_text(row.content, f"{row.source_file} (stored #{row.id})",
                                  known=known)
        _PARSED[key] = policy
    return StoredPolicy(row.id, policy, row.sha256, row.source_file, row.active)


_PARSED: dict[tuple[object, ...], Policy] = {}


def by_id(uow: UnitOfWork, row_id: int) -> StoredPolicy:
    row = uow.s.get(PolicyVersionRow, row_id)
    if row is None:
        raise NotFound(f"no stored policy #{row_id}")
    return build(uow, row)


def by_name(uow: UnitOfWork, name: str) -> StoredPolicy:
    row = newest_row(uow, name)
    if row is None:
        known = ", ".join(sorted(r.name for r in _rows(uow))) or "none; run `zkd init`"
        raise NotFound(f"no stored policy named {name!r}; stored: {known}")
    return build(uow, row)


def _rows(uow: UnitOfWork) -> list[PolicyVersionRow]:
    return list(uow.s.execute(select(PolicyVersionRow).order_by(PolicyVersionRow.id)).scalars())


def active(uow: UnitOfWork, actor: Actor | None = None) -> StoredPolicy:
    """The active policy. With ``actor`` and nothing stored yet, the bundled files are loaded first.

    Raises:
        PolicyError: no policy is active (and none could be loaded).
    """
    row = uow.s.execute(
        select(PolicyVersionRow).where(PolicyVersionRow.active.is_(True))
    ).scalar_one_or_none()
    if row is None and actor is not None and not _rows(uow):
        load_bundled(uow, actor)
        return active(uow)
    if row is None:
        raise PolicyError("no active policy; run `zkd init` or `zkd policy activate NAME`")
    return build(uow, row)


def activate(uow: UnitOfWork, name: str) -> StoredPolicy:
    """Make the newest stored content of ``name`` the active policy (new claims use it)."""
    target = newest_row(uow, name)
    if target is None:
        by_name(uow, name)  # raises NotFound naming what is stored
        raise AssertionError("unreachable")
    build(uow, target)  # refuse content that no longer loads
    for row in _rows(uow):
        row.active = row.id == target.id
    uow.s.flush()
    return build(uow, target)


def load_bundled(uow: UnitOfWork, actor: Actor, directory: Path | str | None = None) -> str | None:
    """Store every bundled policy file (idempotent) and make sure one policy is active.

    A new content of the active policy's name becomes active in its place.
    Returns a note for ``zkd init`` when something changed, else None.
    """
    folder = Path(directory) if directory is not None else default_policy_dir()
    policies = load_policy_dir(folder)  # checks every file and the predecessor order
    order = _dependency_order(policies)
    loaded: list[str] = []
    for name in order:
        path = Path(policies[name].source)
        _row, new = store(uow, actor, path.read_text(encoding="utf-8"), path.name)
        if new:
            loaded.append(name)
    current = uow.s.execute(
        select(PolicyVersionRow).where(PolicyVersionRow.active.is_(True))
    ).scalar_one_or_none()
    wanted = current.name if current is not None else DEFAULT_POLICY_NAME
    newest = newest_row(uow, wanted)
    activated = newest is not None and (current is None or current.id != newest.id)
    if activated:
        activate(uow, wanted)
    if not loaded and not activated:
        return None
    return (f"Policies loaded: {', '.join(loaded) or 'none new'}"
            + (f"; active: {wanted}." if activated else "."))


def _dependency_order(policies: dict[str, Policy]) -> list[str]:
    order: list[str] = []

    def visit(p: Policy) -> None:
        if p.predecessor is not None:
            visit(p.predecessor)
        if p.name not in order:
            order.append(p.name)

    for name in sorted(policies):
        visit(policies[name])
    return order


def list_stored(uow: UnitOfWork) -> list[PolicyVersionRow]:
    """Every stored policy content, oldest first."""
    return _rows(uow)


# --- what a version says, as rows for `zkd policy show` ------------------------

@dataclass(frozen=True)
class RuleLine:
    """One rule or parameter in force: where it sits, its value and its source."""

    section: str
    name: str
    value: str
    source: str
    programme_choice: bool


def describe(version: PolicyVersion) -> list[RuleLine]:
    """Every claim rule and parameter of a version, each with its source clause.

    Parameters no public text fixes are flagged ``programme_choice``.
    """
    out: list[RuleLine] = []
    for i, rule in enumerate(version.claim_rules, start=1):
        where = f"claim_rules[{i}] {rule.kind}"
        if isinstance(rule, CoverageStep):
            out.append(RuleLine(where, rule.name, f"requires {rule.requires}", rule.clause, False))
        elif isinstance(rule, RatioStep):
            for tier in rule.tiers:
                cond = " and ".join(c.describe() for c in tier.when)
                value = f"{format_ratio(tier.ratio)} " + (f"when {cond}" if cond else "otherwise")
                out.append(RuleLine(where, tier.label, value, tier.clause, False))
        elif isinstance(rule, CapPerLoanStep):
            out.append(RuleLine(where, rule.name, f"at most {format_grouped(rule.amount)} per loan",
                                rule.clause, False))
        elif isinstance(rule, CapPerInstitutionYearStep):
            parts = []
            if rule.amount is not None:
                parts.append(format_grouped(rule.amount))
            if rule.ratio_of_prior_year_balance is not None:
                parts.append(f"{format_ratio(rule.ratio_of_prior_year_balance)}"
                             " of the prior-year programme loan balance")
            out.append(RuleLine(where, rule.name,
                                "at most " + " and ".join(parts) + " per institution a year",
                                rule.clause, False))
    sections: list[tuple[str, Sourced]] = [
        ("eligibility", version.eligibility),
        ("suspension", version.suspension),
        ("reserve", version.reserve),
        ("subsidies.guarantee_fee", version.subsidies.guarantee_fee),
        ("subsidies.financing", version.subsidies.financing),
        ("subsidies.investment_risk", version.subsidies.investment_risk),
    ]
    for section, params in sections:
        for key in params.PARAMETERS:
            out.append(RuleLine(section, key, _param_text(getattr(params, key)),
                                params.source_of(key), params.is_choice(key)))
    return out


def _param_text(value: object) -> str:
    if isinstance(value, Decimal):
        return format_ratio(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return format_grouped(value)
    return str(value)
