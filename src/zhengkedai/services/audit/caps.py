"""What `zkd verify` checks against yearly limits: subsidies per beneficiary, management fees."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from zhengkedai.db.models import EntryRow, SubsidyRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.money import format_grouped
from zhengkedai.domain.workflow import Status
from zhengkedai.i18n import _
from zhengkedai.services.audit.records import subsidy_kind_words
from zhengkedai.services.funds.fees import FEE_KIND, FEE_PREFIX, fee_year, limit_text, sum_between
from zhengkedai.services.params import active_policy
from zhengkedai.services.subsidies.applications import cap_of, version_named


def check_caps(uow: UnitOfWork) -> list[str]:
    """Verify: approved and paid subsidies stay within each beneficiary's yearly cap."""
    policy = active_policy(uow)
    groups: dict[tuple[str, str, int], list[SubsidyRow]] = {}
    for row in uow.s.execute(select(SubsidyRow).where(
            SubsidyRow.status.in_((Status.APPROVED, Status.PAID))).order_by(SubsidyRow.id)).scalars():
        groups.setdefault((row.kind, row.beneficiary, row.period_year), []).append(row)
    found = []
    for (kind, who, year), rows in sorted(groups.items()):
        last = rows[-1]
        cap = cap_of(version_named(policy, last.policy_name, last.policy_version, last.submitted_on),
                     kind)
        total = sum(r.amount_fen for r in rows)
        if cap is not None and total > cap:
            found.append(_("{kind} subsidies to {who} for {year} total {total} approved or paid, "
                           "above the cap {cap}").format(
                kind=subsidy_kind_words(kind), who=who, year=year, total=format_grouped(total),
                cap=format_grouped(cap)))
    return found



def check_fees(uow: UnitOfWork) -> list[str]:
    """Verify: at each fee's date, the year's fees up to then are within that date's limit."""
    dates = uow.s.execute(
        select(EntryRow.entry_date).where(EntryRow.kind == FEE_KIND).distinct()
        .order_by(EntryRow.entry_date)
    ).scalars().all()
    problems: list[str] = []
    failed_years: set[int] = set()
    for day in dates:
        if day.year in failed_years:
            continue
        fy = fee_year(uow, day)
        taken = sum_between(uow, FEE_PREFIX, dt.date(day.year, 1, 1), day)
        if taken > fy.limit:
            failed_years.add(day.year)
            problems.append(_(
                "management fees of {year} total {total} by {day}, above the limit: "
                "{limit}").format(year=day.year, total=format_grouped(taken),
                                  day=day.isoformat(), limit=limit_text(fy)))
    return problems


