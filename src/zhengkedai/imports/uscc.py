"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

A code is 18 characters over ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, S,
V, Z)::

    9 1 410100 MA45XXXX7 Q
    | | |      |         `-- 18: check character (mod 31, weights 3^i mod 31)
    | | |      `------------ 9-17: organisation code, GB 11714 (own check digit)
    | | `------------------- 3-8: administrative division code (410100 = Zhengzhou)
    | `--------------------- 2: organisation type
    `----------------------- 1: registration authority

Invariant: :func:`uscc_error` returns ``None`` exactly when both check
characters verify and the division code is six digits; :func:`make_uscc`
only makes codes that pass it. Pure functions, no I/O.
"""

from __future__ import annotations

import unicodedata
from operator import mul

from ..i18n import _

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(CHARSET)}
_CHARS = frozenset(CHARSET)

ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# GB 11714 body characters: digits keep their value, letters A-Z are 10-35.
_ORG_VALUE = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def normalize_uscc(text: str) -> str:
    """Full-width to half-width, surrounding spaces removed, upper case."""
    if text.isascii():
        return text.strip().upper()
    return unicodedata.normalize("NFKC", text).strip().upper()


def uscc_check_char(first17: str) -> str:
    """The 18th character for the first 17 (which must be in :data:`CHARSET`)."""
    if len(first17) != 17:
        raise ValueError("need the first 17 characters")
    total = sum(map(mul, map(_VALUE.__getitem__, first17), WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def org_check_char(body8: str) -> str:
    """The GB 11714 check character of an 8-character organisation code body."""
    if len(body8) != 8:
        raise ValueError("need the 8-character body")
    total = sum(map(mul, map(_ORG_VALUE.__getitem__, body8), ORG_WEIGHTS))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def uscc_error(code: str) -> str | None:
    """Why ``code`` (already normalised) is not a valid USCC, or ``None`` when it is."""
    if len(code) != 18:
        return _("a unified social credit code has 18 characters, not {count}").format(count=len(code))
    if not _CHARS.issuperset(code):
        bad = next(c for c in code if c not in _CHARS)
        return _("character {char!r} is not allowed in a unified social credit code").format(char=bad)
    if not code[2:8].isdigit():
        return _("characters 3-8 ({division}) must be a six-digit division code").format(
            division=code[2:8])
    org = org_check_char(code[8:16])
    if code[16] != org:
        return _("organisation code {org_code} does not verify (GB 11714 check digit should be "
                 "{check})").format(org_code=code[8:17], check=org)
    check = uscc_check_char(code[:17])
    if code[17] != check:
        return _("check character is {char}, should be {check} (GB 32100-2015)").format(
            char=code[17], check=check)
    return None


def is_valid_uscc(code: str) -> bool:
    """True when ``code`` (normalised first) is a valid USCC."""
    return uscc_error(normalize_uscc(code)) is None


def division_code(code: str) -> str:
    """The administrative division code, characters 3-8 (``410100`` for Zhengzhou)."""
    return code[2:8]


def organisation_code(code: str) -> str:
    """The embedded GB 11714 organisation code, characters 9-17."""
    return code[8:17]


def make_uscc(division: str = "410100", seq: int = 1, *, authority: str = "9",
              org_type: str = "1") -> str:
    """A valid code for tests and sample data: organisation body = ``seq`` in 8 digits.

    ``make_uscc("410100", 1) == "91410100000000019L"``; every result satisfies
    :func:`uscc_error`.

    Raises:
        ValueError: ``division`` is not six digits or ``seq`` does not fit 8 digits.
    """
    if len(division) != 6 or not division.isdigit():
        raise ValueError(f"division must be six digits, not {division!r}")
    if not 0 <= seq < 10**8:
        raise ValueError("seq must be between 0 and 99,999,999")
    body = f"{seq:08d}"
    first17 = authority + org_type + division + body + org_check_char(body)
    return first17 + uscc_check_char(first17)
