"""Who acts and when: passed into every service, so tests can freeze the clock."""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass, field

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def default_operator() -> str:
    """``ZKD_OPERATOR``, else the OS user."""
    name = os.environ.get("ZKD_OPERATOR")
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

    def now(self) -> dt.datetime:
        """The current time as naive UTC."""
        moment = self.clock()
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
        return moment

    def today(self) -> dt.date:
        return self.now().date()
