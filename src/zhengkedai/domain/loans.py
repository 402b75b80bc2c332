"""Programme loans and their post-loan events, as plain values.

A loan's outstanding principal is its principal less repayments and confirmed
losses; its overdue principal is the last reported level, never above the
outstanding principal (repayments and losses lower it with the outstanding).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ..i18n import _, code_name
from .money import Fen


class LoanType(StrEnum):
    CREDIT = "credit"  # 信用
    IP_PLEDGE = "ip_pledge"  # 知识产权质押
    COLLATERAL = "collateral"  # 抵押
    GUARANTEED = "guaranteed"  # 担保
    INSURED = "insured"  # 保证保险


LOAN_TYPE_ZH = {
    LoanType.CREDIT: "信用",
    LoanType.IP_PLEDGE: "知识产权质押",
    LoanType.COLLATERAL: "抵押",
    LoanType.GUARANTEED: "担保",
    LoanType.INSURED: "保证保险",
}


class EventType(StrEnum):
    REPAYMENT = "repayment"  # 还款
    OVERDUE = "overdue"  # 逾期
    LOSS = "loss"  # 损失确认
    RECOVERY = "recovery"  # 追偿回收


EVENT_TYPE_ZH = {
    EventType.REPAYMENT: "还款",
    EventType.OVERDUE: "逾期",
    EventType.LOSS: "损失确认",
    EventType.RECOVERY: "追偿回收",
}


def event_words(event: str) -> str:
    """An event's type as the reader says it: ``损失确认`` in Chinese, ``loss`` in English
    (a tampered one as it is stored)."""
    return code_name(EVENT_TYPE_ZH, event)


@dataclass(frozen=True, slots=True)
class Enterprise:
    """The borrower as the loan file describes it on the disbursement date."""

    credit_code: str
    name: str
    district: str | None
    revenue_prev_year: Fen
    high_tech: bool
    profitable_two_years: bool
    research_cooperation: bool = False


@dataclass(frozen=True, slots=True)
class Loan:
    """A programme loan as filed by its institution."""

    institution_code: str
    loan_no: str
    enterprise: Enterprise
    loan_type: LoanType
    collateral_value: Fen
    principal: Fen
    annual_rate: Decimal  # percent a year: 3.85% -> Decimal("3.85")
    disbursed_on: dt.date
    maturity_on: dt.date
    guarantor_code: str | None = None
    guarantee_fee: Fen = 0


@dataclass(frozen=True, slots=True)
class LoanState:
    """Outstanding and overdue principal of one loan, and its confirmed losses."""

    outstanding: Fen
    overdue: Fen = 0
    losses: Fen = 0


class EventRefused(ValueError):
    """An event the loan's state does not allow; the message names the rule."""


def apply_event(state: LoanState, event: EventType, amount: Fen) -> LoanState:
    """The loan's state after one post-loan event (SPEC 4.2).

    - repayment and loss lower the outstanding principal, and the overdue
      principal by the same amount (never below zero);
    - overdue sets the overdue level (0 clears it), at most the outstanding;
    - recovery changes neither: it is money back after a loss.
    """
    if event in (EventType.REPAYMENT, EventType.LOSS):
        if amount <= 0:
            raise EventRefused(_("amount must be greater than 0"))
        if amount > state.outstanding:
            raise EventRefused(
                _("{event} {amount} exceeds the outstanding principal {outstanding}").format(
                    event=code_name(EVENT_TYPE_ZH, event), amount=amount_text(amount),
                    outstanding=amount_text(state.outstanding))
            )
        return LoanState(
            outstanding=state.outstanding - amount,
            overdue=max(0, state.overdue - amount),
            losses=state.losses + (amount if event is EventType.LOSS else 0),
        )
    if event is EventType.OVERDUE:
        if amount < 0:
            raise EventRefused(_("overdue principal must not be negative"))
        if amount > state.outstanding:
            raise EventRefused(
                _("overdue principal {amount} exceeds the outstanding principal {outstanding}"
                  ).format(amount=amount_text(amount), outstanding=amount_text(state.outstanding))
            )
        return LoanState(state.outstanding, amount, state.losses)
    if amount <= 0:
        raise EventRefused(_("amount must be greater than 0"))
    if state.losses == 0:
        raise EventRefused(_("a recovery needs a confirmed loss on the loan first"))
    return state


def amount_text(amount: Fen) -> str:
    from .money import format_grouped

    return format_grouped(amount)
