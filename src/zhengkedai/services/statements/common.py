"""What the statement builders share: the month being reported, percents, trace text."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from zhengkedai.context import Actor, local_time
from zhengkedai.db.ledger_repo import closed_month, latest_closed
from zhengkedai.db.models import LoanRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain import workflow
from zhengkedai.domain.compensation import RULE_ZH
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.money import FEN_PER_YUAN, Fen, format_grouped
from zhengkedai.domain.periods import first_day, last_day, parse_period
from zhengkedai.domain.workflow import Status
from zhengkedai.i18n import _
from zhengkedai.services import portfolio


@dataclass(frozen=True)
class Month:
    """The month a statement is about, and how it is stamped."""

    period: str
    start: dt.date
    end: dt.date
    generated_at: dt.datetime
    draft: bool

    def within(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def by_end(self, day: dt.date | None) -> bool:
        return day is not None and day <= self.end


def month_of(uow: UnitOfWork, actor: Actor, period: str) -> Month:
    """The month a statement is of; a month that has not begun has nothing to state.

    Raises:
        ZkdError: ``period`` begins after today (Zhengzhou time), or comes before a closed
            month without a close of its own (a month before the ledger's activity).
    """
    period = parse_period(period)
    if first_day(period) > actor.today():
        raise ZkdError(_("{period} has not begun (today is {today}): there is nothing to "
                         "state yet").format(period=period, today=actor.today()))
    closed = closed_month(uow, period)
    latest = latest_closed(uow) if closed is None else None
    if latest is not None and period < latest:
        # closes go in order from the first month with activity: an earlier month that was
        # never closed had nothing booked in it, and is not an open month either
        raise ZkdError(_("{period} comes before {last}, which is closed, and was never closed "
                         "itself: the ledger has no activity in it and no statements of it"
                         ).format(period=period, last=latest))
    return Month(
        period=period,
        start=first_day(period),
        end=last_day(period),
        generated_at=local_time(closed.closed_at if closed else actor.now()),
        draft=closed is None,
    )


@dataclass(frozen=True)
class MonthEnd:
    """The loans at a month's end as the statements need them: totals per institution that
    filed them and per guarantor, over every loan disbursed by the end (SQL aggregates), and
    the loans disbursed in the month themselves — what the month costs, not all of history."""

    by_institution: dict[str, portfolio.Totals]
    by_guarantor: dict[str, portfolio.Totals]
    new: tuple[portfolio.LoanLine, ...]  # by disbursement date and loan number

    @property
    def outstanding(self) -> Fen:
        return sum(t.outstanding for t in self.by_institution.values())


def month_end(uow: UnitOfWork, month: Month) -> MonthEnd:
    """The month's :class:`MonthEnd`, each loan's state at ``month.end``."""
    return MonthEnd(
        portfolio.totals_by(uow, month.end, LoanRow.institution_code),
        portfolio.totals_by(uow, month.end, LoanRow.guarantor_code),
        tuple(portfolio.loan_lines(uow, month.end, LoanRow.disbursed_on >= month.start)))


def percent(numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator in percentage points, two places, half-up; None for 0/0."""
    if denominator == 0:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)


def ratio_percent(ratio: Decimal) -> Decimal:
    """A ratio (0.05) as percentage points (5.00)."""
    return (ratio * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


_PLAIN_AMOUNT = re.compile(r"^(-?)(\d+)\.(\d{2})$")


def _amount(text: object) -> str:
    """Trace amounts (stored as ``"1234.50"``) with thousands separators."""
    if isinstance(text, int):
        return format_grouped(text)
    if isinstance(text, str) and (plain := _PLAIN_AMOUNT.match(text)):
        # format_plain's own spelling, read back without the general parser (a register
        # of ten thousand claims spells a hundred thousand of them)
        sign, yuan, fen = plain.groups()
        return format_grouped((-1 if sign else 1) * (int(yuan) * FEN_PER_YUAN + int(fen)))
    return str(text)


@dataclass(frozen=True)
class Steps:
    """A stored trace read once (for :func:`trace_lines` and :func:`deciding_line`): its
    steps, or the stored text itself when it is not a JSON list of steps."""

    steps: list[dict[str, Any]]
    unread: str | None = None


def trace_steps(trace: str | Steps) -> Steps:
    """A stored trace (JSON list of steps) as :class:`Steps`."""
    if isinstance(trace, Steps):
        return trace
    try:
        return Steps(json.loads(trace or "[]"))
    except ValueError:
        return Steps([], trace)


def trace_lines(trace: str | Steps) -> list[str]:
    """A stored trace (JSON list of steps) as lines an auditor reads, rules named in Chinese."""
    read = trace_steps(trace)
    if read.unread is not None:
        return [read.unread]
    steps = read.steps
    lines = []
    for n, step in enumerate(steps, start=1):
        rule = step.get("rule", "")
        if step.get("text"):  # an official's words: the rule, why, the amounts
            lines.append(f"{n}. 【{RULE_ZH.get(rule, rule)}】{step['text']}"
                         f"（{step.get('policy_version', '')}版："
                         f"{_amount(step.get('before', ''))} → {_amount(step.get('after', ''))}）")
            continue
        text = (f"{n}. {RULE_ZH.get(rule, rule)}〔{step.get('clause', '')}；"
                f"{step.get('policy_version', '')}〕 {_amount(step.get('before', ''))} → "
                f"{_amount(step.get('after', ''))}")
        if step.get("limit") not in (None, ""):
            text += (f"（限额 {_amount(step['limit'])}，已用 {_amount(step.get('used', ''))}，"
                     f"剩余 {_amount(step.get('left', ''))}）")
        if step.get("note"):
            text += f" {step['note']}"
        lines.append(text)
    return lines


# why a coverage rule refused a claim, for traces stored without an official's wording
NOT_MET_ZH = {
    "eligible_enterprise": "企业在放款日不符合支持条件",
    "institution_active": "贷款发放时合作机构处于暂停合作期间",
}

_RATIO_NOTE = re.compile(r"^(?P<label>.*): (?P<ratio>\d+(?:\.\d+)?%) × ")


def _brief(text: str) -> str:
    """An official's step cut to its reason: without the computation after 。 and
    without the closing (source) parenthesis, which the appendix gives."""
    head = text.split("。", 1)[0]
    if head.endswith("）"):
        depth = 0
        for i in range(len(head) - 1, -1, -1):  # the closing parenthesis's own opening one
            depth += {"）": 1, "（": -1}.get(head[i], 0)
            if depth == 0:
                return head[:i]
    return head


def deciding_line(trace: str | Steps) -> str:
    """The claim's result and the rule that decided it, in one line of Chinese.

    Not covered: the coverage rule that failed; cut by a cap: that cap, what it
    allowed; else the ratio and the tier that gave it. A step with its own
    official's wording (``text``) is quoted as it is.
    """
    steps = trace_steps(trace).steps
    if not steps:
        return ""
    final = _amount(steps[-1].get("after", ""))
    for step in steps[1:]:
        rule: str = step.get("rule", "")
        name = RULE_ZH.get(rule, rule)
        cut = step.get("after") != step.get("before")
        if step.get("limit") in (None, "") and step.get("after") == "0.00" and cut:
            reason = _brief(step["text"]) if step.get("text") else \
                NOT_MET_ZH.get(rule, name + "条件不满足")
            return f"不予补偿：{reason}"
        if step.get("limit") not in (None, "") and cut:
            why = _brief(step["text"]) if step.get("text") else (f"{name} {_amount(step['limit'])}，已用 "
                                      f"{_amount(step.get('used', ''))}，剩余 "
                                      f"{_amount(step.get('left', ''))}")
            return f"核定 {final}：{why}" if step.get("text") else f"核定 {final}：受{name}限制（{why}）"
    for step in steps:
        if step.get("rule") in ("ratio", "compensation_ratio"):
            if step.get("text"):
                return f"核定 {final}：{_brief(step['text'])}"
            found = _RATIO_NOTE.match(step.get("note", ""))
            if found:
                return f"核定 {final}：按{found['ratio']}补偿（{found['label']}）"
    return f"核定 {final}"


def status_as_of(month: Month, *, submitted_on: dt.date, approved_on: dt.date | None,
                 paid_on: dt.date | None, rejected_on: dt.date | None, status: str
                 ) -> str | None:
    """A claim's or subsidy's status at the month's end; None if not yet submitted.

    A rejection without a date (older rows) counts from its submission.
    """
    if submitted_on > month.end:
        return None
    if month.by_end(paid_on):
        return Status.PAID
    if status == Status.REJECTED and (rejected_on is None or month.by_end(rejected_on)):
        return Status.REJECTED
    if month.by_end(approved_on):
        return Status.APPROVED
    return Status.SUBMITTED


STATUS_ZH = workflow.STATUS_ZH


def sum_fen(values: list[Fen]) -> Fen:
    return sum(values, 0)
