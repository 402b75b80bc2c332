"""What each read and month command costs on a large ledger, beside a raw SQL query (issue 15).

Run by hand (not a test); see ``benchmarks/README.md``::

    .venv/bin/python benchmarks/bench_scale.py                      # size S on SQLite
    .venv/bin/python benchmarks/bench_scale.py --size M --backend postgresql
    .venv/bin/python benchmarks/bench_scale.py --size S --size M --backend sqlite --backend postgresql

Each ledger is built with the CLI itself, as a programme would build it:
``zkd init``, five banks and a guarantor, a reserve deposit, one loans file
and one events file per bank (repayments, overdue levels, losses that open
claims, recoveries), one bank's claims approved and paid and another's
approved in batches, and January to April closed. Then each timed command
runs as a user runs it, in its own process, and its wall time and peak RSS
(``os.wait4``'s ``ru_maxrss``) are printed beside:

- ``zkd --version``: what starting the program costs, and
- a raw SQL query that reads the same rows the command needs (run in this
  process over an open connection, rows fetched), in the same run.

Sizes (loans / events / claims over their history): S 10,000 / 3,000 / 200;
M 100,000 / 30,000 / 2,000; L 300,000 / 90,000 / 6,000 — five months of
history, January to May 2025 — and XL 1,000,000 / 300,000 / 20,000 over two
years, June 2023 to May 2025. The events include the claims' losses. Loans
are disbursed evenly over the history, events follow them (a repayment 25
days after the disbursement, an overdue level after 20, a loss after 40 but
within the history), recoveries fall in June 2025. The history's months but
the last are closed when the ledger is built; the timed commands close the
last (May 2025), state it, and state June 2025, the open month.

``--months N`` gives a size N months of history at the same activity per month
(the totals scale with it), ending in May 2025 all the same: so
``--size S --months 12`` and ``--size S --months 36`` time the same month's
close and statements on a ledger with one and with three years behind it.
``--keep DIR`` keeps each SQLite ledger as built, before the timed commands,
and reuses one found there (``scale-<size>-<months>m.db``).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from zhengkedai.imports.uscc import make_uscc  # noqa: E402

ZKD = str(Path(sys.executable).with_name("zkd"))
PG_URL = os.environ.get("ZKD_BENCH_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BANKS = ["ZZB", "ZZC", "ZZD", "ZZE", "ZZF"]
GUARANTOR = "ZZDB"
SIZES = {  # loans, events, claims, months of history
    "S": (10_000, 3_000, 200, 5),
    "M": (100_000, 30_000, 2_000, 5),
    "L": (300_000, 90_000, 6_000, 5),
    "XL": (1_000_000, 300_000, 20_000, 24),
}

LOAN_HEAD = ["贷款编号", "企业名称", "统一社会信用代码", "所属区县", "上年度营业收入",
             "高新技术企业", "连续两年盈利", "产学研合作", "贷款类型", "抵质押物评估值",
             "贷款金额", "年利率", "放款日期", "到期日期", "担保机构", "担保费"]
EVENT_HEAD = ["贷款编号", "事件类型", "发生日期", "金额", "备注"]
FIRMS = [  # name, district, prior-year revenue, high-tech, profitable two years
    ("郑州芯驰微电子有限公司", "高新区", "80,000,000", "是", "是"),
    ("郑州智感传感科技有限公司", "金水区", "30,000,000", "否", "否"),
    ("河南启明生物医药有限公司", "郑东新区", "150,000,000", "是", "否"),
    ("郑州云枢软件有限公司", "高新区", "60,000,000", "是", "否"),
    ("郑州绿能新材料有限公司", "经开区", "45,000,000", "否", "是"),
    ("郑州星图遥感技术有限公司", "金水区", "12,000,000", "是", "否"),
    ("郑州数擎智能装备有限公司", "中原区", "210,000,000", "是", "是"),
    ("郑州安芯检测技术有限公司", "二七区", "8,000,000", "否", "否"),
]
TYPES = ["抵押", "担保", "保证保险", "信用", "知识产权质押"]


@dataclass(frozen=True)
class Shape:
    """A size at a length of history: its totals, and the months they fall in."""

    size: str
    months: int  # of history, ending with LAST

    @property
    def totals(self) -> tuple[int, int, int]:
        loans, events, claims, months = SIZES[self.size]
        return tuple(n * self.months // months for n in (loans, events, claims))  # type: ignore[return-value]

    @property
    def start(self) -> dt.date:
        year, month = divmod(2025 * 12 + 4 - (self.months - 1), 12)
        return dt.date(year, month + 1, 1)

    @property
    def days(self) -> int:  # disbursement days: the history less its last day
        return (dt.date(2025, 5, 31) - self.start).days

    def closed_through(self) -> str | None:
        """The month the build closes through (every month of the history but the last)."""
        return None if self.months < 2 else "2025-04"

    def label(self) -> str:
        return f"{self.size}-{self.months}m"


def principal_of(i: int) -> int:
    return 100_000 * (1 + i % 97)


def disbursed_of(shape: Shape, i: int) -> dt.date:
    return shape.start + dt.timedelta(days=i % shape.days)


def loans_file(shape: Shape, path: Path, bank: str, n: int) -> None:
    codes = [make_uscc("410100", 101 + k) for k in range(len(FIRMS))]
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(LOAN_HEAD)
        for i in range(n):
            k = i % len(FIRMS)
            name, district, revenue, high_tech, profitable = FIRMS[k]
            kind = TYPES[i % len(TYPES)]
            principal = principal_of(i)
            disbursed = disbursed_of(shape, i)
            collateral = f"{principal * 3 // 2}" if kind in ("抵押", "知识产权质押") else ""
            guarantor, fee = (GUARANTOR, f"{principal // 100}") if kind == "担保" else ("", "")
            w.writerow([f"{bank}-{i + 1:07d}", name, codes[k], district, revenue, high_tech,
                        profitable, "否", kind, collateral, str(principal), "3.85",
                        disbursed.isoformat(), (disbursed + dt.timedelta(days=730)).isoformat(),
                        guarantor, fee])


def events_file(shape: Shape, path: Path, bank: str, n: int, events: int, claims: int) -> None:
    """Losses on the last ``claims`` loans, a recovery on one loss in ten, then overdue
    levels (one event in ten) and repayments, each on a loan of its own."""
    recoveries = claims // 10
    overdue = events // 10
    repayments = events - claims - recoveries - overdue
    assert repayments >= 0 and repayments + overdue + claims <= n, "too few loans"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(EVENT_HEAD)
        for j in range(repayments):
            w.writerow([f"{bank}-{j + 1:07d}", "还款",
                        (disbursed_of(shape, j) + dt.timedelta(days=25)).isoformat(),
                        str(principal_of(j) // 10), ""])
        for j in range(repayments, repayments + overdue):
            w.writerow([f"{bank}-{j + 1:07d}", "逾期",
                        (disbursed_of(shape, j) + dt.timedelta(days=20)).isoformat(),
                        str(principal_of(j) // 50), ""])
        for j in range(n - claims, n):
            w.writerow([f"{bank}-{j + 1:07d}", "损失确认",
                        _loss_day(shape, j).isoformat(),
                        str(principal_of(j) // 2), ""])
        for j in range(n - claims, n - claims + recoveries):
            w.writerow([f"{bank}-{j + 1:07d}", "追偿回收", "2025-06-10",
                        str(principal_of(j) // 20), ""])


def _loss_day(shape: Shape, j: int) -> dt.date:
    """40 days after the disbursement, but within the history (claims are approved at
    its end)."""
    disbursed = disbursed_of(shape, j)
    return max(disbursed, min(disbursed + dt.timedelta(days=40), dt.date(2025, 5, 31)))


# --- running zkd -----------------------------------------------------------------------

@dataclass
class Run:
    seconds: float
    peak_mb: float
    output: bytes
    returncode: int


def zkd(url: str, *args: str, check: bool = True) -> Run:
    """Run ``zkd ARGS`` as a user would; wall time and the child's own peak RSS."""
    env = dict(os.environ, ZKD_DATABASE_URL=url, ZKD_LANG="en")
    env.pop("ZKD_OPERATOR", None)
    if url.startswith("sqlite"):  # on PostgreSQL the operator is the login
        env["ZKD_OPERATOR"] = "bench"
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen([ZKD, *args], stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    if check and proc.returncode != 0:
        raise SystemExit(f"zkd {' '.join(args)} failed ({proc.returncode}):\n"
                         f"{output.decode(errors='replace')[-3000:]}")
    return Run(seconds, usage.ru_maxrss / 1024, output, proc.returncode)


def raw(url: str, sql: str) -> float:
    """Seconds for the queries (``;``-separated) over an open connection, every row fetched."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1")).all()
            t0 = time.perf_counter()
            for one in sql.split(";"):
                conn.execute(text(one)).all()
            return time.perf_counter() - t0
    finally:
        engine.dispose()


# The rows each command needs, read by one plain query.
RAW = {
    "loans by institution": (
        "SELECT l.institution_code, count(*), sum(l.principal_fen), sum(l.outstanding_fen), "
        "sum(l.overdue_fen) FROM loans l GROUP BY l.institution_code"),
    "balances": "SELECT account_code, sum(amount_fen) FROM journal_lines GROUP BY account_code",
    "claims": "SELECT c.*, l.loan_no FROM claims c JOIN loans l ON l.id = c.loan_id",
    "one claim": "SELECT c.*, l.* FROM claims c JOIN loans l ON l.id = c.loan_id WHERE c.id = 1",
    "month's events": (
        "SELECT l.institution_code, e.event, count(*), sum(e.amount_fen) FROM loan_events e "
        "JOIN loans l ON l.id = e.loan_id WHERE e.occurred_on BETWEEN '{first}' AND '{last}' "
        "GROUP BY l.institution_code, e.event"),
    # what a pack's loan lists read: every loan, each institution's in the lists' order
    "every loan": ("SELECT l.* FROM loans l "
                   "ORDER BY l.institution_code, l.disbursed_on, l.loan_no"),
    "every row": ";".join(f"SELECT * FROM {t}" for t in (
        "journal_entries", "journal_lines", "loans", "loan_events", "claims", "import_files")),
}


# --- one size on one database ------------------------------------------------------------

def build(url: str, shape: Shape, work: Path) -> dict[str, float]:
    loans, events, claims = shape.totals
    per = len(BANKS)
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    zkd(url, "init")
    for bank in BANKS:
        zkd(url, "institution", "add", bank, "--name", f"{bank} 银行", "--kind", "bank")
    zkd(url, "institution", "add", GUARANTOR, "--name", "担保公司", "--kind", "guarantor")
    zkd(url, "reserve", "deposit", "90,000,000,000", "--source", "city", "--at", "ZZB",
        "--on", (shape.start + dt.timedelta(days=1)).isoformat(), "--ref", "CZ-1")
    times["setup"] = time.perf_counter() - t0
    for bank in BANKS:
        path = work / f"{bank}-loans.csv"
        loans_file(shape, path, bank, loans // per)
        times["submit loans"] = times.get("submit loans", 0) + zkd(
            url, "submit", str(path), "--institution", bank).seconds
    for bank in BANKS:
        path = work / f"{bank}-events.csv"
        events_file(shape, path, bank, loans // per, events // per, claims // per)
        times["submit events"] = times.get("submit events", 0) + zkd(
            url, "submit", str(path), "--institution", bank).seconds
    times["approve ZZB, ZZC (batch)"] = sum(
        zkd(url, "claims", "approve", "--all", "--institution", b, "--on", "2025-05-31").seconds
        for b in ("ZZB", "ZZC"))
    times["pay ZZB (batch)"] = zkd(url, "claims", "pay", "--all", "--institution", "ZZB",
                                   "--on", "2025-06-05").seconds
    through = shape.closed_through()
    if through is not None:
        times[f"close {period_of(shape.start)}..{through}"] = zkd(
            url, "close", "--through", through).seconds
    return times


def period_of(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def measure(url: str, work: Path) -> list[tuple[str, Run, str, float]]:
    """Each timed command, with the raw query it is set beside."""
    engine = create_engine(url)
    with engine.connect() as conn:
        submitted = conn.execute(text(
            "SELECT min(id) FROM claims WHERE status = 'submitted'")).scalar_one()
    engine.dispose()
    may = RAW["month's events"].format(first="2025-05-01", last="2025-05-31")
    plan = [
        ("zkd --version", ["--version"], "balances"),
        ("reserve status", ["reserve", "status", "--on", "2025-06-30"], "loans by institution"),
        ("institution list", ["institution", "list"], "loans by institution"),
        ("claims list (JSON)", ["claims", "list", "--format", "json"], "claims"),
        ("claims show", ["claims", "show", "1"], "one claim"),
        ("claims approve", ["claims", "approve", str(submitted), "--on", "2025-06-10"],
         "one claim"),
        ("close 2025-05", ["close", "2025-05"], may),
        ("statement 2025-05, closed (JSON)",
         ["statement", "2025-05", "--format", "json", "-o", str(work / "closed")],
         "every loan"),
        ("statement 2025-06, open (JSON)",
         ["statement", "2025-06", "--format", "json", "-o", str(work / "open")],
         "every loan"),
        ("verify", ["verify"], "every row"),
    ]
    # every command first, then the raw queries: a process's peak RSS counts what it was
    # forked from, and a raw query that fetched every loan leaves this process large
    runs = [zkd(url, *args, check=label != "verify") for label, args, _ in plan]
    out = []
    for (label, _, query), run in zip(plan, runs, strict=True):
        sql = RAW.get(query, query)
        if label == "verify":
            label += f" (exit {run.returncode})"
        out.append((label, run, query if query in RAW else "month's events", raw(url, sql)))
    return out


def sqlite_url(work: Path) -> str:
    return f"sqlite:///{work / 'scale.db'}"


def postgres_url() -> tuple[str, str]:
    admin = make_url(PG_URL).set(drivername="postgresql+psycopg")
    name = f"zkd_scale_{os.getpid()}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False), name


def drop_postgres(name: str) -> None:
    engine = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"),
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def run_one(shape: Shape, backend: str, keep: Path | None) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix=f"zkd-scale-{shape.label()}-"))
    name = None
    try:
        if backend == "sqlite":
            url = sqlite_url(work)
        else:
            url, name = postgres_url()
        kept = keep / f"scale-{shape.label()}.db" if keep is not None else None
        if kept is not None and kept.exists() and backend == "sqlite":
            shutil.copy(kept, work / "scale.db")  # reuse the ledger as built, before measure
            # brought up to this code's schema (a ledger kept by older code), as a user would
            built = {"reused " + kept.name: 0.0, "zkd init": zkd(url, "init").seconds}
        else:
            built = build(url, shape, work)
            if kept is not None and backend == "sqlite":
                keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(work / "scale.db", kept)
        results = measure(url, work)
        return {"size": shape.size, "months": shape.months, "backend": backend,
                "version": zkd(url, "--version").output.decode().strip(),
                "build": built, "results": results}
    finally:
        if name is not None:
            drop_postgres(name)
        shutil.rmtree(work, ignore_errors=True)


def report(doc: dict[str, object]) -> None:
    shape = Shape(str(doc["size"]), int(doc["months"]))  # type: ignore[call-overload]
    loans, events, claims = shape.totals
    print(f"\n## {doc['size']} ({loans:,} loans, {events:,} events, {claims:,} claims, "
          f"{shape.months} months from {period_of(shape.start)}), {doc['backend']}, "
          f"{doc['version']}")
    built = doc["build"]
    assert isinstance(built, dict)
    print("built in: " + ", ".join(f"{k} {v:.1f} s" for k, v in built.items()))
    print("| command | seconds | peak RSS | raw query | raw seconds |")
    print("| --- | ---: | ---: | --- | ---: |")
    results = doc["results"]
    assert isinstance(results, list)
    for label, run, query, raw_s in results:
        print(f"| `{label}` | {run.seconds:.2f} | {run.peak_mb:.0f} MB | {query} | {raw_s:.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", action="append", choices=list(SIZES),
                    help="S, M, L or XL (repeatable; default S)")
    ap.add_argument("--backend", action="append", choices=["sqlite", "postgresql"],
                    help="repeatable; default sqlite")
    ap.add_argument("--months", type=int, action="append",
                    help="months of history at the size's activity per month (repeatable; "
                         "default: the size's own, 5, or 24 for XL)")
    ap.add_argument("--keep", type=Path,
                    help="keep each SQLite ledger as built (before the timed commands) in this "
                         "folder, and reuse one found there instead of building it again")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args()
    docs = []
    for size in args.size or ["S"]:
        for months in args.months or [SIZES[size][3]]:
            for backend in args.backend or ["sqlite"]:
                doc = run_one(Shape(size, months), backend, args.keep)
                report(doc)
                docs.append(doc)
    if args.json:
        args.json.write_text(json.dumps([
            {**d, "results": [{"command": lbl, "seconds": r.seconds, "peak_mb": r.peak_mb,
                               "raw": q, "raw_seconds": s} for lbl, r, q, s in d["results"]]}
            for d in docs], indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
