"""The demo: a fresh SQLite database in a folder, driven through the services.

Each step prints a line, so ``make demo`` reads as a walk through the programme.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from ..context import Actor
from ..db.engine import make_engine
from ..db.uow import UnitOfWork
from ..domain.money import format_grouped, parse_yuan
from . import institutions, reserve, setup
from . import verify as verify_service


def run(out: Path, actor: Actor) -> Iterator[str]:
    out.mkdir(parents=True, exist_ok=True)
    db = out / "demo.db"
    if db.exists():
        db.unlink()
    engine = make_engine(f"sqlite:///{db}")
    try:
        setup.init_database(engine, actor)
        yield f"created {db}"
        with UnitOfWork(engine) as uow:
            institutions.add(uow, actor, "ZZB", "郑州银行", "bank")
            institutions.add(uow, actor, "ZYB", "中原银行", "bank")
            reserve.deposit(uow, actor, parse_yuan("30,000,000"), source="city", bank="ZZB",
                            on=dt.date(2025, 1, 2), ref="CZ-2025-001")
            reserve.deposit(uow, actor, parse_yuan("20,000,000"), source="city", bank="ZYB",
                            on=dt.date(2025, 1, 2), ref="CZ-2025-002")
            uow.commit()
        yield "registered banks ZZB, ZYB; deposited 50,000,000.00 from city finance"
        with UnitOfWork(engine) as uow:
            st = reserve.status(uow, dt.date(2025, 12, 31))
            report = verify_service.verify(uow)
        for bank, bal in st.by_bank.items():
            yield f"reserve at {bank}: {format_grouped(bal)}"
        yield f"verify: {'OK' if report.ok else 'FAILED'} ({report.entries} entries, head {report.head_hash[:16]}…)"
    finally:
        engine.dispose()
