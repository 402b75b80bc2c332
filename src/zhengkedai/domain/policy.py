"""Policies: named, versioned rule sets read from TOML files, and which version governs a loan.

A policy file (``templates/policies/*.toml``) holds one policy: a ``name``, a
``title``, optionally a ``predecessor`` policy, and ``[[versions]]``, each with
an ``effective_from`` date, its parameters (``eligibility``, ``suspension``,
``reserve``, ``subsidies``, see :mod:`.policy_params`) and its ordered
``[[versions.claim_rules]]`` (see :mod:`.policy_rules`). Every parameter and
rule names its source clause; parameters no public text fixes are marked as
programme choices. Where tiers overlap (henan-2025: research cooperation 80%,
credit 60%, revenue tiers), the first matching tier in file order wins, and
files list the most specific first.

新老划断: a loan is governed by the version in force on its disbursement date,
for its whole life: :meth:`Policy.version_on`. A version is in force from its
``effective_from`` until the next version's. A policy that replaces another
names it as ``predecessor``; dates before the policy's first version are then
governed by the predecessor, so switching the programme to a new policy leaves
the old loans under the old rules.

Several policy files can sit in one directory; the programme runs one *active*
policy, by default :data:`DEFAULT_POLICY_NAME` from :func:`default_policy_dir`.
Loading is the only I/O here; a load error names the file and the key path.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError, field_validator, model_validator

from .. import resources
from .errors import ZkdError
from .policy_params import Eligibility, FrozenModel, Reserve, Subsidies, Suspension
from .policy_rules import PHASE, Step

DEFAULT_POLICY_NAME = "zhengzhou-2019"


class PolicyError(ZkdError):
    """A policy file that cannot be used, or a date no policy version covers."""


class PolicyVersion(FrozenModel):
    """One version of a policy: its parameters and claim rules, in force from a date."""

    policy_name: str
    version: str
    effective_from: dt.date
    title: str = ""
    eligibility: Eligibility
    suspension: Suspension
    reserve: Reserve
    subsidies: Subsidies
    claim_rules: tuple[Step, ...]

    @field_validator("claim_rules")
    @classmethod
    def _rules_in_phase_order(cls, rules: tuple[Step, ...]) -> tuple[Step, ...]:
        kinds = [r.kind for r in rules]
        if kinds.count("ratio") != 1:
            raise ValueError("claim_rules need exactly one `ratio` step")
        phases = [PHASE[k] for k in kinds]
        if phases != sorted(phases):
            raise ValueError("claim_rules go in order: coverage steps, the ratio, then caps")
        names = [r.name for r in rules]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"rule names must be unique; repeated: {', '.join(dupes)}")
        return rules

    def programme_choices(self) -> tuple[tuple[str, str], ...]:
        """``(section.parameter, reason)`` for each parameter no public text fixes."""
        sections = {
            "eligibility": self.eligibility,
            "suspension": self.suspension,
            "reserve": self.reserve,
            "subsidies.guarantee_fee": self.subsidies.guarantee_fee,
            "subsidies.financing": self.subsidies.financing,
            "subsidies.investment_risk": self.subsidies.investment_risk,
        }
        return tuple(
            (f"{name}.{key}", reason)
            for name, section in sections.items()
            for key, reason in section.choices.items()
            if section.is_choice(key)
        )


class PolicyFile(FrozenModel):
    """The top level of a policy file."""

    name: str
    title: str
    predecessor: str | None = None
    versions: tuple[PolicyVersion, ...]

    @model_validator(mode="before")
    @classmethod
    def _versions_know_their_policy(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("versions"), list):
            versions = [
                {**v, "policy_name": data.get("name")} if isinstance(v, dict) else v
                for v in data["versions"]
            ]
            return {**data, "versions": versions}
        return data

    @field_validator("versions")
    @classmethod
    def _versions_in_date_order(
        cls, versions: tuple[PolicyVersion, ...]
    ) -> tuple[PolicyVersion, ...]:
        if not versions:
            raise ValueError("a policy needs at least one version")
        dates = [v.effective_from for v in versions]
        if dates != sorted(set(dates)):
            raise ValueError("versions must have distinct effective_from dates, oldest first")
        ids = [v.version for v in versions]
        if len(set(ids)) != len(ids):
            raise ValueError("version names must be unique")
        return versions


@dataclass(frozen=True, eq=False)
class Policy:
    """A named policy: its versions (oldest first) and the policy it replaced, if any.

    Compared and hashed by identity (its versions hold unhashable tables).
    """

    name: str
    title: str
    versions: tuple[PolicyVersion, ...]
    source: str
    predecessor: Policy | None = None

    def version_on(self, day: dt.date) -> PolicyVersion:
        """The version in force on ``day`` (for a loan: its disbursement date).

        Raises:
            PolicyError: no version of this policy or its predecessors covers the day.
        """
        if day < self.versions[0].effective_from:
            if self.predecessor is not None:
                return self.predecessor.version_on(day)
            raise PolicyError(
                f"policy {self.name} is not in force on {day.isoformat()}:"
                f" its first version starts {self.versions[0].effective_from.isoformat()}"
            )
        return [v for v in self.versions if v.effective_from <= day][-1]


def _key_path(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for i, item in enumerate(loc):
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif i >= 2 and loc[i - 2] == "claim_rules" and item in PHASE:
            pass  # the discriminator tag pydantic adds after a step's index
        elif not item.startswith("function-"):
            parts.append(f".{item}" if parts else item)
    return "".join(parts) or "(top level)"


def load_policy_text(
    text: str, source: str, *, known: Mapping[str, Policy] | None = None
) -> Policy:
    """Read a policy from TOML text; ``source`` names it in errors.

    Args:
        known: already loaded policies, to resolve a ``predecessor``.

    Raises:
        PolicyError: bad TOML, a bad or missing key (each named by its key path),
            or an unknown predecessor.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: not valid TOML: {exc}") from None
    try:
        parsed = PolicyFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_key_path(tuple(e['loc']))}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        )
        raise PolicyError(f"{source}: {problems}") from None
    predecessor = None
    if parsed.predecessor is not None:
        predecessor = (known or {}).get(parsed.predecessor)
        if predecessor is None:
            raise PolicyError(f"{source}: predecessor: unknown policy {parsed.predecessor!r}")
        if predecessor.versions[0].effective_from >= parsed.versions[0].effective_from:
            raise PolicyError(f"{source}: predecessor: {parsed.predecessor} does not start earlier")
    return Policy(parsed.name, parsed.title, parsed.versions, source, predecessor)


def load_policy(path: Path | str, *, known: Mapping[str, Policy] | None = None) -> Policy:
    """Read a policy file (see :func:`load_policy_text`)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{p}: cannot read: {exc.strerror}") from None
    return load_policy_text(text, str(p), known=known)


def _head(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: not valid TOML: {exc}") from None


def load_policy_dir(directory: Path | str) -> dict[str, Policy]:
    """Every ``*.toml`` policy in a directory, by name, predecessors resolved.

    Raises:
        PolicyError: a bad file, two files with one name, or predecessors that
            are missing or form a cycle.
    """
    pending: dict[str, tuple[Path, str | None]] = {}
    for path in sorted(Path(directory).glob("*.toml")):
        head = _head(path)
        name = head.get("name")
        if not isinstance(name, str):
            raise PolicyError(f"{path}: name: missing")
        if name in pending:
            raise PolicyError(f"{path}: name: {name!r} is also the name of {pending[name][0]}")
        pred = head.get("predecessor")
        pending[name] = (path, pred if isinstance(pred, str) else None)
    loaded: dict[str, Policy] = {}
    while pending:
        ready = [n for n, (_, pred) in pending.items() if pred is None or pred in loaded]
        if not ready:
            names = ", ".join(f"{n} (after {pred})" for n, (_, pred) in sorted(pending.items()))
            raise PolicyError(f"{directory}: predecessors missing or circular: {names}")
        for name in ready:
            loaded[name] = load_policy(pending.pop(name)[0], known=loaded)
    return loaded


def default_policy_dir() -> Path:
    """The bundled policy files (see :mod:`zhengkedai.resources` for the override)."""
    return resources.policies()


def load_default_policy(
    name: str = DEFAULT_POLICY_NAME, directory: Path | str | None = None
) -> Policy:
    """The named policy (default :data:`DEFAULT_POLICY_NAME`) from the policy directory."""
    policies = load_policy_dir(directory if directory is not None else default_policy_dir())
    try:
        return policies[name]
    except KeyError:
        raise PolicyError(
            f"no policy named {name!r}; known: {', '.join(sorted(policies))}"
        ) from None
