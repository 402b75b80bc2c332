"""Month periods (``YYYY-MM``) and the date arithmetic on them."""

from __future__ import annotations

import datetime as dt
import re

from dateutil.relativedelta import relativedelta

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class PeriodError(ValueError):
    pass


def parse_period(text: str) -> str:
    """Check a ``YYYY-MM`` period and return it."""
    if not _PERIOD.match(text.strip()):
        raise PeriodError(f"{text!r} is not a month period; expected YYYY-MM, e.g. 2025-06")
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


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_date_text(text: str) -> dt.date:
    """``2025-06-01``, ``2025/6/1``, ``2025.6.1`` or ``2025年6月1日`` as a date."""
    import unicodedata

    s = unicodedata.normalize("NFKC", text).strip()
    m = _DATE.match(s)
    if not m:
        raise PeriodError(f"{text!r} is not a date; expected e.g. 2025-06-01, 2025/6/1, 2025年6月1日")
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as exc:
        raise PeriodError(f"{text!r} is not a real date: {exc}") from None
