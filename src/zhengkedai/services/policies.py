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
- a policy changes only by a named action, recorded in ``policy_changes``
  (who, when, which command; covered by record digests): ``zkd policy load``
  stores a content, ``zkd policy activate`` makes a name active;
- ``zkd init`` (:func:`load_bundled`) stores the bundled files of names not
  stored yet, inactive, and activates :data:`DEFAULT_POLICY_NAME` only when no
  policy is active (a new ledger); a bundled file whose content differs from
  the stored one of its name is not stored, only named in a note, so that an
  upgraded program never changes the rules of a running ledger by itself. On
  a database that was never initialised the claim service does the same on
  first use;
- loading never deletes a row.
"""

from __future__ import annotations

import functools
import hashlib
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from zhengkedai.context import Actor
from zhengkedai.db.models import PolicyChangeRow, PolicyVersionRow
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
from zhengkedai.i18n import _

LOAD, ACTIVATE = "load", "activate"


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


def store(uow: UnitOfWork, actor: Actor, text: str, source_file: str, *,
          command: str = "zkd policy load") -> tuple[PolicyVersionRow, bool]:
    """Store a policy's content unless that exact content is already stored.

    The text is checked first (a bad file is refused and nothing is written);
    a ``predecessor`` must already be stored. A new row is stored inactive, and
    its loading recorded (``command``, who, when) in ``policy_changes``.

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
    _record(uow, actor, LOAD, row, command)
    return row, True


def _record(uow: UnitOfWork, actor: Actor, action: str, row: PolicyVersionRow, command: str,
            previous: PolicyVersionRow | None = None) -> None:
    uow.s.add(PolicyChangeRow(action=action, policy_id=row.id, name=row.name, sha256=row.sha256,
                              previous_id=previous.id if previous is not None else None,
                              command=command, changed_at=actor.now(),
                              changed_by=actor.operator))
    uow.s.flush()


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


@functools.lru_cache(maxsize=64)
def _predecessor(content: str) -> object:
    """The ``predecessor`` a stored policy's text names (parsed once per text: an
    events file of many losses builds the active policy for every claim it opens)."""
    return tomllib.loads(content).get("predecessor")


def build(uow: UnitOfWork, row: PolicyVersionRow, _seen: frozenset[str] = frozenset()
          ) -> StoredPolicy:
    """The policy a stored row holds; a predecessor is the newest stored row of its name."""
    if row.name in _seen:
        raise PolicyError(f"stored policy {row.name}: predecessors form a cycle")
    pred_name = _predecessor(row.content)
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
    row = _active_row(uow)
    if row is None and actor is not None and not _rows(uow):
        load_bundled(uow, actor, command="first claim, no zkd init")
        return active(uow)
    if row is None:
        raise PolicyError("no active policy; run `zkd init` or `zkd policy activate NAME`")
    return build(uow, row)


def _active_row(uow: UnitOfWork) -> PolicyVersionRow | None:
    return uow.s.execute(
        select(PolicyVersionRow).where(PolicyVersionRow.active.is_(True))
    ).scalar_one_or_none()


def activate(uow: UnitOfWork, actor: Actor, name: str, *,
             command: str = "zkd policy activate") -> StoredPolicy:
    """Make the newest stored content of ``name`` the active policy (new claims use it).

    The change is recorded in ``policy_changes`` with the policy it replaces;
    activating what is already active changes and records nothing.
    """
    target = newest_row(uow, name)
    if target is None:
        by_name(uow, name)  # raises NotFound naming what is stored
        raise AssertionError("unreachable")
    built = build(uow, target)  # refuse content that no longer loads
    previous = _active_row(uow)
    if previous is not None and previous.id == target.id:
        return built
    for row in _rows(uow):
        row.active = row.id == target.id
    uow.s.flush()
    _record(uow, actor, ACTIVATE, target, command, previous)
    return build(uow, target)


def load_bundled(uow: UnitOfWork, actor: Actor, directory: Path | str | None = None, *,
                 command: str = "zkd init") -> tuple[str, ...]:
    """Store the bundled policy files of names not stored yet, and make sure one policy is active.

    Never changes the rules of a ledger that has an active policy: a new name is
    stored inactive; a bundled file whose content differs from what is stored
    under its name is not stored at all (stored, it would be the newest content
    of its name, and so a predecessor's rules at once) but named in a note with
    the commands that adopt it. Only a ledger with no active policy gets
    :data:`DEFAULT_POLICY_NAME` activated. What is stored or activated is
    recorded in ``policy_changes`` under ``command``.

    Returns:
        Notes for ``zkd init`` (none when nothing changed or differs).
    """
    folder = Path(directory) if directory is not None else default_policy_dir()
    bundled = load_policy_dir(folder)  # checks every file and the predecessor order
    notes: list[str] = []
    stored: list[PolicyVersionRow] = []
    for name in _dependency_order(bundled):
        path = Path(bundled[name].source)
        text = path.read_text(encoding="utf-8")
        known = newest_row(uow, name)
        if known is not None and uow.s.execute(select(PolicyVersionRow.id).where(
                PolicyVersionRow.name == name,
                PolicyVersionRow.sha256 == sha256_of(text))).first() is None:
            notes.append(_("The bundled policy file {path} differs from the stored policy "
                           "{name} (#{id}); nothing was changed. To use it: `zkd policy load "
                           "{path}`, then `zkd policy activate {name}`.").format(
                path=path, name=name, id=known.id))
            continue
        row, new = store(uow, actor, text, path.name, command=command)
        if new:
            stored.append(row)
    if _active_row(uow) is None:
        activated = activate(uow, actor, DEFAULT_POLICY_NAME, command=command)
        notes.insert(0, _("Policies stored: {names}; active: {name} (stored #{id}).").format(
            names=", ".join(r.name for r in stored) or _("none new"),
            name=activated.policy.name, id=activated.row_id))
    elif stored:
        notes[:0] = [_("Stored the new policy {name} as #{id}, not active: `zkd policy "
                       "activate {name}` makes it govern new claims.").format(
            name=r.name, id=r.id) for r in stored]
    return tuple(notes)


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


def changes(uow: UnitOfWork) -> list[PolicyChangeRow]:
    """Every policy stored or activated, oldest first."""
    return list(uow.s.execute(select(PolicyChangeRow).order_by(PolicyChangeRow.id)).scalars())


def last_activations(uow: UnitOfWork) -> dict[int, PolicyChangeRow]:
    """Stored policy id -> the latest recorded activation of it."""
    return {c.policy_id: c for c in changes(uow) if c.action == ACTIVATE}


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
