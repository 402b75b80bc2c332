"""The rules of a withdrawal and of dates of things done, without a database."""

from __future__ import annotations

import datetime as dt

import click
import pytest
from freezegun import freeze_time

from zhengkedai.db.models import LoanEventRow, LoanRow
from zhengkedai.domain.errors import ZkdError
from zhengkedai.services.loans.views import loan_status
from zhengkedai.services.loans.withdrawals import _replay
from zhengkedai_cli.common import DATE, DONE_DATE


def _loan(outstanding: int = 100, overdue: int = 0, withdrawn: bool = False) -> LoanRow:
    return LoanRow(loan_no="L1", principal_fen=100, outstanding_fen=outstanding,
                   overdue_fen=overdue,
                   withdrawn_at=dt.datetime(2025, 7, 1) if withdrawn else None)


def _event(id_: int, kind: str, amount: int) -> LoanEventRow:
    return LoanEventRow(id=id_, event=kind, amount_fen=amount, occurred_on=dt.date(2025, 3, id_))


def test_a_loan_reads_as_withdrawn_settled_overdue_or_active() -> None:
    assert loan_status(_loan(withdrawn=True)) == "withdrawn"
    assert loan_status(_loan(outstanding=0)) == "settled"
    assert loan_status(_loan(overdue=10)) == "overdue"
    assert loan_status(_loan()) == "active"


def test_the_loan_is_replayed_without_the_withdrawn_event() -> None:
    events = [_event(1, "repayment", 30), _event(2, "overdue", 20), _event(3, "repayment", 10)]
    state = _replay(_loan(), events, without=1)
    assert (state.outstanding, state.overdue) == (90, 10)


def test_an_event_that_no_longer_follows_names_the_event_to_withdraw_first() -> None:
    events = [_event(1, "loss", 50), _event(2, "recovery", 5)]
    with pytest.raises(ZkdError, match="withdraw event #2 first"):
        _replay(_loan(), events, without=1)


@freeze_time("2026-01-15 17:00:00")  # 01:00 on the 16th in Zhengzhou
def test_a_date_of_something_done_may_be_today_in_zhengzhou_but_not_later() -> None:
    assert DONE_DATE.convert("2026-01-16", None, None) == dt.date(2026, 1, 16)
    with pytest.raises(click.BadParameter, match="after today .2026-01-16, Zhengzhou time"):
        DONE_DATE.convert("2026-01-17", None, None)
    assert DATE.convert("2030-01-01", None, None) == dt.date(2030, 1, 1)  # "as of" dates may be
