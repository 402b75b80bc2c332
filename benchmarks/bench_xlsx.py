"""How fast ``zkd submit`` files a loans XLSX, beside the bare reads of the same workbook.

Run by hand (not a test); see ``benchmarks/README.md``::

    .venv/bin/python benchmarks/bench_xlsx.py                  # 300,000 rows
    .venv/bin/python benchmarks/bench_xlsx.py --rows 30000 --percent

It writes one valid loans workbook with openpyxl's write-only mode (not
timed): the rows of ``bench_import.make_file`` as a bank's export holds them,
numbers as number cells and dates as date cells (``--percent``: the rate as
0.0385 formatted 0.00%; ``--shared-strings``: its strings shared, as Excel
saves them, where openpyxl writes them inline). Then, in the same run:

- ``zkd submit --dry-run`` and ``zkd submit`` of it, each a process as a user
  runs it, on a fresh SQLite ledger with the bank and guarantor registered:
  wall time and peak RSS (``os.wait4``; the reading process it forks included);
- the bare reads of the same file: python-calamine (the sheet parsed, every
  row converted to Python) and openpyxl (read-only, every row's values), in
  this process;
- ``zkd submit --dry-run`` and ``zkd submit`` of the same rows as CSV, for the
  format's cost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import bench_import as loans  # noqa: E402

sys.path.insert(0, str(HERE.parent))
from tests.xlsxfiles import with_shared_strings  # noqa: E402

ZKD = str(Path(sys.executable).with_name("zkd"))


def make_xlsx(path: Path, rows: int, percent: bool) -> None:
    """``rows`` valid loans, the rows of ``bench_import.make_file`` with typed cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("贷款台账")
    ws.append(loans.HEAD)
    codes = [loans.make_uscc("410100", 101 + i) for i in range(len(loans.FIRMS))]
    start = dt.date(2025, 1, 1)
    for i in range(rows):
        k = i % len(loans.FIRMS)
        name, district, revenue, high_tech, profitable, research = loans.FIRMS[k]
        kind = loans.TYPES[i % len(loans.TYPES)]
        principal = 100_000 * (1 + i % 97) + (50 if i % 7 == 0 else 0)
        disbursed = start + dt.timedelta(days=i % 330)
        maturity = disbursed + dt.timedelta(days=365 + 30 * (i % 13))
        collateral = principal * 3 // 2 if kind in ("抵押", "知识产权质押") else None
        guarantor, fee = (loans.GUARANTOR, principal // 100) if kind == "担保" else (None, None)
        rate: object = float(loans.RATES[i % len(loans.RATES)].rstrip("%"))  # float-ok: a cell
        if percent:
            cell = WriteOnlyCell(ws, value=round(rate / 100, 6))  # type: ignore[operator]
            cell.number_format = "0.00%"
            rate = cell
        ws.append([f"{loans.BANK}-2025-{i + 1:07d}", name, codes[k], district,
                   float(revenue.replace(",", "")), high_tech, profitable, research, kind,
                   collateral, principal, rate, disbursed, maturity, guarantor, fee])
    wb.save(path)


def zkd(db: Path, *args: str) -> tuple[float, float, str]:
    """``zkd ARGS`` as a user runs it: seconds, peak RSS in MB, what it printed
    (:data:`LAST_CPU`: the CPU seconds it took, its reading process's included)."""
    env = dict(os.environ, ZKD_DATABASE_URL=f"sqlite:///{db}", ZKD_LANG="en",
               ZKD_OPERATOR="bench")
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen([ZKD, *args], stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        out.seek(0)
        output = out.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"zkd {' '.join(args)} failed:\n{output[-3000:]}")
    global LAST_CPU
    LAST_CPU = usage.ru_utime + usage.ru_stime
    return seconds, usage.ru_maxrss / 1024, output


LAST_CPU = 0.0


def ledger(db: Path) -> Path:
    db.unlink(missing_ok=True)
    zkd(db, "init")
    zkd(db, "institution", "add", loans.BANK, "--name", "郑州银行", "--kind", "bank")
    zkd(db, "institution", "add", loans.GUARANTOR, "--name", "郑州中小企业融资担保有限公司",
        "--kind", "guarantor")
    return db


def bare(how: str, path: Path) -> tuple[float, float, int]:
    """Seconds, peak RSS in MB and rows of a bare read, in a child process of its own."""
    out = subprocess.run([sys.executable, __file__, "--bare", how, str(path)], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1]), int(out[2])


def bare_child(how: str, path: Path) -> None:
    t0 = time.perf_counter()
    n = 0
    if how == "calamine":
        from python_calamine import CalamineWorkbook

        with path.open("rb") as f:
            book = CalamineWorkbook.from_filelike(f)
        for _row in book.get_sheet_by_index(0).iter_rows():
            n += 1
    else:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for _row in wb.worksheets[0].iter_rows(values_only=True):
            n += 1
    seconds = time.perf_counter() - t0
    print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, n)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=300_000)
    p.add_argument("--percent", action="store_true", help="the rate as a percent-formatted cell")
    p.add_argument("--shared-strings", action="store_true",
                   help="strings shared, as Excel writes them (openpyxl writes them inline)")
    p.add_argument("--no-openpyxl", action="store_true", help="skip openpyxl's (slow) bare read")
    p.add_argument("--file", type=Path, help="a workbook this script wrote before, with --rows rows")
    p.add_argument("--bare", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.bare:
        bare_child(args.bare[0], Path(args.bare[1]))
        return
    work = Path(tempfile.mkdtemp(prefix="zkd_bench_xlsx_"))
    try:
        path = args.file or work / f"loans_{args.rows}.xlsx"
        t0 = time.perf_counter()
        if args.file is None:
            make_xlsx(path, args.rows, args.percent)
            if args.shared_strings:
                with_shared_strings(path)
        csv_path = work / f"loans_{args.rows}.csv"
        loans.make_file(csv_path, args.rows)
        print(f"wrote {path.name}: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB "
              f"in {time.perf_counter() - t0:.0f} s (and the same rows as CSV); "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        rows: list[tuple[str, float, float]] = []
        db = work / "ledger.db"
        for what, target, extra in (("zkd submit --dry-run, XLSX", path, ["--dry-run"]),
                                    ("zkd submit, XLSX", path, []),
                                    ("zkd submit --dry-run, same rows as CSV", csv_path,
                                     ["--dry-run"]),
                                    ("zkd submit, same rows as CSV", csv_path, [])):
            seconds, peak, output = zkd(ledger(db), "submit", str(target), "--institution",
                                        loans.BANK, *extra)
            assert f"{args.rows} rows" in output, output[-2000:]
            rows.append((what, seconds, peak, LAST_CPU))
        for how in ("calamine", *(() if args.no_openpyxl else ("openpyxl",))):
            seconds, peak, n = bare(how, path)
            assert n == args.rows + 1, n
            rows.append((f"bare read, {how}", seconds, peak, None))
        print(f"\n{args.rows:,} loan rows{', rate formatted as percent' if args.percent else ''}"
              f", load average {os.getloadavg()[0]:.1f} at the end")
        _seconds, _peak, version = zkd(db, "--version")
        print(f"`zkd --version` of the same run: {_seconds:.2f} s ({version.strip()})")
        print("| run | seconds | rows/s | CPU seconds | peak RSS MB |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for what, seconds, peak, cpu in rows:
            print(f"| {what} | {seconds:.1f} | {args.rows / seconds:,.0f} | "
                  f"{'' if cpu is None else f'{cpu:.1f}'} | {peak:.0f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
