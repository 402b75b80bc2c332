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
from zhengkedai.i18n import N_, _
from zhengkedai.services.batches import Batch

T = TypeVar("T")

# --all's help, by what it selects (translated as --help is built)
ALL_HELP = {
    "submitted claim": N_("Every submitted claim the other filters select, instead of IDs."),
    "approved claim": N_("Every approved claim the other filters select, instead of IDs."),
    "submitted subsidy": N_("Every submitted subsidy the other filters select, instead of IDs."),
    "approved subsidy": N_("Every approved subsidy the other filters select, instead of IDs."),
}

# what a batch of claims or subsidies says, in the reader's language
WORDS = {
    "claim": {
        "both": N_("name claim IDs or use --all, not both"),
        "none": N_("name one or more claim IDs, or use --all with filters"),
        "item": N_("claim #{id}"),
        "empty": N_("no claim matches; nothing was written"),
        "refused": N_("nothing was written: {refused} of {count} claims refused (listed above); "
                      "the others passed their checks"),
        "all refused": N_("nothing was written: all {count} claims refused (listed above)"),
    },
    "subsidy": {
        "both": N_("name subsidy IDs or use --all, not both"),
        "none": N_("name one or more subsidy IDs, or use --all with filters"),
        "item": N_("subsidy #{id}"),
        "empty": N_("no subsidy matches; nothing was written"),
        "refused": N_("nothing was written: {refused} of {count} subsidies refused (listed "
                      "above); the others passed their checks"),
        "all refused": N_("nothing was written: all {count} subsidies refused (listed above)"),
    },
}


def all_option(what: str) -> Callable[[Any], Any]:
    return click.option("--all", "select_all", is_flag=True, help=ALL_HELP[what])


def check_selection(ids: tuple[int, ...], select_all: bool, what: str) -> None:
    if ids and select_all:
        raise ZkdError(_(WORDS[what]["both"]))
    if not ids and not select_all:
        raise ZkdError(_(WORDS[what]["none"]))


def finish(batch: Batch[T], what: str, line: Callable[[int, T], str]) -> None:
    """Print each item's line when all went through; else raise, naming every refusal.

    A single named item keeps its own error (and exit status), as before batches.
    """
    if len(batch.outcomes) == 1 and batch.refused:
        assert batch.refused[0].refusal is not None
        raise batch.refused[0].refusal
    if not batch.outcomes:
        raise ZkdError(_(WORDS[what]["empty"]))
    if batch.refused:
        for o in batch.refused:
            click.echo("  " + _(WORDS[what]["item"]).format(id=o.item_id) + f": {o.refusal}",
                       err=True)
        # "the others passed" only when there are others
        every = len(batch.refused) == len(batch.outcomes)
        raise ZkdError(_(WORDS[what]["all refused" if every else "refused"]).format(
            refused=len(batch.refused), count=len(batch.outcomes)))
    for o in batch.outcomes:
        assert o.result is not None
        click.echo(line(o.item_id, o.result))
