"""Characters a value may hold: what is folded, and what is refused rather than guessed.

SPEC 2 and 4: full-width forms (``１２３４.５０``, ``ＺＺＢ``) are read as their
ASCII twins (NFKC). Two kinds of character are refused instead, because
folding or keeping them would make a value look like another one:

- control and invisible characters (NUL, the zero-width space and joiners, a
  byte-order mark inside a cell, bidi marks, private-use code points…): a loan
  number with a zero-width space in it looks like another loan's on every
  screen, yet is a different key;
- digit forms other than ASCII ``0-9`` and full-width ``０-９`` (superscript
  ``¹``, circled ``①``, fractions, Indic and Arabic-Indic digits…): NFKC and
  ``int()`` read ``1000000¹`` as ``10000001``.

Pure: no I/O. The character class is built once, on first use.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from ..i18n import _

FULL_WIDTH_DIGITS = frozenset("０１２３４５６７８９")
EXCEL_ERRORS = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
    "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
    "#EXTERNAL!", "#PYTHON!",
})

# invisible although not in a C* category: fillers, blank patterns, variation selectors
_ALSO_INVISIBLE = ("\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2028\u2029\u2800\u3164"
                   "\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef")


@functools.cache
def _hidden() -> re.Pattern[str]:
    """Every control (Cc), format (Cf), surrogate (Cs) and private-use (Co) character."""
    ranges: list[str] = []
    start = None
    limit = 0x20000
    for code in range(limit + 1):
        bad = code < limit and unicodedata.category(chr(code)) in ("Cc", "Cf", "Cs", "Co")
        if bad and start is None:
            start = code
        elif not bad and start is not None:
            ranges.append(_range(start, code - 1))
            start = None
    ranges += [_range(0xE0000, 0xE007F), _range(0xF0000, 0x10FFFF)]  # tags, private planes
    return re.compile("[" + "".join(ranges) + _ALSO_INVISIBLE + "]")


def _range(first: int, last: int) -> str:
    return re.escape(chr(first)) + ("" if first == last else "-" + re.escape(chr(last)))


def describe(ch: str) -> str:
    """``U+200B ZERO WIDTH SPACE``: a character named so that it can be found."""
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'control character')}"


def hidden_character(text: str, *, line_breaks: bool = False) -> str | None:
    """Why ``text`` is refused for a control or invisible character, or None.

    ``line_breaks`` allows tab, line feed and carriage return (free text such
    as a note may span lines in a spreadsheet cell).
    """
    for m in _hidden().finditer(text):
        ch = m.group()
        if line_breaks and ch in "\t\n\r":
            continue
        return _("contains an invisible or control character ({char}); retype the value").format(
            char=describe(ch))
    return None


def foreign_digit(text: str) -> str | None:
    """Why ``text`` is refused for a digit form other than ASCII or full-width, or None."""
    if text.isascii():
        return None
    for ch in text:
        if ch.isascii() or ch in FULL_WIDTH_DIGITS:
            continue
        if (unicodedata.decimal(ch, None) is not None or unicodedata.digit(ch, None) is not None
                or (not ch.isalpha() and any("0" <= c <= "9"
                                             for c in unicodedata.normalize("NFKC", ch)))):
            return _("contains the digit form {char!r} ({name}); write digits as 0-9 or "
                     "full-width ０-９").format(char=ch, name=describe(ch))
    return None


def excel_error(text: str) -> str | None:
    """Why ``text`` is refused as a spreadsheet error value (``#DIV/0!``), or None."""
    if text[:1] == "#" and text.strip().upper() in EXCEL_ERRORS:
        return _("{value} is a spreadsheet error value, not data; fix the formula").format(
            value=text.strip())
    return None


def value_error(text: str, *, digits: bool = True, line_breaks: bool = False) -> str | None:
    """The first reason ``text`` is refused (see the module docstring), or None."""
    return (excel_error(text) or hidden_character(text, line_breaks=line_breaks)
            or (foreign_digit(text) if digits else None))


class CharacterError(ValueError):
    """A text refused for one of its characters; ``str(exc)`` is the reason."""


def fold(text: str) -> str:
    """``text`` checked, then NFKC-folded (full-width to ASCII) and stripped.

    Raises:
        CharacterError: a control or invisible character, a foreign digit form
            or a spreadsheet error value.
    """
    text = text.strip()  # surrounding spaces, tabs and line breaks are no one's mistake
    if text.isascii() and text.isprintable():
        if text[:1] == "#" and (why := excel_error(text)):
            raise CharacterError(why)
        return text
    why = value_error(text)
    if why is not None:
        raise CharacterError(why)
    return unicodedata.normalize("NFKC", text).strip()
