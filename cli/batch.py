"""What claim and subsidy batch commands share: choosing the items, reporting each one.

``zkd claims approve 12 13 14`` or ``zkd claims pay --all --institution ZZB``:
the items are acted on in one transaction (see ``zhengkedai.services.batches``),
and either all of them go through or none does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from zhengkedai.domain.errors import ZkdError
from zhengkedai.services.batches import Batch

T = TypeVar("T")


def all_option(what: str) -> Callable[[Any], Any]:
    return click.option("--all", "select_all", is_flag=True,
                        help=f"Every {what} the other filters select, instead of IDs.")


def check_selection(ids: tuple[int, ...], select_all: bool, what: str) -> None:
    if ids and select_all:
        raise ZkdError(f"name {what} IDs or use --all, not both")
    if not ids and not select_all:
        raise ZkdError(f"name one or more {what} IDs, or use --all with filters")


PLURAL = {"claim": "claims", "subsidy": "subsidies"}


def finish(batch: Batch[T], what: str, line: Callable[[int, T], str]) -> None:
    """Print each item's line when all went through; else raise, naming every refusal.

    A single named item keeps its own error (and exit status), as before batches.
    """
    if len(batch.outcomes) == 1 and batch.refused:
        assert batch.refused[0].refusal is not None
        raise batch.refused[0].refusal
    if not batch.outcomes:
        raise ZkdError(f"no {what} matches; nothing was written")
    if batch.refused:
        for o in batch.refused:
            click.echo(f"  {what} #{o.item_id}: {o.refusal}", err=True)
        raise ZkdError(f"nothing was written: {len(batch.refused)} of {len(batch.outcomes)} "
                       f"{PLURAL[what]} refused (listed above); the others passed their checks")
    for o in batch.outcomes:
        assert o.result is not None
        click.echo(line(o.item_id, o.result))
