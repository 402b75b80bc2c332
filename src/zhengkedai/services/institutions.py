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


@dataclass(frozen=True)
class PayeeAccount:
    """The bank account payments to an institution go to: 户名, 账号, 开户行."""

    name: str
    number: str
    bank: str


_ACCOUNT_NO = re.compile(r"^[0-9][0-9 -]{4,38}[0-9]$")


def _checked_account(name: str | None, number: str | None, bank: str | None,
                     row: InstitutionRow | None = None) -> PayeeAccount | None:
    """The account from the given parts over ``row``'s; None when none is given or kept."""
    name = (name if name is not None else row.account_name if row else None)
    number = (number if number is not None else row.account_no if row else None)
    bank = (bank if bank is not None else row.account_bank if row else None)
    if name is None and number is None and bank is None:
        return None
    parts = {_("account name"): (name or "").strip(), _("account number"): (number or "").strip(),
             _("account bank"): (bank or "").strip()}
    missing = [label for label, value in parts.items() if not value]
    if missing:
        raise ZkdError(_("a payee account needs its name, number and bank; missing: {missing}"
                         ).format(missing=", ".join(missing)))
    clean_no = (number or "").strip()
    if not _ACCOUNT_NO.match(clean_no):
        raise ZkdError(_("account number {number!r} must be 6-40 digits (spaces and '-' allowed "
                         "between them)").format(number=clean_no))
    return PayeeAccount((name or "").strip(), clean_no, (bank or "").strip())


def account_of(row: InstitutionRow) -> PayeeAccount | None:
    if row.account_no is None:
        return None
    return PayeeAccount(row.account_name or "", row.account_no, row.account_bank or "")


def add(uow: UnitOfWork, actor: Actor, code: str, name: str, kind: str, *,
        account_name: str | None = None, account_no: str | None = None,
        account_bank: str | None = None) -> Institution:
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
    account = _checked_account(account_name, account_no, account_bank)
    row = InstitutionRow(code=code, name=name.strip(), kind=k.value,
                         registered_at=actor.now(), registered_by=actor.operator,
                         account_name=account.name if account else None,
                         account_no=account.number if account else None,
                         account_bank=account.bank if account else None)
    uow.s.add(row)
    uow.s.flush()
    return Institution(code, row.name, k, row.registered_at, None)


def get_row(uow: UnitOfWork, code: str, *, kind: InstitutionKind | None = None) -> InstitutionRow:
    """The institution ``code`` (of ``kind``, if given).

    Raises:
        NotFound: no such code; a code in the wrong case is told the right one.
        ZkdError: the institution is of another kind.
    """
    row = uow.s.get(InstitutionRow, code)
    if row is None:
        # codes are exact (ZZB and zzb could be two institutions), but whoever
        # typed the right code in the wrong case is told which one it is
        alike = uow.s.execute(select(InstitutionRow.code).where(
            func.upper(InstitutionRow.code) == code.upper())
            .order_by(InstitutionRow.code)).scalars().all()
        if alike:
            raise NotFound(_("no institution {code!r}; did you mean {alike}?").format(
                code=code, alike=_(" or ").join(alike)))
        raise NotFound(_("no institution {code!r}; register it with `zkd institution add`"
                         ).format(code=code))
    if kind is not None and row.kind != kind.value:
        raise ZkdError(_("institution {code} is registered as {kind}, not {wanted}").format(
            code=code, kind=_(row.kind), wanted=_(kind.value)))
    return row


def update(uow: UnitOfWork, actor: Actor, code: str, *, name: str | None = None,
           account_name: str | None = None, account_no: str | None = None,
           account_bank: str | None = None) -> InstitutionRow:
    """Change an institution's name or payee account; what is not given stays.

    The code and kind never change: loans, events and entries are filed under them.
    """
    row = get_row(uow, code)
    if name is None and account_name is None and account_no is None and account_bank is None:
        raise ZkdError(_("nothing to change: give --name or --account-name/--account-no/"
                         "--account-bank"))
    if name is not None:
        if not name.strip():
            raise ZkdError(_("institution name must not be empty"))
        row.name = name.strip()
    account = _checked_account(account_name, account_no, account_bank, row)
    if account is not None:
        row.account_name, row.account_no, row.account_bank = (account.name, account.number,
                                                               account.bank)
    uow.s.flush()
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
