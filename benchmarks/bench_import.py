"""How fast ``zkd submit`` files a loans CSV, against the databases' own bulk loaders.

Run by hand (not a test); see ``benchmarks/README.md``::

    .venv/bin/python benchmarks/bench_import.py                 # 100,000 rows
    .venv/bin/python benchmarks/bench_import.py --profile       # + cProfile of the SQLite run
    .venv/bin/python benchmarks/bench_import.py --rows 1000000 --memory

It writes one valid loans file (UTF-8 with BOM, SPEC 4.1 Chinese headers,
distinct loan numbers, a handful of enterprises), then in the same run times:

- ours: ``services.importing.submit`` inside a ``UnitOfWork`` plus the commit,
  on a freshly migrated database with the bank (and a guarantor) registered:
  SQLite (a file) and PostgreSQL (a database created for the run and dropped);
- raw: the same file through ``sqlite3 DB ".import --csv --skip 1"`` and through
  PostgreSQL ``COPY … FROM STDIN WITH (FORMAT csv, HEADER true)`` (psycopg's
  ``cursor.copy``), each into a 16-column table of text;

and prints rows/s and ours ÷ raw. ``--memory`` instead runs the SQLite submit
in a child process for a tenth of the rows and for all of them, and reports
each child's peak RSS (``resource.getrusage``).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from zhengkedai.context import Actor  # noqa: E402
from zhengkedai.db import migrate  # noqa: E402
from zhengkedai.db.engine import make_engine  # noqa: E402
from zhengkedai.db.models import ImportFileRow  # noqa: E402
from zhengkedai.db.uow import UnitOfWork  # noqa: E402
from zhengkedai.imports.parse import read_file  # noqa: E402
from zhengkedai.imports.uscc import make_uscc  # noqa: E402
from zhengkedai.services import institutions  # noqa: E402
from zhengkedai.services.files import importing  # noqa: E402

PG_URL = os.environ.get("ZKD_BENCH_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BANK, GUARANTOR = "ZZB", "ZZDB"

HEAD = ["贷款编号", "企业名称", "统一社会信用代码", "所属区县", "上年度营业收入",
        "高新技术企业", "连续两年盈利", "产学研合作", "贷款类型", "抵质押物评估值",
        "贷款金额", "年利率", "放款日期", "到期日期", "担保机构", "担保费"]

FIRMS = [  # name, district, prior-year revenue, high-tech, profitable two years, research
    ("郑州芯驰微电子有限公司", "高新区", "80,000,000", "是", "是", "否"),
    ("郑州智感传感科技有限公司", "金水区", "30,000,000", "否", "否", "否"),
    ("河南启明生物医药有限公司", "郑东新区", "150,000,000", "是", "否", "是"),
    ("郑州云枢软件有限公司", "高新区", "60,000,000.50", "是", "否", "否"),
    ("郑州绿能新材料有限公司", "经开区", "45,000,000", "否", "是", "否"),
    ("郑州星图遥感技术有限公司", "金水区", "12,000,000", "是", "否", "是"),
    ("郑州数擎智能装备有限公司", "中原区", "210,000,000", "是", "是", "否"),
    ("郑州安芯检测技术有限公司", "二七区", "8,000,000", "否", "否", "是"),
]
TYPES = ["信用", "知识产权质押", "抵押", "担保", "保证保险"]
RATES = ["3.85", "4.2", "3.45%", "4.75", "5.1%", "3.65"]


# --- the file ------------------------------------------------------------------------

def make_file(path: Path, rows: int) -> None:
    """``rows`` valid loans of one bank, deterministic."""
    codes = [make_uscc("410100", 101 + i) for i in range(len(FIRMS))]
    start = dt.date(2025, 1, 1)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEAD)
        for i in range(rows):
            k = i % len(FIRMS)
            name, district, revenue, high_tech, profitable, research = FIRMS[k]
            kind = TYPES[i % len(TYPES)]
            principal = 100_000 * (1 + i % 97) + (50 if i % 7 == 0 else 0)
            disbursed = start + dt.timedelta(days=i % 330)
            maturity = disbursed + dt.timedelta(days=365 + 30 * (i % 13))
            collateral = f"{principal * 3 // 2:,}" if kind in ("抵押", "知识产权质押") else ""
            guarantor, fee = (GUARANTOR, f"{principal // 100:,}.00") if kind == "担保" else ("", "")
            w.writerow([f"{BANK}-2025-{i + 1:07d}", name, codes[k], district, revenue,
                        high_tech, profitable, research, kind, collateral, f"{principal:,}",
                        RATES[i % len(RATES)], disbursed.isoformat(), maturity.isoformat(),
                        guarantor, fee])


EVENT_HEAD = ["贷款编号", "事件类型", "发生日期", "金额", "备注"]


def make_events_file(path: Path, rows: int) -> None:
    """``rows`` valid events on the ``rows // 4`` loans of :func:`make_file`, four a loan.

    Filed as a bank files them, month by month: the first event of every
    loan, then the second, and so on (so each batch of 1,000 rows touches
    1,000 loans, and each loan is met again in later batches, after its
    earlier events are written). Mostly repayments; an overdue level on one
    loan in ten, a loss (which opens a claim) on one in two hundred.
    """
    loans = rows // 4
    assert loans * 4 == rows, "events come four a loan: give --rows a multiple of 4"
    start = dt.date(2025, 1, 1)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(EVENT_HEAD)
        for step, days in enumerate((25, 40, 55, 70)):
            for i in range(loans):
                principal = 100_000 * (1 + i % 97) + (50 if i % 7 == 0 else 0)
                day = (start + dt.timedelta(days=i % 330 + days)).isoformat()
                if step == 1 and i % 10 == 0:
                    kind, amount = "逾期", principal // 50
                elif step == 3 and i % 200 == 0:
                    kind, amount = "损失确认", principal // 2
                else:
                    kind, amount = "还款", principal // 10
                w.writerow([f"{BANK}-2025-{i + 1:07d}", kind, day, f"{amount:,}", ""])


# --- ours ----------------------------------------------------------------------------

def prepare(url: str) -> None:
    """Migrate a fresh database and register the bank and the guarantor."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    actor = Actor(operator="bench")
    with UnitOfWork(engine) as uow:
        institutions.add(uow, actor, BANK, "郑州银行", "bank")
        institutions.add(uow, actor, GUARANTOR, "郑州中小企业融资担保有限公司", "guarantor")
        uow.commit()
    engine.dispose()


def file_loans(url: str, loans: Path) -> None:
    """File the loans an events file speaks of (not timed)."""
    engine = make_engine(url)
    with UnitOfWork(engine) as uow:
        result = importing.submit(uow, Actor(operator="bench"), loans, institution=BANK)
        uow.commit()
    engine.dispose()
    assert result.accepted, result.errors[:3]


def submit(url: str, path: Path, profile: Path | None = None) -> float:
    """Seconds for ``importing.submit`` and the commit (engine already connected)."""
    engine = make_engine(url)
    with engine.connect():
        pass  # open the pool's connection outside the timing
    actor = Actor(operator="bench")
    profiler = cProfile.Profile() if profile else None
    t0 = time.perf_counter()
    if profiler:
        profiler.enable()
    with UnitOfWork(engine) as uow:
        result = importing.submit(uow, actor, path, institution=BANK)
        uow.commit()
    seconds = time.perf_counter() - t0
    if profiler:
        profiler.disable()
        profiler.dump_stats(str(profile))
    engine.dispose()
    assert result.accepted, result.errors[:3]
    return seconds


def write_alone(url: str, path: Path) -> float:
    """Seconds to write the file's rows, parsed beforehand, into ``loans`` and commit.

    The import path's own writer (``db.bulk.BulkWriter`` through
    ``importing._LoanWriter``: multi-row INSERTs on SQLite, COPY on PostgreSQL) into the migrated, indexed table,
    with no reading, validating or checking in the timing: the floor that
    the table itself sets for ``zkd submit``.
    """
    engine = make_engine(url)
    parsed = read_file(path)
    chunks = [(c.rows, c.columns) for c in parsed.chunks(1000, track_duplicates=False)]
    with UnitOfWork(engine) as uow:
        record = ImportFileRow(filer=BANK, kind="loans", filename=path.name, sha256="0" * 64,
                               encoding="utf-8-sig", row_count=0, accepted_at=dt.datetime.now(),
                               operator="bench")
        uow.s.add(record)
        uow.s.flush()
        writer = importing._LoanWriter(uow, record.id, BANK)
        t0 = time.perf_counter()
        for rows, columns in chunks:
            writer.write(rows, columns)
        uow.commit()
        seconds = time.perf_counter() - t0
    engine.dispose()
    return seconds


# --- raw -----------------------------------------------------------------------------

def raw_columns(path: Path) -> str:
    """As many text columns as the file's header has."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        width = len(next(csv.reader(f)))
    return ", ".join(f"c{i} text" for i in range(width))


def sqlite_raw(db: Path, path: Path) -> float:
    subprocess.run(["sqlite3", str(db), f"CREATE TABLE file_raw ({raw_columns(path)})"],
                   check=True)
    t0 = time.perf_counter()
    subprocess.run(["sqlite3", str(db), f".import --csv --skip 1 {path} file_raw"], check=True)
    return time.perf_counter() - t0


def pg_raw(url: str, path: Path) -> float:
    import psycopg

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        conn.execute(f"CREATE TABLE file_raw ({raw_columns(path)})")
        conn.commit()
        t0 = time.perf_counter()
        with conn.cursor() as cur, path.open("rb") as f:
            with cur.copy("COPY file_raw FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
                while chunk := f.read(1 << 16):
                    copy.write(chunk)
        conn.commit()
        return time.perf_counter() - t0


def pg_database(name: str) -> tuple[str, Callable[[], None]] | None:
    """A fresh database (its URL and a dropper), or None when PostgreSQL is not usable."""
    admin_url = make_url(PG_URL).set(drivername="postgresql+psycopg")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        print(f"PostgreSQL skipped: {PG_URL} is not usable ({type(exc).__name__}: "
              f"{str(exc).splitlines()[0]})")
        admin.dispose()
        return None

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


# --- runs ----------------------------------------------------------------------------

def speed(rows: int, work: Path, profile: bool, repeat: int, kind: str = "loans") -> None:
    t0 = time.perf_counter()
    events = kind == "events"
    if events:  # the loans they speak of are filed before the clock starts
        loans = work / f"loans_{rows // 4}.csv"
        make_file(loans, rows // 4)
        path = work / f"events_{rows}.csv"
        make_events_file(path, rows)
    else:
        path = work / f"loans_{rows}.csv"
        make_file(path, rows)

    def ready(url: str) -> None:
        prepare(url)
        if events:
            file_loans(url, loans)

    print(f"wrote {path.name}: {rows:,} rows, {path.stat().st_size / 1e6:.1f} MB "
          f"in {time.perf_counter() - t0:.1f}s; {os.cpu_count()} CPUs, "
          f"Python {sys.version.split()[0]}, SQLite {sqlite_version()}")
    table: list[tuple[str, float, float, float]] = []

    ours, raw, alone = [], [], []
    for n in range(repeat):
        db = work / f"ours_{n}.db"
        ready(f"sqlite:///{db}")
        ours.append(submit(f"sqlite:///{db}", path))
        raw.append(sqlite_raw(work / f"raw_{n}.db", path))
        if not events:
            prepare(f"sqlite:///{work / f'alone_{n}.db'}")
            alone.append(write_alone(f"sqlite:///{work / f'alone_{n}.db'}", path))
    if profile:  # an extra, untimed run: cProfile slows the path by half
        ready(f"sqlite:///{work / 'profiled.db'}")
        submit(f"sqlite:///{work / 'profiled.db'}", path, work / "sqlite.prof")
        print("SQLite submit under cProfile:")
        pstats.Stats(str(work / "sqlite.prof")).sort_stats("tottime").print_stats(25)
    table.append(("SQLite (file)", rows / min(ours), rows / min(raw),
                  rows / min(alone) if alone else 0.0))

    made = pg_database(f"zkd_bench_{os.getpid()}")
    if made is not None:
        url, drop = made
        try:
            ours, raw, alone = [], [], []

            def fresh() -> None:
                with create_engine(url).begin() as conn:
                    conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                ready(url)

            for _ in range(repeat):
                fresh()
                ours.append(submit(url, path))
                raw.append(pg_raw(url, path))
                if not events:
                    fresh()
                    alone.append(write_alone(url, path))
            if profile:
                fresh()
                submit(url, path, work / "pg.prof")
                print("PostgreSQL submit under cProfile:")
                pstats.Stats(str(work / "pg.prof")).sort_stats("tottime").print_stats(25)
            table.append(("PostgreSQL", rows / min(ours), rows / min(raw),
                          rows / min(alone) if alone else 0.0))
        finally:
            drop()

    print()
    print(f"{rows:,} {'event' if events else 'loan'} rows, best of {repeat}")
    print("| database      | zkd submit rows/s | raw rows/s | ours ÷ raw "
          "| write alone rows/s | write alone ÷ raw |")
    print("| ------------- | ----------------: | ---------: | ---------: "
          "| -----------------: | ----------------: |")
    for name, ours_rate, raw_rate, alone_rate in table:
        print(f"| {name:<13} | {ours_rate:>17,.0f} | {raw_rate:>10,.0f} | "
              f"{ours_rate / raw_rate:>9.2f}× | "
              + (f"{alone_rate:>18,.0f} | {alone_rate / raw_rate:>16.2f}× |" if alone_rate
                 else f"{'—':>18} | {'—':>16} |"))


def sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def memory(rows: int, work: Path) -> None:
    print(f"peak RSS of a child process running the SQLite submit ({os.cpu_count()} CPUs),")
    print("and of the process it forks to read the file (none for small files)")
    print("| rows | seconds | rows/s | peak RSS MB | reader's peak RSS MB |")
    print("| ---: | ------: | -----: | ----------: | -------------------: |")
    for n in (rows // 10, rows):
        path = work / f"loans_{n}.csv"
        make_file(path, n)
        db = work / f"mem_{n}.db"
        prepare(f"sqlite:///{db}")
        out = subprocess.run([sys.executable, __file__, "--child", str(path), str(db)],
                             check=True, capture_output=True, text=True).stdout.split()
        seconds, rss_kb, reader_kb = float(out[0]), int(out[1]), int(out[2])
        print(f"| {n:,} | {seconds:.1f} | {n / seconds:,.0f} | {rss_kb / 1024:.0f} "
              f"| {reader_kb / 1024:.0f} |")
        path.unlink()
        db.unlink()


def child(path: Path, db: Path) -> None:
    seconds = submit(f"sqlite:///{db}", path)
    # ru_maxrss is in KiB on Linux; RUSAGE_CHILDREN is the largest waited-for
    # child, here the reader process (services.importing forks it for large files)
    print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
          resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=1, help="runs per database; the best is kept")
    p.add_argument("--memory", action="store_true",
                   help="peak RSS of the SQLite submit at rows/10 and rows, instead of speeds")
    p.add_argument("--profile", action="store_true", help="cProfile the SQLite submit")
    p.add_argument("--kind", choices=("loans", "events"), default="loans",
                   help="time a loans file, or an events file on loans filed before (untimed)")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--child", nargs=2, metavar=("CSV", "DB"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    if shutil.which("sqlite3") is None and not args.memory:
        sys.exit("the sqlite3 command-line shell is needed: apt-get install sqlite3")
    work = Path(tempfile.mkdtemp(prefix="zkd_bench_"))
    try:
        if args.memory:
            memory(args.rows, work)
        else:
            speed(args.rows, work, args.profile, args.repeat, args.kind)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
