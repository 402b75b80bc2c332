"""Batch actions: one workflow action (approve, pay…) on many claims or subsidies at once.

The batch is one transaction under the ledger lock, taken before anything is
read. Each item is still the single action, with its own checks and its own
journal entry, run inside a savepoint: a refused item leaves nothing behind,
and the items after it are checked against the books as the earlier ones
left them (a payment that the reserve's cash covers only without the others
is refused as it would be on its own, after them).

All or nothing: every item is tried, so every refusal is reported at once,
and the caller commits only when none was refused (:attr:`Batch.ok`). A
partly applied batch would leave the clerk to work out which claims went
through; a refused batch changes nothing and can be run again without the
refused items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import ZkdError

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """One item of a batch: what the action returned, or why it was refused."""

    item_id: int
    result: T | None = None
    refusal: ZkdError | None = None


@dataclass
class Batch(Generic[T]):
    outcomes: list[Outcome[T]] = field(default_factory=list)

    @property
    def refused(self) -> list[Outcome[T]]:
        return [o for o in self.outcomes if o.refusal is not None]

    @property
    def ok(self) -> bool:
        return bool(self.outcomes) and not self.refused


def run(uow: UnitOfWork, ids: Iterable[int], action: Callable[[int], T]) -> Batch[T]:
    """Apply ``action`` to each id in turn, each in a savepoint; nothing is committed.

    Only refusals (:class:`ZkdError`) are collected; any other error is a bug
    and ends the batch, rolling everything back.
    """
    uow.lock_ledger()
    batch: Batch[T] = Batch()
    for item_id in ids:
        savepoint = uow.s.begin_nested()
        try:
            result = action(item_id)
        except ZkdError as exc:
            savepoint.rollback()
            batch.outcomes.append(Outcome(item_id, refusal=exc))
        else:
            savepoint.commit()
            batch.outcomes.append(Outcome(item_id, result=result))
    return batch
