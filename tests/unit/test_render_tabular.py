"""CSV and JSON statements: metadata, exact figures, totals kept apart, determinism."""

from __future__ import annotations

import csv
import io
import json

import pytest

from zhengkedai.domain.money import ROUNDING_RULE_ZH
from zhengkedai.domain.statement import STATEMENT_KINDS
from zhengkedai.render.samples import sample_doc
from zhengkedai.render.tabular import render_csv, render_json


@pytest.mark.parametrize("kind", STATEMENT_KINDS)
def test_json_and_csv_are_the_same_bytes_each_time(kind: str) -> None:
    assert render_json(sample_doc(kind)) == render_json(sample_doc(kind))  # type: ignore[arg-type]
    assert render_csv(sample_doc(kind)) == render_csv(sample_doc(kind))  # type: ignore[arg-type]


def test_json_carries_metadata_and_amounts_as_two_decimal_strings() -> None:
    data = json.loads(render_json(sample_doc("reserve", draft=True)))
    assert data["programme"] == "郑科贷 科技贷款风险补偿资金"
    assert (data["period"], data["kind"], data["draft"]) == ("2025-06", "reserve", True)
    assert data["generated_at"] == "2025-07-01T09:30:00+08:00"
    summary = data["sections"][0]
    assert summary["key"] == "summary"
    assert summary["values"]["inflow_interest"] == "1234567.89"
    assert data["sections"][1]["values"]["target_ratio"] == "10.00"
    assert ROUNDING_RULE_ZH in data["footnotes"]
    assert data["signatures"] == ["编制", "复核", "审核"]


def test_json_rows_use_column_keys_and_keep_totals_apart() -> None:
    data = json.loads(render_json(sample_doc("reserve")))
    by_bank = next(s for s in data["sections"] if s["key"] == "by_bank")
    assert [c["key"] for c in by_bank["columns"]] == list(by_bank["rows"][0])
    assert len(by_bank["rows"]) == 4 and len(by_bank["totals"]) == 1
    total = by_bank["totals"][0]
    assert total["bank_name"] == "合计"
    summed = sum(int(r["closing_balance"].replace(".", "")) for r in by_bank["rows"])
    assert int(total["closing_balance"].replace(".", "")) == summed
    movements = next(s for s in data["sections"] if s["key"] == "movements")
    assert movements["rows"][0]["entry_date"] == "2025-06-01"


def test_json_has_no_floats() -> None:
    def walk(value: object) -> None:
        assert not isinstance(value, float)
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for kind in STATEMENT_KINDS:
        walk(json.loads(render_json(sample_doc(kind))))  # type: ignore[arg-type]


def test_csv_is_utf8_with_bom_and_blocks_start_with_section() -> None:
    raw = render_csv(sample_doc("institution"))
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))
    headers = [r for i, r in enumerate(rows) if r and (i == 0 or not rows[i - 1])]
    assert all(h[0] == "section" for h in headers)
    assert rows[1][:3] == ["meta", "郑科贷 科技贷款风险补偿资金", "2025-06"]
    loans = [r for r in rows if r and r[0] == "loans"]
    assert {r[1] for r in loans} == {"detail", "total"}
    assert [r[1] for r in loans].count("total") == 1
    profile = {r[1]: r[3] for r in rows if r and r[0] == "profile"}
    assert profile["overdue_ratio"].count(".") == 1 and "%" not in profile["overdue_ratio"]
    assert profile["loans_filed_amount"] == "12345678.90"
    assert ["footnotes", ROUNDING_RULE_ZH] in rows


def test_csv_figures_equal_json_figures() -> None:
    doc = sample_doc("claims")
    data = json.loads(render_json(doc))
    register = next(s for s in data["sections"] if s["key"] == "register")
    rows = list(csv.reader(io.StringIO(render_csv(doc)[3:].decode("utf-8"))))
    csv_rows = [r for r in rows if r and r[0] == "register" and r[1] == "detail"]
    keys = [c["key"] for c in register["columns"]]
    for csv_row, json_row in zip(csv_rows, register["rows"], strict=True):
        assert csv_row[2:] == [json_row[k] or "" for k in keys]
