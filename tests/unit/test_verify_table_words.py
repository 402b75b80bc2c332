"""verify names a tampered record by its table in the reader's language."""

from __future__ import annotations

import pytest

from zhengkedai.db.digests import COVERED
from zhengkedai.services.audit.coverage import TABLE_ZH, table_label


def test_every_covered_table_has_a_chinese_name() -> None:
    assert {c.name for c in COVERED} <= set(TABLE_ZH)


def test_a_table_is_named_in_chinese_with_its_name_beside(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ZKD_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    assert table_label("loan_events") == "贷后事件（loan_events）"


def test_in_english_the_table_keeps_its_name() -> None:
    assert table_label("loan_events") == "loan_events"
