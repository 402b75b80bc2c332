"""The language zkd speaks: gettext catalogues, Chinese by default, English on request.

Messages are written in English in the source and marked with ``_()`` (or
``ngettext``); the catalogues ``locale/{zh_CN,en}/LC_MESSAGES/zhengkedai.po``,
extracted and compiled by Babel (``make messages``), give the Chinese and
English texts. The compiled ``.mo`` files are committed and ship in the wheel.

The language is chosen each time a message is translated, not at import, so
one process (a test run) can switch with the environment:

1. ``ZKD_LANG``: ``zh`` (or ``zh_CN``…) or ``en`` (or ``en_US``…);
2. else the POSIX locale variables ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, the
   first one set: an English one (``en_US.UTF-8``) gives English;
3. else Chinese, the programme's language.

Strings made at import time (column headings, option help) are marked with
``N_()`` and translated where they are shown; command and option help is
translated as ``--help`` is built (``zhengkedai_cli.main``).

Click's own messages (``Usage:``, ``Options:``, ``Missing argument``…) live in
a second domain, ``click``, installed into click's modules by
:func:`install_click`.
"""

from __future__ import annotations

import functools
import gettext
import importlib.resources
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

DOMAIN = "zhengkedai"
CLICK_DOMAIN = "click"
CHINESE = "zh_CN"
ENGLISH = "en"
LANGUAGES = (CHINESE, ENGLISH)


def language() -> str:
    """``zh_CN`` or ``en``, from ``ZKD_LANG``, else the locale variables, else Chinese."""
    chosen = os.environ.get("ZKD_LANG", "").strip().lower()
    if chosen:
        return ENGLISH if chosen.startswith("en") else CHINESE
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").strip()
        if value:
            return ENGLISH if value.lower().startswith("en") else CHINESE
    return CHINESE


def locale_dir() -> Path:
    """The folder holding ``{zh_CN,en}/LC_MESSAGES/*.mo``, inside the package."""
    return Path(str(importlib.resources.files("zhengkedai").joinpath("locale")))


@functools.cache
def translation(lang: str, domain: str = DOMAIN) -> gettext.NullTranslations:
    """The compiled catalogue of ``domain`` in ``lang``; the identity when it is missing."""
    return gettext.translation(domain, str(locale_dir()), languages=[lang], fallback=True)


def _(message: str) -> str:
    """``message`` in the current language."""
    return translation(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the current language."""
    return translation(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks ``message`` for extraction only; it is translated later, where it is shown."""
    return message


def is_chinese() -> bool:
    return language() == CHINESE


def code_name(names: Mapping[Any, str], code: str) -> str:
    """A coded value (an event type, a subsidy or file kind) as the reader says it.

    ``names`` is the programme's one table of Chinese names for those codes
    (``EVENT_TYPE_ZH``, ``SUBSIDY_KIND_ZH``…): the Chinese name in a Chinese
    session, the code itself (``repayment``) in an English one; an unknown
    code is shown as it is.
    """
    return names.get(code, code) if is_chinese() else str(code)


def listing(items: Iterable[str]) -> str:
    """Items in a running list: ``甲、乙、丙`` in Chinese, ``a, b, c`` in English."""
    return ("、" if is_chinese() else ", ").join(items)


# --- click's own messages -------------------------------------------------------

# Words click translates from a variable (``_(extra["required"])``), which its
# catalogue cannot extract: they are zkd's messages instead.
_CLICK_WORDS = {"required": N_("required")}


def click_gettext(message: str) -> str:
    if message in _CLICK_WORDS:
        return _(message)
    return translation(language(), CLICK_DOMAIN).gettext(message)


def click_ngettext(singular: str, plural: str, n: int) -> str:
    return translation(language(), CLICK_DOMAIN).ngettext(singular, plural, n)


_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui",
                  "types", "utils", "shell_completion", "_termui_impl")


def install_click() -> None:
    """Make click's messages come from zkd's ``click`` catalogue, in zkd's language.

    Click calls ``gettext.gettext``, bound in each of its modules as ``_`` at
    import: that reads the process-wide domain and the locale variables, not
    ``ZKD_LANG``. Rebinding those names is the narrowest way to give click the
    same language as the rest of zkd without touching the process's gettext state.
    """
    import importlib

    for name in _CLICK_MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:  # pragma: no cover - a module of another click version
            continue
        if getattr(module, "_", None) is gettext.gettext:
            module._ = click_gettext  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = click_ngettext  # type: ignore[attr-defined]
