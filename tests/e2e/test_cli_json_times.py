"""Times in zkd's JSON carry their offset: Zhengzhou's time, ``+08:00``, as the statements print it.

A stored moment is UTC; a time without an offset would be read as local by anyone
comparing it with a statement or a clock on the wall.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# zkd_frozen stops the clock at 2026-01-15 08:00:00 UTC, which is 16:00 in Zhengzhou
NOW_LOCAL = "2026-01-15T16:00:00+08:00"


@pytest.fixture
def clerk(zkd_frozen):  # type: ignore[no-untyped-def]
    zkd = zkd_frozen
    assert zkd("init").exit_code == 0  # stores the policy files, at the frozen time
    assert zkd("institution", "add", "ZZB", "--name", "郑州银行", "--kind", "bank").exit_code == 0
    assert zkd("reserve", "deposit", "1,000", "--source", "city", "--at", "ZZB",
               "--on", "2025-01-02", "--ref", "CZ-1").exit_code == 0
    return zkd


def test_close_gives_closed_at_with_its_offset_as_the_months_statements_do(
        clerk, tmp_path: Path) -> None:
    r = clerk("close", "2025-01", "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.output)["closed_at"] == NOW_LOCAL
    out = tmp_path / "jan"
    assert clerk("statement", "2025-01", "--format", "json", "-o", str(out)).exit_code == 0
    reserve = json.loads((out / "2025-01_reserve.json").read_text(encoding="utf-8"))
    assert reserve["generated_at"] == NOW_LOCAL  # a closed month's statements: its close time


def test_close_through_gives_each_months_closed_at_with_its_offset(clerk) -> None:
    r = clerk("close", "--through", "2025-02", "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert [(d["period"], d["closed_at"]) for d in json.loads(r.output)] == [
        ("2025-01", NOW_LOCAL), ("2025-02", NOW_LOCAL)]


def test_settings_and_policy_times_carry_the_offset(clerk) -> None:
    assert clerk("settings", "set", "issuer", "郑州市科学技术局").exit_code == 0
    settings = {s["key"]: s for s in json.loads(clerk("settings", "show", "--format",
                                                       "json").output)}
    assert settings["issuer"]["set_at"] == NOW_LOCAL
    assert clerk("policy", "activate", "henan-2025").exit_code == 0
    henan = [p for p in json.loads(clerk("policy", "list", "--format", "json").output)
             if p["name"] == "henan-2025"]
    assert [(p["loaded_at"], p["activated_at"]) for p in henan] == [(NOW_LOCAL, NOW_LOCAL)]
    history = json.loads(clerk("policy", "history", "--format", "json").output)
    assert history and {c["changed_at"] for c in history} == {NOW_LOCAL}
