"""The database spells amounts and dates as zkd's Python does (a loan list's cells).

A loan-list attachment is written from cells the database spells; an auditor
comparing it with the 对账单 or a JSON listing must see the same ``1234.50`` and
``2025-06-30``. Here the SQL spelling is held to :func:`format_plain` and ISO
dates on both databases, over amounts around every boundary (zero, one fen,
whole yuan, negative, the largest a bigint holds) and generated ones, and
sums (which PostgreSQL returns as numeric).
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import BigInteger, Date, func, literal, select

from zhengkedai.db.spelling import iso_date, plain_amount
from zhengkedai.domain.money import format_plain

EDGES = [0, 1, 5, 9, 10, 99, 100, 101, 123450, 500_000_000, -1, -99, -100, -101, -123456,
         2**63 - 1, -(2**63 - 1)]


def test_amounts_are_spelt_as_format_plain(engine) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(15)
    amounts = EDGES + [rng.randint(-10**12, 10**12) for _ in range(300)]
    with engine.connect() as conn:
        spelt = [conn.execute(select(plain_amount(literal(a, BigInteger)))).scalar_one()
                 for a in amounts]
    assert spelt == [format_plain(a) for a in amounts]


def test_a_sum_is_spelt_as_its_total(engine) -> None:  # type: ignore[no-untyped-def]
    values = select(literal(123_45, BigInteger).label("x")).union_all(
        select(literal(-5, BigInteger)), select(literal(10_000_00, BigInteger))).subquery()
    with engine.connect() as conn:
        spelt = conn.execute(select(plain_amount(func.sum(values.c.x)))).scalar_one()
    assert spelt == format_plain(123_45 - 5 + 10_000_00) == "10123.40"


def test_dates_are_spelt_iso(engine) -> None:  # type: ignore[no-untyped-def]
    days = [dt.date(2025, 1, 1), dt.date(2025, 6, 30), dt.date(2024, 2, 29), dt.date(999, 12, 31)]
    with engine.connect() as conn:
        spelt = [conn.execute(select(iso_date(literal(d, Date)))).scalar_one()
                 for d in days]
    assert spelt == [d.isoformat() for d in days]
