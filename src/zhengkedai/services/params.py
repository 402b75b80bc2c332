"""The policy in force for services: one function, so where it comes from is said in one place."""

from __future__ import annotations

from sqlalchemy import select

from zhengkedai.db.models import PolicyVersionRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.policy import Policy, load_default_policy
from zhengkedai.services import policies


def active_policy(uow: UnitOfWork) -> Policy:
    """The active policy stored by ``zkd init`` (or ``zkd policy activate``).

    A database that holds no policy at all (one migrated without ``zkd init``)
    gets the bundled default, so the figures never depend on a missing step.
    """
    stored = uow.s.execute(select(PolicyVersionRow.id).limit(1)).first()
    if stored is None:
        return load_default_policy()
    return policies.active(uow).policy
