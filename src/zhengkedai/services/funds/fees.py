"""The operator's management fee (运营管理费): within 1% of the average reserve, interest first.

The limit (SPEC 8, 9): in a calendar year the fees taken total at most the
policy's ``reserve.management_fee_max_ratio`` (1%) × the year's **average
reserve**, where the average reserve on a date D is the time-weighted daily
average of the reserve's total cash at all deposit banks, end of each day, from
1 January of D's year to D inclusive (days before the first deposit count as
zero), with that year's management-fee payments left out of the balances (so
a fee does not shrink its own base, and the figure does not depend on the
order fees were booked; earlier years' fees did reduce the reserve and count). The average is rounded half-up to the fen, and the limit is
1% of that figure, rounded half-up: both are shown, so anyone can recompute them.
A fee is refused when the year's fees, this one included, would pass the limit
on its date.

Interest first: each fee records which part is covered by interest income
earned that year up to the fee's date and not yet used by the year's earlier
fees (Dr ``reserve:fee_expense:interest``) and which part by principal (Dr
``reserve:fee_expense:principal``); Cr the deposit bank's cash. The bank is
``--at``, else the bank that earned the most interest that year up to the fee
date (ties: lower code), else the bank holding the most reserve money.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from zhengkedai.context import Actor
from zhengkedai.db.ledger_repo import LedgerRepo
from zhengkedai.db.models import EntryRow, LineRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain import accounts as acc
from zhengkedai.domain.errors import InvariantViolation, ZkdError
from zhengkedai.domain.ledger import Entry, EntryDraft, Line
from zhengkedai.domain.money import Fen, format_grouped, round_half_up
from zhengkedai.domain.policy_params import format_ratio
from zhengkedai.domain.policy_reserve import management_fee_limit
from zhengkedai.i18n import _
from zhengkedai.services import institutions
from zhengkedai.services.funds.reserve import CASH, INTEREST_INCOME, balances_by_bank
from zhengkedai.services.params import active_policy

FEE_KIND = "reserve.fee"
FEE_KINDS = (FEE_KIND, f"reversal:{FEE_KIND}")
FEE_FROM_INTEREST = "reserve:fee_expense:interest"
FEE_FROM_PRINCIPAL = "reserve:fee_expense:principal"
FEE_PREFIX = "reserve:fee_expense:"


@dataclass(frozen=True)
class FeeYear:
    """A year's management-fee figures as of a date (``through``)."""

    year: int
    through: dt.date
    days: int
    average_reserve: Fen
    ratio_text: str  # "1%"
    limit: Fen
    fees_taken: Fen  # fees dated in the year (all of it)
    interest_earned: Fen  # interest income from 1 January to ``through``
    interest_used: Fen  # the part of the year's fees covered by interest

    @property
    def headroom(self) -> Fen:
        return max(0, self.limit - self.fees_taken)

    @property
    def interest_left(self) -> Fen:
        return max(0, self.interest_earned - self.interest_used)


@dataclass(frozen=True)
class FeePaid:
    entry: Entry
    bank: str
    amount: Fen
    from_interest: Fen
    from_principal: Fen
    year: FeeYear  # the figures before this fee


def average_reserve(uow: UnitOfWork, on: dt.date) -> tuple[Fen, int]:
    """The time-weighted daily average reserve cash from 1 January to ``on``, and the day count."""
    start = dt.date(on.year, 1, 1)
    amount = func.sum(LineRow.amount_fen)
    base = (select(amount).join(EntryRow, EntryRow.seq == LineRow.entry_seq)
            .where(LineRow.account_code.startswith(CASH, autoescape=True)))
    running = int(uow.s.execute(base.where(EntryRow.entry_date < start)).scalar_one() or 0)
    changes = uow.s.execute(
        base.add_columns(EntryRow.entry_date)
        .where(EntryRow.entry_date >= start, EntryRow.entry_date <= on,
               EntryRow.kind.not_in(FEE_KINDS))
        .group_by(EntryRow.entry_date).order_by(EntryRow.entry_date)
    ).all()
    total, day = 0, start
    for change, when in changes:
        total += running * (when - day).days
        running += int(change)
        day = when
    total += running * ((on - day).days + 1)
    days = (on - start).days + 1
    return round_half_up(Decimal(total) / days), days


def sum_between(uow: UnitOfWork, prefix: str, since: dt.date, until: dt.date) -> Fen:
    return sum(LedgerRepo(uow).balances(prefix=prefix, since=since, as_of=until).values())


def fee_year(uow: UnitOfWork, on: dt.date) -> FeeYear:
    """The management-fee limit, fees and interest of ``on``'s year, as of ``on``."""
    ratio = active_policy(uow).version_on(on).reserve.management_fee_max_ratio
    average, days = average_reserve(uow, on)
    start, end = dt.date(on.year, 1, 1), dt.date(on.year, 12, 31)
    return FeeYear(
        year=on.year, through=on, days=days, average_reserve=average,
        ratio_text=format_ratio(ratio), limit=management_fee_limit(average, ratio),
        fees_taken=sum_between(uow, FEE_PREFIX, start, end),
        interest_earned=-sum_between(uow, INTEREST_INCOME, start, on),
        interest_used=sum_between(uow, FEE_FROM_INTEREST, start, end),
    )


def limit_text(fy: FeeYear) -> str:
    return _("{ratio} of the average reserve {average} from {first} to {through} is {limit}"
             ).format(ratio=fy.ratio_text, average=format_grouped(fy.average_reserve),
                      first=f"{fy.year}-01-01", through=fy.through.isoformat(),
                      limit=format_grouped(fy.limit))


def _fee_bank(uow: UnitOfWork, on: dt.date) -> str:
    """The bank that earned the most interest this year, else the one holding the most."""
    start = dt.date(on.year, 1, 1)
    earned = uow.s.execute(
        select(LineRow.account_code, func.sum(LineRow.amount_fen))
        .join(EntryRow, EntryRow.seq == LineRow.entry_seq)
        .where(EntryRow.kind == "reserve.interest", EntryRow.entry_date >= start,
               EntryRow.entry_date <= on, LineRow.account_code.startswith(CASH, autoescape=True))
        .group_by(LineRow.account_code)
    ).all()
    if earned:
        code = min(earned, key=lambda r: (-int(r[1]), r[0]))[0]
        return str(code)[len(CASH):]
    held = balances_by_bank(uow, on)
    if not held:
        raise ZkdError(_("the reserve holds no money at any deposit bank to pay a fee from"))
    return min(held.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def pay_fee(uow: UnitOfWork, actor: Actor, amount: Fen, *, on: dt.date,
            bank: str | None = None, ref: str | None = None) -> FeePaid:
    """Pay the operator's management fee from the reserve, interest income first.

    Raises:
        InvariantViolation: the year's fees would pass the limit (the message names
            the limit, its base and what can still be taken), or the voucher was
            used for another fee.
        InsufficientFunds: the paying bank holds too little.
    """
    if amount <= 0:
        raise ZkdError(_("a management fee must be greater than 0"))
    ledger = LedgerRepo(uow)
    head = uow.lock_ledger()
    key = ledger.voucher_key(f"reserve-fee:{ref}") if ref else f"reserve-fee:#{head.last_seq + 1}"
    seq = uow.s.execute(select(EntryRow.seq).where(EntryRow.idempotency_key == key)
                        ).scalar_one_or_none()
    if seq is not None:  # the same voucher again: say what was booked, book nothing
        prior = ledger.entry(seq)
        split = {line.account: line.amount for line in prior.lines}
        cash = [code for code in split if code.startswith(CASH)]
        if (prior.entry_date != on or len(cash) != 1 or -split[cash[0]] != amount
                or (bank is not None and cash[0] != acc.reserve_cash(bank))):
            raise InvariantViolation(_("voucher {ref} was booked as entry #{seq} with other "
                                       "content; if that was a mistake, reverse it first "
                                       "(`zkd reverse {seq} --reason TEXT`)").format(
                                           ref=ref, seq=seq))
        return FeePaid(prior, cash[0][len(CASH):], amount, split.get(FEE_FROM_INTEREST, 0),
                       split.get(FEE_FROM_PRINCIPAL, 0), fee_year(uow, on))
    fy = fee_year(uow, on)
    if fy.fees_taken + amount > fy.limit:
        raise InvariantViolation(
            _("management fee {amount} refused: {year}'s fees would total {total}, above the "
              "limit ({limit}); at most {headroom} can still be taken on {on}").format(
                amount=format_grouped(amount), year=fy.year,
                total=format_grouped(fy.fees_taken + amount), limit=limit_text(fy),
                headroom=format_grouped(fy.headroom), on=on.isoformat())
        )
    if bank is None:
        bank = _fee_bank(uow, on)
    else:
        institutions.get_row(uow, bank, kind=institutions.InstitutionKind.BANK)
    from_interest = min(amount, fy.interest_left)
    from_principal = amount - from_interest
    lines = [Line(FEE_FROM_INTEREST, from_interest), Line(FEE_FROM_PRINCIPAL, from_principal),
             Line(acc.reserve_cash(bank), -amount)]
    entry = ledger.post(
        EntryDraft(
            entry_date=on,
            kind=FEE_KIND,
            memo=(f"支付{fy.year}年度运营管理费 {format_grouped(amount)}，由{bank}存款支付："
                  f"利息收入列支 {format_grouped(from_interest)}，本金列支 "
                  f"{format_grouped(from_principal)}（年度上限 {format_grouped(fy.limit)} = "
                  f"日均余额 {format_grouped(fy.average_reserve)} × {fy.ratio_text}）"
                  + (f"（凭证 {ref}）" if ref else "")),
            lines=tuple(line for line in lines if line.amount),
            idempotency_key=key,
            source_ref=f"fee:{ref}" if ref else "fee",
        ),
        actor,
    )
    return FeePaid(entry, bank, amount, from_interest, from_principal, fy)
