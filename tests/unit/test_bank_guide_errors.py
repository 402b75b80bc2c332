"""The bank guide's error table (docs/bank-guide.md §6) shows each message as zkd prints it.

Each row gives the Chinese a clerk sees and the English beside it; both must be one
message of the catalogue (its msgstr and its msgid), the guide's sample values standing
where the message has ``{placeholders}``. A message reworded in the code and not in the
guide, or a Chinese made up in the guide, fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "bank-guide.md"
CATALOGUE = ROOT / "src" / "zhengkedai" / "locale" / "zh_CN" / "LC_MESSAGES" / "zhengkedai.po"
SPAN = re.compile(r"(`+) ?(.+?) ?\1")
FIELD = re.compile(r"\{[a-z_0-9]*(?:![rsa])?(?::[^}]*)?\}")


def _pattern(message: str) -> re.Pattern[str]:
    """``message`` with each ``{placeholder}`` open to any text (a sample value, or a
    message composed into it)."""
    parts = FIELD.split(message)
    return re.compile(".+?".join(re.escape(p) for p in parts) + r"\Z", re.S)


def _messages() -> list[tuple[re.Pattern[str], re.Pattern[str]]]:
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f, locale="zh_CN")
    pairs = []
    for m in catalogue:
        if not m.id or not m.string:
            continue
        ids = (m.id,) if isinstance(m.id, str) else m.id
        strings = (m.string,) if isinstance(m.string, str) else m.string
        pairs += [(_pattern(i), _pattern(s)) for i in ids for s in strings if s]
    return pairs


def _rows() -> list[tuple[str, str]]:
    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index("## 6. 错误信息逐条说明"):text.index("## 7. ")]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if not line.startswith("| ") or len(cells) != 3 or cells[0].startswith(("中文", "---")):
            continue
        zh = [s.group(2) for s in SPAN.finditer(cells[0])]
        en = [s.group(2) for s in SPAN.finditer(cells[1])]
        assert len(zh) == len(en), line
        rows += list(zip(zh, en, strict=True))
    return rows


ROWS = _rows()
MESSAGES = _messages()


def test_the_table_has_the_rows_a_clerk_looks_up() -> None:
    assert len(ROWS) > 60
    assert ("必填项为空", "required value is empty") in ROWS


@pytest.mark.parametrize(("zh", "en"), ROWS, ids=[en[:60] for _zh, en in ROWS])
def test_each_row_is_one_catalogue_message_in_both_languages(zh: str, en: str) -> None:
    assert any(i.match(en) and s.match(zh) for i, s in MESSAGES), (zh, en)
