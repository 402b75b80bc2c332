"""Partner institutions: registration, listing, and suspension status.

An institution's status on a date is decided by the month closes before it:
the close of month M suspends it from the first day of M+1 when its overdue
ratio was above the threshold, and the first later close at or below the
threshold reinstates it from the first day of the following month.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select

from zhengkedai.context import Actor
from zhengkedai.db.models import InstitutionMonthRow, InstitutionRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import NotFound, ZkdError
from zhengkedai.domain.periods import first_day, next_period, period_of
from zhengkedai.i18n import _


class InstitutionKind(StrEnum):
    BANK = "bank"
    GUARANTOR = "guarantor"
    INSURER = "insurer"
    INVESTOR = "investor"


KIND_ZH = {
    InstitutionKind.BANK: "合作银行",
    InstitutionKind.GUARANTOR: "合作担保机构",
    InstitutionKind.INSURER: "保险机构",
    InstitutionKind.INVESTOR: "投资机构",
}

# the kinds that file loans and post-loan events (and are closed month by month)
FILING_KINDS = (InstitutionKind.BANK.value, InstitutionKind.GUARANTOR.value,
                InstitutionKind.INSURER.value)

_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True)
class Institution:
    code: str
    name: str
    kind: InstitutionKind
    registered_at: dt.datetime
    suspended_since: dt.date | None  # None: active

    @property
    def status(self) -> str:
        if self.suspended_since is None:
            return _("active")
        return _("suspended since {on}").format(on=self.suspended_since.isoformat())


def add(uow: UnitOfWork, actor: Actor, code: str, name: str, kind: str) -> Institution:
    code = code.strip()
    if not _CODE.match(code):
        raise ZkdError(_("institution code {code!r} must be 1-32 letters, digits, '-' or '_'"
                         ).format(code=code))
    if not name.strip():
        raise ZkdError(_("institution name must not be empty"))
    try:
        k = InstitutionKind(kind)
    except ValueError:
        raise ZkdError(
            _("unknown institution kind {kind!r}; expected bank, guarantor, insurer or investor"
              ).format(kind=kind)) from None
    if uow.s.get(InstitutionRow, code) is not None:
        raise ZkdError(_("institution {code} is already registered").format(code=code))
    # codes are exact, but two that differ only in case would be read as one
    twin = uow.s.execute(select(InstitutionRow.code).where(
        func.upper(InstitutionRow.code) == code.upper())).scalar()
    if twin is not None:
        raise ZkdError(_("institution {twin} is already registered; {code} differs from it "
                         "only in upper and lower case").format(twin=twin, code=code))
    row = InstitutionRow(code=code, name=name.strip(), kind=k.value,
                         registered_at=actor.now(), registered_by=actor.operator)
    uow.s.add(row)
    uow.s.flush()
    return Institution(code, row.name, k, row.registered_at, None)


def get_row(uow: UnitOfWork, code: str, *, kind: InstitutionKind | None = None) -> InstitutionRow:
    row = uow.s.get(InstitutionRow, code)
    if row is None:
        raise NotFound(_("no institution {code!r}; register it with `zkd institution add`"
                         ).format(code=code))
    if kind is not None and row.kind != kind.value:
        raise ZkdError(_("institution {code} is registered as {kind}, not {wanted}").format(
            code=code, kind=_(row.kind), wanted=_(kind.value)))
    return row


def suspended_since(uow: UnitOfWork, code: str, on: dt.date) -> dt.date | None:
    """The date from which ``code`` has been suspended without a break, as of ``on``.

    Only closes of months before ``on``'s month count; a suspension lasts until
    a later close finds the institution back at or below the threshold.
    """
    closes = uow.s.execute(
        select(InstitutionMonthRow.period, InstitutionMonthRow.suspended)
        .where(InstitutionMonthRow.institution_code == code,
               InstitutionMonthRow.period < period_of(on))
        .order_by(InstitutionMonthRow.period)
    ).all()
    since: dt.date | None = None
    for period, suspended in closes:
        if suspended and since is None:
            since = first_day(next_period(period))
        elif not suspended:
            since = None
    return since


def is_suspended(uow: UnitOfWork, code: str, on: dt.date) -> bool:
    return suspended_since(uow, code, on) is not None


def list_all(uow: UnitOfWork, on: dt.date) -> list[Institution]:
    rows = uow.s.execute(select(InstitutionRow).order_by(InstitutionRow.code)).scalars()
    return [
        Institution(r.code, r.name, InstitutionKind(r.kind), r.registered_at,
                    suspended_since(uow, r.code, on))
        for r in rows
    ]
