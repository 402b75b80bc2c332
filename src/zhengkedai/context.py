"""Who acts and when: passed into every service, so tests can freeze the clock."""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], dt.datetime]

# The programme's business day is Zhengzhou's: China Standard Time, UTC+8 all
# year (no daylight saving since 1991). Moments are stored as naive UTC; "today"
# (the default of every --on date, a subsidy's filing date, whether a month has
# ended) and the times printed on statements are Zhengzhou's.
PROGRAMME_TZ = dt.timezone(dt.timedelta(hours=8), "UTC+8")


def local_time(moment: dt.datetime) -> dt.datetime:
    """A stored moment (naive UTC) as Zhengzhou's time, with its +08:00 offset."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(PROGRAMME_TZ)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


OPERATOR_MAX = 100  # the width of the operator columns


def default_operator() -> str:
    """``ZKD_OPERATOR`` (unless blank), else the OS user."""
    name = (os.environ.get("ZKD_OPERATOR") or "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment  # noqa: BLE001
        return "unknown"


@dataclass(frozen=True)
class Actor:
    operator: str = field(default_factory=default_operator)
    clock: Clock = utc_now
    # a person's own database login (SPEC 10): who approved something may not pay it
    separate_duties: bool = False

    def now(self) -> dt.datetime:
        """The current time as naive UTC."""
        moment = self.clock()
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
        return moment

    def today(self) -> dt.date:
        """Today in Zhengzhou (at 07:30 there it is still yesterday in UTC)."""
        return local_time(self.now()).date()
