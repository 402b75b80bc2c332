"""The policy in force for services: one function, so where it comes from can change in one place."""

from __future__ import annotations

from ..db.uow import UnitOfWork
from ..domain.policy import Policy, load_default_policy


def active_policy(uow: UnitOfWork) -> Policy:
    """The active policy (today: the bundled default; later: the one stored by `zkd init`)."""
    return load_default_policy()
