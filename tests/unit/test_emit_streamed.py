"""Listings written as they are read: the pieces are the document written at once."""

from __future__ import annotations

import json

import pytest

from cli.common import json_array_parts


@pytest.mark.parametrize("items", [
    [],
    [{"id": 1}],
    [{"id": 1, "trace": "贷款 1,000.00\n→ 800.00", "nested": [1, {"a": None}], "ok": True},
     {"id": 2, "empty": {}, "list": []}],
    [1, "two", None],
])
def test_a_json_array_in_pieces_is_json_dumps_of_the_list(items: list[object]) -> None:
    assert "".join(json_array_parts(iter(items))) == json.dumps(items, ensure_ascii=False,
                                                                  indent=2)
