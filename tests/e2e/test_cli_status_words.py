"""A claim's or subsidy's status reads the same in ``zkd`` and in the month's statements.

A finance officer compares ``zkd claims list`` with the 补偿明细表: the Chinese
interface shows the statements' word for each status (已提交, 已批准, 已支付,
已驳回), and the English one the stored value.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from tests.e2e.test_cli_claims import two_claims  # noqa: F401 - a fixture
from tests.e2e.test_cli_subsidies import filed  # noqa: F401 - a fixture


def _table_rows(output: str) -> dict[str, list[str]]:
    """The rows of a zkd table by their first cell (the id)."""
    return {line.split()[0]: line.split() for line in output.splitlines()[2:] if line.strip()}


def test_claims_list_and_show_use_the_claims_registers_words(two_claims, chinese,  # noqa: F811
                                                             tmp_path: Path) -> None:
    zkd = two_claims
    assert zkd("claims", "approve", "1", "--on", "2025-03-10").exit_code == 0
    rows = _table_rows(zkd("claims", "list").output)
    assert "已批准" in rows["1"] and "已提交" in rows["2"]
    assert not {"已审批", "已受理"} & set(rows["1"] + rows["2"])
    assert zkd("claims", "show", "1").output.splitlines()[0].endswith("#1  已批准")

    out = tmp_path / "st"
    assert zkd("statement", "2025-03", "--format", "csv", "-o", str(out)).exit_code == 0
    text = (out / "2025-03_claims.csv").read_text(encoding="utf-8-sig")  # the 补偿明细表
    assert "补偿明细表" in text
    status = {row[2]: row[10] for row in csv.reader(text.splitlines())
              if row[:2] == ["register", "detail"]}
    assert status == {"C1": "已批准", "C2": "已提交"}


def test_a_status_in_english_is_the_stored_value_and_json_keeps_it(two_claims) -> None:  # noqa: F811
    zkd = two_claims
    assert zkd("claims", "approve", "1", "--on", "2025-03-10").exit_code == 0
    rows = _table_rows(zkd("claims", "list").output)
    assert "approved" in rows["1"] and "submitted" in rows["2"]
    listed = json.loads(zkd("claims", "list", "--format", "json").output)
    assert [c["status"] for c in listed] == ["approved", "submitted"]


def test_a_refusal_names_the_status_in_the_same_words(two_claims, chinese) -> None:  # noqa: F811
    zkd = two_claims
    r = zkd("claims", "pay", "2", "--on", "2025-03-12")
    assert r.exit_code == 1
    assert "当前状态为“已提交”，只有“已批准”的申请才能支付" in r.stderr


def test_subsidies_list_and_show_use_the_subsidy_registers_words(filed, chinese) -> None:  # noqa: F811
    zkd = filed
    assert zkd("subsidies", "approve", "1", "--on", "2025-04-01").exit_code == 0
    assert zkd("subsidies", "reject", "3", "--reason", "材料不全").exit_code == 0
    rows = _table_rows(zkd("subsidies", "list").output)
    assert (rows["1"][-1], rows["2"][-1], rows["3"][-1]) == ("已批准", "已提交", "已驳回")
    shown = zkd("subsidies", "show", "1").output
    assert "状态" in shown and "已批准" in shown and "已审批" not in shown
    assert re.search(r"^批准日期 +2025-04-01$", shown, re.M), shown
