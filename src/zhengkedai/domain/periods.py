"""Month periods (``YYYY-MM``) and the date arithmetic on them."""

from __future__ import annotations

import datetime as dt
import re

from dateutil.relativedelta import relativedelta

from ..i18n import _
from .chars import CharacterError, fold
from .errors import ZkdError

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class PeriodError(ZkdError, ValueError):
    """A month or date that cannot be read; a refusal on the command line, a cell error in a file."""


def parse_period(text: str) -> str:
    """Check a ``YYYY-MM`` period and return it."""
    if not _PERIOD.match(text.strip()):
        raise PeriodError(_("{value!r} is not a month period; expected YYYY-MM, e.g. 2025-06").format(
            value=text))
    return text.strip()


def period_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def first_day(period: str) -> dt.date:
    year, month = parse_period(period).split("-")
    return dt.date(int(year), int(month), 1)


def last_day(period: str) -> dt.date:
    end: dt.date = first_day(period) + relativedelta(months=1, days=-1)
    return end


def next_period(period: str) -> str:
    return period_of(first_day(period) + relativedelta(months=1))


def previous_period(period: str) -> str:
    return period_of(first_day(period) - relativedelta(months=1))



# SPEC 2: 2025-06-01, 2025/6/1, 2025年6月1日 (a time of midnight, as spreadsheets
# append to dates, is allowed). Nothing else: 2025.6.1 or 6/1/2025 need a guess.
# The two separators are the same one (2025-6/8 is refused); ASCII digits only,
# after full-width ones are folded (`\d` would read Indic digits too).
_DATE = re.compile(r"([0-9]{4})\s*(?:([-/])\s*([0-9]{1,2})\s*\2\s*([0-9]{1,2})"
                   r"|年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*日?)"
                   r"(?:\s+0{1,2}:00(?::00)?)?")


def parse_date_text(text: str) -> dt.date:
    """A date as SPEC 2 spells it, in files and on the command line alike.

    Raises:
        PeriodError: not one of the spellings, or not a calendar date.
    """
    try:
        s = fold(text)
    except CharacterError as exc:
        raise PeriodError(_("{value!r}: {reason}").format(value=text.strip(), reason=exc)) from None
    m = _DATE.fullmatch(s)
    if m is None:
        raise PeriodError(_("{value!r} is not a date like 2025-06-01, 2025/6/1 or 2025年6月1日").format(
            value=s))
    year, month, day = m.group(1), m.group(3) or m.group(5), m.group(4) or m.group(6)
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise PeriodError(_("{cell!r} is not a calendar date").format(cell=s)) from None
