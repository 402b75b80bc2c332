"""A recovery share returned in parts shows on the bank's 对账单 as the ledger books it.

A bank that pays back 15,000 of a 40,000 share in May owes 25,000 at May's end:
its statement must say so (the reserve statement books the 15,000 received and
the trial balance the 25,000 still receivable), and June's, once the rest is
paid, says 40,000 returned and the day it was completed.
"""

from __future__ import annotations

import datetime as dt
import json

from tests import factories as f
from zhengkedai.context import Actor
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.money import parse_yuan as y
from zhengkedai.services.claims import workflow
from zhengkedai.services.statements import packs

MAR = dt.date(2025, 3, 31)


def _section(pack: packs.Pack, period: str, key: str) -> dict:  # type: ignore[type-arg]
    doc = json.loads(pack.files[f"{period}_institution_ZZB.json"])
    return next(s for s in doc["sections"] if s["key"] == key)


def test_a_share_returned_in_parts_is_stated_as_returned_so_far(uow, actor, clock) -> None:  # type: ignore[no-untyped-def]
    claim = f.paid_claim_with_recovery(uow, actor, on=MAR)
    workflow.return_shares(uow, actor, claim, dt.date(2025, 5, 10), amount=y("15,000"))
    workflow.return_shares(uow, actor, claim, dt.date(2025, 6, 12))
    uow.commit()
    clock.now = dt.datetime(2025, 7, 2, 9)

    april = packs.build_pack(uow, actor, "2025-04", fmt="json", institution="ZZB")
    assert _section(april, "2025-04", "recoveries")["values"] == {
        "recovery_owed": "40000.00", "recovery_returned": "0.00",
        "recovery_outstanding": "40000.00"}

    may = packs.build_pack(uow, actor, "2025-05", fmt="json", institution="ZZB")
    assert _section(may, "2025-05", "recoveries")["values"] == {
        "recovery_owed": "40000.00", "recovery_returned": "15000.00",
        "recovery_outstanding": "25000.00"}
    [row] = _section(may, "2025-05", "recoveries_detail")["rows"]
    assert (row["owed"], row["returned"], row["returned_on"]) == ("40000.00", "15000.00", None)

    june = packs.build_pack(uow, actor, "2025-06", fmt="json", institution="ZZB")
    assert _section(june, "2025-06", "recoveries")["values"]["recovery_outstanding"] == "0.00"
    [row] = _section(june, "2025-06", "recoveries_detail")["rows"]
    assert (row["returned"], row["returned_on"]) == ("40000.00", "2025-06-12")


def test_claims_show_says_what_was_returned_of_a_share_and_what_is_owed(zkd_frozen, engine) -> None:  # type: ignore[no-untyped-def]
    actor = Actor(operator="finance")
    with UnitOfWork(engine) as uow:
        claim = f.paid_claim_with_recovery(uow, actor, on=MAR)
        workflow.return_shares(uow, actor, claim, dt.date(2025, 5, 10), amount=y("15,000"))
        uow.commit()
    shown = zkd_frozen("claims", "show", "1")
    assert shown.exit_code == 0, shown.output
    assert "15,000.00 returned, 25,000.00 owed" in shown.output
    data = json.loads(zkd_frozen("claims", "show", "1", "--format", "json").output)
    [share] = data["recovery_shares"]
    assert (share["share"], share["returned"]) == ("40000.00", "15000.00")
