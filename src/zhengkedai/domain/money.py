"""Money: the one place where amounts are made, rounded and formatted.

An amount is an ``int`` number of fen (0.01 yuan). Nothing else represents
money inside the program: files and command lines are parsed into fen here,
JSON, CSV and PDF text is formatted from fen here, and every computed amount
(a ratio of a loss, a rate of a fee) passes through :func:`round_half_up`
exactly once, at the end of its rule. Binary floating point never touches an
amount.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..i18n import N_, _, listing
from .chars import CharacterError, fold

Fen = int

ZERO: Fen = 0
FEN_PER_YUAN = 100
YUAN = Decimal(1)

ROUNDING_RULE_ZH = "金额按四舍五入保留到分（每条规则计算结束时取整一次）"
ROUNDING_RULE_EN = "amounts are rounded half-up to the fen, once, at the end of each rule"

_UNITS = {"元": Decimal(1), "千元": Decimal(1_000), "万元": Decimal(10_000),
          "亿元": Decimal(100_000_000)}
# ASCII digits only (full-width ones are folded to ASCII first); `\d` would let
# other scripts' digits through, which Decimal would then read
_PLAIN = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_GROUPED = re.compile(r"^-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")


class AmountError(ValueError):
    """A text that is not an amount, with the reason in plain words."""


def unit_factor(unit: str) -> Decimal:
    """The multiplier of a header unit such as 元 or 万元 (ten-thousands of yuan)."""
    try:
        return _UNITS[unit]
    except KeyError:
        raise AmountError(_("unknown unit {unit!r}; expected one of {units}").format(
            unit=unit, units=listing(_UNITS))) from None


def _unit_in_cell(s: str) -> str | None:
    """The unit (元, 万元…) written after a number in an amount cell, if any."""
    body, unit = s.removesuffix("元"), "元"
    if body[-1:] in ("千", "万", "亿"):
        body, unit = body[:-1], body[-1] + "元"
    if body == s or not body.rstrip()[-1:].isdigit():
        return None
    return unit


def parse_yuan(text: str, *, unit: Decimal = YUAN) -> Fen:
    """Parse an amount in yuan (or in ``unit`` yuan) into fen, exactly.

    Accepts ``1234.5``, ``1,234.50``, ``¥1,234.50``, ``￥1234.50`` and their
    full-width spellings (SPEC 2), and a minus sign (so that a negative amount
    is refused by its caller with that reason). Refuses anything else (``+5``,
    ``.5``, ``5.``, ``RMB100``, foreign digit forms, invisible characters), and
    refuses values with more than two decimals once converted to yuan: they
    would need a guess.

    Raises:
        AmountError: the text is not such an amount.
    """
    try:
        raw = fold(str(text))
    except CharacterError as exc:
        raise AmountError(_("{value!r}: {reason}").format(value=str(text).strip(), reason=exc)) from None
    s = raw
    if s.startswith("¥"):  # ￥ is folded to ¥
        s = s[1:].lstrip()  # "¥ 1,234.50" as Excel's currency format shows it
    if s.startswith("-¥"):
        s = "-" + s[2:].lstrip()
    if not s:
        raise AmountError(_("empty amount"))
    unit_written = _unit_in_cell(s)
    if unit_written is not None:
        raise AmountError(_("{value!r}: the unit {unit} belongs in the column header (e.g. "
                            "贷款金额（{unit}）), not in the cell; write the number alone").format(
                                value=raw, unit=unit_written))
    if "," in s:
        if not _GROUPED.match(s):
            raise AmountError(_("{value!r} has misplaced thousands separators").format(value=raw))
        s = s.replace(",", "")
    if not _PLAIN.match(s):
        raise AmountError(_("{value!r} is not a number").format(value=raw))
    try:
        value = Decimal(s) * unit
    except InvalidOperation:  # pragma: no cover - the regex admits only numbers
        raise AmountError(_("{value!r} is not a number").format(value=raw)) from None
    return decimal_to_fen(value, raw)


# The largest amount taken from a file or the command line: a trillion yuan, far
# above any loan, deposit or fund, and small enough that sums of a great many of
# them still fit the databases' 64-bit integers (BIGINT) in fen.
MAX_YUAN = Decimal(1_000_000_000_000)
MAX_FEN = int(MAX_YUAN) * 100
TOO_LARGE = N_("{amount} is more than 1,000,000,000,000.00, the largest amount zkd takes")


def decimal_to_fen(value: Decimal, shown: str | None = None) -> Fen:
    """An exact Decimal number of yuan as fen; more than two decimals is an error."""
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise AmountError(_("{amount} has more than 2 decimals (fen)").format(amount=shown or value))
    if abs(value) > MAX_YUAN:
        raise AmountError(_(TOO_LARGE).format(amount=shown or value))
    return int(fen)


def round_half_up(value: Decimal) -> Fen:
    """Round a computed number of fen half-up (四舍五入) to a whole fen."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def apply_ratio(amount: Fen, ratio: Decimal) -> Fen:
    """``amount × ratio``, rounded half-up to the fen: the one way a rule takes a share."""
    return round_half_up(Decimal(amount) * ratio)


def to_decimal(amount: Fen) -> Decimal:
    """Fen as a Decimal number of yuan with two places."""
    return (Decimal(amount) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_plain(amount: Fen) -> str:
    """``"1234.50"``: the spelling of amounts in JSON and CSV."""
    sign = "-" if amount < 0 else ""
    a = abs(amount)
    return f"{sign}{a // FEN_PER_YUAN}.{a % FEN_PER_YUAN:02d}"


def format_grouped(amount: Fen) -> str:
    """``"1,234.50"``: the spelling of amounts in PDFs and tables."""
    sign = "-" if amount < 0 else ""
    a = abs(amount)
    return f"{sign}{a // FEN_PER_YUAN:,}.{a % FEN_PER_YUAN:02d}"


# --- amounts in Chinese capitals (大写金额) ----------------------------------------

_DIGITS_ZH = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS_ZH = ("", "拾", "佰", "仟")
_SECTION_UNITS_ZH = ("", "万", "亿", "万亿")


def _capital_section(value: int) -> str:
    """A group of four digits (1-9999), with a 零 for each run of inner zeros."""
    out, zero = "", False
    for power in (3, 2, 1, 0):
        digit = value // 10 ** power % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS_ZH[digit] + _SMALL_UNITS_ZH[power]
    return out


def format_capital(amount: Fen) -> str:
    """The amount in Chinese capitals, as on a payment document: ``人民币壹万零伍元整``.

    The usual financial form (the People's Bank's rules for filling in
    payment documents): every ten is written with its digit (壹拾, never 拾);
    one 零 stands for each run of zeros inside the yuan, also across 万 and 亿
    (10,005.00 → 壹万零伍元整; 100,000,001.00 → 壹亿零壹元整); trailing zeros
    of the yuan are not written (5,000,000.00 → 伍佰万元整). 整 follows 元 when
    there are no 角 and 分, and follows 角 when there is no 分 (10.50 →
    壹拾元伍角整); nothing follows 分. With 角 = 0 and 分 ≠ 0 the 元 is
    followed by 零 (16,409.02 → 壹万陆仟肆佰零玖元零贰分). Below one yuan no 元
    is written (0.07 → 人民币柒分); 0.00 is 人民币零元整.

    Raises:
        ValueError: a negative amount, or one of 10^16 yuan or more.
    """
    if amount < 0:
        raise ValueError(f"no capitals for a negative amount ({format_grouped(amount)})")
    yuan, cents = divmod(amount, FEN_PER_YUAN)
    jiao, fen = divmod(cents, 10)
    sections: list[int] = []
    rest = yuan
    while rest:
        rest, section = divmod(rest, 10_000)
        sections.append(section)
    if len(sections) > len(_SECTION_UNITS_ZH):
        raise ValueError(f"{format_grouped(amount)} is too large to write in capitals")
    text, zero = "", False
    for index in range(len(sections) - 1, -1, -1):
        section = sections[index]
        if section == 0:
            zero = bool(text)
            continue
        if text and (zero or section < 1000):
            text += "零"
        text += _capital_section(section) + _SECTION_UNITS_ZH[index]
        zero = False
    if yuan:
        text += "元"
    if jiao:
        text += _DIGITS_ZH[jiao] + "角" + (_DIGITS_ZH[fen] + "分" if fen else "整")
    elif fen:
        text += ("零" if yuan else "") + _DIGITS_ZH[fen] + "分"
    else:
        text += "整" if yuan else "零元整"
    return "人民币" + text
