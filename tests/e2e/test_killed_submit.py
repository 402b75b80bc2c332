"""A `zkd submit` of a large file killed at any moment frees the ledger at once and leaves no reader.

Files of 2 MB or more are read in a second process (zhengkedai.imports.prefetch).
Killing the parent with SIGKILL must take that reader with it, and no copy of
the database connection may keep the parent's transaction, and so the ledger
lock, open: the next booking goes through within seconds, on both databases.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from zhengkedai.imports import prefetch

from .test_cli_submit import LOAN_HEAD, loan_line

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
    reason="large files are read in a second process on Linux with two or more CPUs only")

ZKD = str(Path(sys.executable).with_name("zkd"))
TRIALS = 3


def children(pid: int) -> set[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return set()
    return {int(p) for p in text.split()}


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped holds nothing and counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "big_loans.csv"
    # several times the reader's pipe, so the reader is still there, blocked on a full
    # pipe, when the test looks for it (a faster reader finished a smaller file first)
    lines = [LOAN_HEAD] + [loan_line(f"K{i:06d}", i % 40 + 1) for i in range(64_000)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    assert path.stat().st_size >= prefetch.MIN_BYTES
    return path


def test_killing_a_large_submit_at_any_moment_frees_the_ledger_and_leaves_no_reader(
        db_url, big_file, tmp_path) -> None:
    env = {**os.environ, "ZKD_DATABASE_URL": db_url}
    env.pop("ZKD_DEBUG", None)
    env.pop("ZKD_OPERATOR", None)
    if db_url.startswith("sqlite"):  # on PostgreSQL the operator is the login
        env["ZKD_OPERATOR"] = "clerk"

    def zkd(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run([ZKD, *args], env=env, capture_output=True, text=True,
                              timeout=timeout, cwd=tmp_path)

    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").returncode == 0
    rng = random.Random(16)
    for trial in range(TRIALS):
        submit = subprocess.Popen([ZKD, "submit", str(big_file), "--institution", "ZZB"],
                                  env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        readers: set[int] = set()
        deadline = time.monotonic() + 30
        while not readers and submit.poll() is None and time.monotonic() < deadline:
            readers = children(submit.pid)
            time.sleep(0.002)
        assert readers, f"trial {trial}: the submit never started its reader"
        time.sleep(rng.uniform(0, 0.6))  # somewhere in reading and writing
        os.kill(submit.pid, signal.SIGKILL)
        submit.wait()
        start = time.monotonic()
        booked = zkd("reserve", "deposit", "1,000", "--source", "city", "--at", "ZZB",
                     "--on", "2025-01-02", "--ref", f"KILL-{trial}", timeout=30)
        assert booked.returncode == 0, booked.stderr
        assert time.monotonic() - start < 10
        deadline = time.monotonic() + 5
        while any(map(alive, readers)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(map(alive, readers)), f"trial {trial}: reader {readers} outlived submit"
    status = zkd("reserve", "status", "--format", "json", "--on", "2025-01-31")
    assert '"balance": "' + f"{1000 * TRIALS}.00" + '"' in status.stdout
