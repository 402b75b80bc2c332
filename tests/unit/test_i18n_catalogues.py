"""The message catalogues: complete in both languages, current with the source, compiled.

When one of these fails after a change to a message, run ``make messages``,
translate what the zh_CN catalogue lacks, and run ``make messages`` again.
"""

from __future__ import annotations

import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from zhengkedai import i18n

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "src" / "zhengkedai" / "locale"
DOMAINS = ("zhengkedai", "click")
FIX = "run `make messages`, translate what zh_CN lacks, and `make messages` again"


def _catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _ids(catalog: Catalog) -> set[str]:
    return {m.id[0] if m.pluralizable else m.id for m in catalog if m.id}


def _strings(message: Message) -> list[str]:
    return list(message.string) if message.pluralizable else [message.string]


def _fields(text: str) -> set[str]:
    """The ``{name}`` placeholders of a format string (``%(name)s`` too)."""
    try:
        names = {f[1].split("!")[0].split(".")[0] for f in string.Formatter().parse(text)
                 if f[1] is not None}
    except ValueError:
        names = set()
    return names | set(re.findall(r"%\((\w+)\)", text))


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_message_has_a_translation_in_both_catalogues(domain: str, lang: str) -> None:
    pot = _ids(_catalog(LOCALES / f"{domain}.pot"))
    po = _catalog(LOCALES / lang / "LC_MESSAGES" / f"{domain}.po", lang)
    translated = {m.id[0] if m.pluralizable else m.id for m in po
                  if m.id and all(_strings(m)) and "fuzzy" not in m.flags}
    missing = sorted(pot - translated)
    assert not missing, f"{len(missing)} message(s) without a {lang} translation ({FIX}): " \
        + "; ".join(repr(m) for m in missing[:20])


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_a_translation_keeps_every_placeholder_of_its_message(domain: str, lang: str) -> None:
    po = _catalog(LOCALES / lang / "LC_MESSAGES" / f"{domain}.po", lang)
    wrong = []
    for m in po:
        if not m.id:
            continue
        wanted = set().union(*(_fields(i) for i in (m.id if m.pluralizable else (m.id,))))
        for text in _strings(m):
            if text and not _fields(text) <= wanted:  # an unknown name fails at .format()
                wrong.append(f"{m.id!r} → {text!r}")
    assert not wrong, "; ".join(wrong[:10])


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_compiled_catalogue_matches_its_po_file(domain: str, lang: str) -> None:
    po = _catalog(LOCALES / lang / "LC_MESSAGES" / f"{domain}.po", lang)
    with (LOCALES / lang / "LC_MESSAGES" / f"{domain}.mo").open("rb") as f:
        mo = gettext.GNUTranslations(f)
    stale = [m.id for m in po if m.id and not m.pluralizable and m.string
             and mo.gettext(m.id) != m.string]
    assert not stale, f"{len(stale)} compiled message(s) differ ({FIX}): {stale[:5]!r}"


def test_the_template_holds_every_message_the_source_marks() -> None:
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = {message if isinstance(message, str) else message[0]
             for _file, _line, message, _comments, _context
             in extract_from_dir(str(ROOT), method_map, options_map)}
    pot = _ids(_catalog(LOCALES / "zhengkedai.pot"))
    assert not sorted(found - pot), f"messages missing from zhengkedai.pot ({FIX}): " \
        + "; ".join(repr(m) for m in sorted(found - pot)[:20])
    assert not sorted(pot - found), f"messages no longer in the source ({FIX}): " \
        + "; ".join(repr(m) for m in sorted(pot - found)[:20])


@pytest.mark.parametrize("value, expected", [
    ({"ZKD_LANG": "en"}, "en"), ({"ZKD_LANG": "zh"}, "zh_CN"), ({"ZKD_LANG": "en_US"}, "en"),
    ({"ZKD_LANG": "zh", "LANG": "en_US.UTF-8"}, "zh_CN"), ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh_CN"),
    ({"LC_MESSAGES": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LANG": "C.UTF-8"}, "zh_CN"), ({}, "zh_CN"),
])
def test_zkd_lang_then_the_locale_choose_the_language_and_chinese_is_the_default(
        monkeypatch: pytest.MonkeyPatch, value: dict[str, str], expected: str) -> None:
    for name in ("ZKD_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, text in value.items():
        monkeypatch.setenv(name, text)
    assert i18n.language() == expected
