"""The statement data model, its layouts and the spelling of its figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from zhengkedai.domain.money import ROUNDING_RULE_ZH
from zhengkedai.domain.statement import (
    STATEMENT_KINDS,
    Field,
    Row,
    Section,
    StatementColumn,
    StatementDoc,
    StatementError,
    Table,
)
from zhengkedai.render.cells import display, json_value, plain
from zhengkedai.render.layouts import (
    fields_from_layout,
    load_layout,
    section_from_layout,
    table_from_layout,
)

AT = dt.datetime(2025, 7, 1, 9, 30)


def doc(**kw: object) -> StatementDoc:
    args: dict[str, object] = dict(kind="reserve", period="2025-06", title="准备金收支表",
                                   generated_at=AT, sections=())
    args.update(kw)
    return StatementDoc(**args)  # type: ignore[arg-type]


def test_the_rounding_rule_is_always_a_footnote() -> None:
    assert doc().footnotes == (ROUNDING_RULE_ZH,)
    assert doc(footnotes=("目标比例10%",)).footnotes == (ROUNDING_RULE_ZH, "目标比例10%")
    assert doc(footnotes=("x", ROUNDING_RULE_ZH)).footnotes == ("x", ROUNDING_RULE_ZH)


def test_signature_lines_are_prepared_reviewed_approved() -> None:
    assert doc().signatures == ("编制", "复核", "审核")


@pytest.mark.parametrize("period", ["2025-13", "2025-6", "202506", "2025-00"])
def test_a_period_must_be_a_month(period: str) -> None:
    with pytest.raises(StatementError):
        doc(period=period)


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(StatementError):
        doc(kind="balance_sheet")


@pytest.mark.parametrize(
    ("kind", "value"),
    [("amount", 1.5), ("amount", True), ("amount", Decimal("1.50")), ("percent", 4.25),
     ("date", dt.datetime(2025, 6, 1)), ("text", 3), ("int", "3")],
)
def test_a_value_of_the_wrong_type_is_refused(kind: str, value: object) -> None:
    with pytest.raises(StatementError):
        Table((StatementColumn("v", "值", kind),), (Row({"v": value}),))  # type: ignore[arg-type]


def test_a_row_cannot_name_a_column_the_table_lacks() -> None:
    with pytest.raises(StatementError, match="not a column"):
        Table((StatementColumn("a", "甲", "amount"),), (Row({"b": 1}),))


def test_rows_are_read_only() -> None:
    row = Row({"a": 1})
    with pytest.raises(TypeError):
        row.values["a"] = 2  # type: ignore[index]


def test_alignment_follows_the_kind() -> None:
    kinds = {k: StatementColumn("c", "c", k).align for k in ("text", "amount", "percent", "date", "int")}
    assert kinds == {"text": "left", "amount": "right", "percent": "right", "date": "center",
                     "int": "right"}


def test_a_section_has_a_table_or_fields_not_both() -> None:
    table = Table((StatementColumn("a", "甲"),))
    with pytest.raises(StatementError):
        Section("s", "节", table=table, fields=(Field("f", "字段", "int", 1),))


def test_file_stem_names_period_kind_and_subject() -> None:
    assert doc().file_stem == "2025-06_reserve"
    assert doc(kind="institution", subject="ZZB").file_stem == "2025-06_institution_ZZB"


@pytest.mark.parametrize("kind", STATEMENT_KINDS)
def test_every_kind_has_a_layout(kind: str) -> None:
    layout = load_layout(kind)
    assert layout.kind == kind and layout.title and layout.sections


def test_registers_reserve_and_trial_balance_are_landscape() -> None:
    assert load_layout("claims").orientation == "landscape"
    assert load_layout("subsidies").orientation == "landscape"
    assert load_layout("reserve").orientation == "landscape"  # a column per kind of movement
    tb = load_layout("trial_balance")
    assert tb.orientation == "landscape"
    assert tb.section("journal").orientation == "landscape"
    assert load_layout("institution").orientation == "portrait"


def test_an_unknown_layout_is_refused() -> None:
    with pytest.raises(StatementError):
        load_layout("../pyproject")


def test_table_from_layout_keeps_the_layout_columns_and_rules_totals() -> None:
    section = load_layout("reserve").section("by_bank")
    table = table_from_layout(section, [{"bank_code": "ZZB", "closing_balance": 100}],
                              totals={"bank_name": "合计", "closing_balance": 100})
    assert [c.key for c in table.columns][:2] == ["bank_code", "bank_name"]
    assert [r.total for r in table.rows] == [False, True]
    with pytest.raises(StatementError):
        table_from_layout(section, [{"no_such_column": 1}])


def test_fields_from_layout_follow_layout_order_and_mark_subtotals() -> None:
    section = load_layout("reserve").section("summary")
    fields = fields_from_layout(section, {"closing_balance": 5, "opening_balance": 1})
    assert fields[0].key == "opening_balance" and fields[0].value == 1
    assert next(f for f in fields if f.key == "closing_balance").total
    assert next(f for f in fields if f.key == "inflow_city").value is None
    with pytest.raises(StatementError):
        fields_from_layout(section, {"bogus": 1})


def test_section_from_layout_builds_a_fields_section() -> None:
    s = section_from_layout(load_layout("trial_balance").section("chain"),
                            values={"chain_head": "ab" * 32}, paragraphs=["校验通过"])
    assert s.orientation == "landscape" and s.paragraphs == ("校验通过",)


@pytest.mark.parametrize(
    ("kind", "value", "pdf", "csv", "json"),
    [
        ("amount", 123456789, "1,234,567.89", "1234567.89", "1234567.89"),
        ("amount", -5, "-0.05", "-0.05", "-0.05"),
        ("amount", 0, "0.00", "0.00", "0.00"),
        ("percent", Decimal("4.25"), "4.25%", "4.25", "4.25"),
        ("percent", Decimal("5"), "5.00%", "5.00", "5.00"),
        ("percent", Decimal("5.0042"), "5.0042%", "5.0042", "5.0042"),
        ("int", 12345, "12,345", "12345", 12345),
        ("date", dt.date(2025, 6, 30), "2025-06-30", "2025-06-30", "2025-06-30"),
        ("text", "郑州银行", "郑州银行", "郑州银行", "郑州银行"),
        ("amount", None, "", "", None),
        ("percent", None, "—", "", None),  # a ratio of nothing (0 ÷ 0): a dash, not a blank
    ],
)
def test_each_format_spells_the_same_figure(kind: str, value: object, pdf: str, csv: str,
                                            json: object) -> None:
    assert display(kind, value) == pdf  # type: ignore[arg-type]
    assert plain(kind, value) == csv  # type: ignore[arg-type]
    assert json_value(kind, value) == json  # type: ignore[arg-type]
