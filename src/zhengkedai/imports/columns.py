"""CellParser parsers: small reusable objects turning one raw cell into one value.

Each parser has ``parse(cell) -> value`` and raises :class:`CellError` with a
plain-words reason, never anything else, for any cell a reader can yield (see
:data:`zhengkedai.imports.readers.Cell`). A parser never guesses: a value that
could be read two ways is an error. Amounts go through
:mod:`zhengkedai.domain.money` (fen, no floats); the common plain spellings
take a fast path that gives the same result as ``money.parse_yuan``.

A new bank's export is then a mapping from its headers to these objects, as in
beangulp's ``csvbase`` columns.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, Generic, TypeVar

from ..domain import money
from ..domain.chars import CharacterError, fold, value_error
from ..domain.money import AmountError, Fen
from ..domain.periods import PeriodError, parse_date_text
from ..i18n import N_, _, listing
from .readers import Cell
from .uscc import normalize_uscc, uscc_error

T = TypeVar("T")
E = TypeVar("E", bound=Enum)

_FAST_AMOUNT = re.compile(r"([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,15})(?:\.([0-9]{1,2}))?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INNER_SPACE = re.compile(r"\s")
_PERCENT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_YEAR = re.compile(r"([0-9]{4})\s*(?:年度?)?")


EMPTY = N_("required value is empty")


class CellError(ValueError):
    """A cell that does not hold a value of its column; ``str(exc)`` is the reason."""


def is_empty(cell: Cell) -> bool:
    """``None`` or text of spaces only (full-width spaces included)."""
    return cell is None or (isinstance(cell, str) and not cell.strip())


def is_blank(cells: list[Cell]) -> bool:
    """True when every cell of a row is empty (stops at the first that is not)."""
    for cell in cells:
        if cell is not None and (cell.__class__ is not str or not cell.isspace() and cell):
            return False
    return True


def _shown(cell: Cell) -> str:
    """A cell inside a message: text quoted (so a newline cannot split the line)."""
    return repr(cell) if isinstance(cell, str) else str(cell)


def _text(cell: Cell) -> str:
    """A cell as normalised text (NFKC, stripped); numbers without exponent.

    Control and invisible characters, digit forms other than ASCII and
    full-width, and spreadsheet error values are refused (:mod:`..domain.chars`).
    """
    if isinstance(cell, str):
        try:
            return fold(cell)
        except CharacterError as exc:
            raise CellError(str(exc)) from None
    if isinstance(cell, bool):
        raise CellError(_("a TRUE/FALSE cell where text was expected"))
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, Decimal):
        if cell.is_finite() and cell == cell.to_integral_value():
            return str(int(cell))
        return format(cell, "f")
    if isinstance(cell, dt.datetime | dt.date | dt.time | dt.timedelta):
        raise CellError(_("a date/time cell ({cell}) where text was expected").format(cell=cell))
    raise CellError(_("unreadable cell {cell!r}").format(cell=cell))  # pragma: no cover


EXCEL_DIGITS = 15
"""The significant digits Excel keeps of a number: a longer code in a number cell lost its tail."""

_SCIENTIFIC = re.compile(r"\s*[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+\s*")


def _excel_number(cell: Cell) -> bool:
    """A code cell that Excel held as a number: a number cell, ``9.14101E+17`` as text,
    or all digits ending in the zeros of a number rounded to 15 significant digits."""
    if isinstance(cell, bool):
        return False
    if isinstance(cell, int | Decimal):
        return True
    return isinstance(cell, str) and (_SCIENTIFIC.fullmatch(cell) is not None or (
        cell.strip().isdigit() and len(cell.strip()) >= 16 and cell.strip().endswith("000")))


class CellParser(Generic[T]):
    """Base of the parsers. ``describe`` is the rule shown in templates."""

    describe: str = ""

    def parse(self, cell: Cell) -> T:  # pragma: no cover - abstract
        raise NotImplementedError



@dataclass(frozen=True)
class Text(CellParser[str]):
    """Non-empty text, stripped; ``normalize`` also folds full-width forms (for codes)."""

    normalize: bool = False
    max_length: int = 200
    describe: str = "non-empty text"

    def parse(self, cell: Cell) -> str:
        if cell is None or (cell.__class__ is str and (not cell or cell.isspace())):
            raise CellError(_(EMPTY))
        if isinstance(cell, str):
            s = _text(cell) if self.normalize else cell.strip()
            if not self.normalize and (s[:1] == "#" or not (s.isascii() and s.isprintable())):
                # kept as written (names, notes), but never with hidden characters
                why = value_error(s, digits=False, line_breaks=True)
                if why is not None:
                    raise CellError(why)
        else:
            s = _text(cell)
        if len(s) > self.max_length:
            raise CellError(_("longer than {limit} characters").format(limit=self.max_length))
        return s


@dataclass(frozen=True)
class Code(CellParser[str]):
    """An identifier (loan number, institution code, reference): no inner spaces."""

    max_length: int = 64
    describe: str = "code without spaces"

    def parse(self, cell: Cell) -> str:
        if (cell.__class__ is str and cell.isascii() and cell.isprintable()
                and " " not in cell and 0 < len(cell) <= self.max_length and cell[0] != "#"):
            # the common case: printable ASCII without a space has no whitespace at all
            return cell
        if cell is None or (cell.__class__ is str and (not cell or cell.isspace())):
            raise CellError(_(EMPTY))
        s = _text(cell)
        if isinstance(cell, int | Decimal) and not isinstance(cell, bool) \
                and len(s.lstrip("-").replace(".", "")) > EXCEL_DIGITS:
            # 2025000100020003001 typed into a number cell is stored as 2025000100020000000
            raise CellError(_("the cell is a number ({value}), which Excel keeps to 15 digits, so "
                              "this may not be the code typed: format the column as text and "
                              "export again").format(value=s))
        if _INNER_SPACE.search(s):
            raise CellError(_("a code may not contain spaces"))
        if len(s) > self.max_length:
            raise CellError(_("longer than {limit} characters").format(limit=self.max_length))
        return s


@dataclass(frozen=True)
class CreditCode(CellParser[str]):
    """A unified social credit code whose check characters verify (GB 32100-2015)."""

    describe: str = "18-character unified social credit code (check character verified)"

    def parse(self, cell: Cell) -> str:
        if cell is None or (cell.__class__ is str and (not cell or cell.isspace())):
            raise CellError(_(EMPTY))
        code = normalize_uscc(_text(cell))
        reason = uscc_error(code)
        if reason is not None:
            if _excel_number(cell):
                reason = _("{reason}; the cell is a number ({value}), which Excel rounds to 15 "
                           "digits: format the column as text and export again").format(
                               reason=reason, value=_shown(cell))
            raise CellError(reason)
        return code


@dataclass(frozen=True)
class Amount(CellParser[Fen]):
    """An amount in yuan (or ``unit`` yuan, from the header) as int fen.

    ``minimum`` is ``"nonnegative"`` (≥ 0) or ``"positive"`` (> 0). ``below`` (an ``N_``
    message) says what is allowed when an amount is under the minimum, where the
    column's own rule is narrower than ``minimum`` (an event's amount: > 0, but an
    overdue level may be 0).
    """

    minimum: str = "nonnegative"
    unit: Decimal = money.YUAN
    describe: str = ""
    below: str = ""

    _in_yuan: bool = field(init=False, repr=False, compare=False, default=True)

    def __post_init__(self) -> None:
        if self.minimum not in ("nonnegative", "positive"):
            raise ValueError(f"minimum must be 'nonnegative' or 'positive', not {self.minimum!r}")
        object.__setattr__(self, "_in_yuan", self.unit == 1)
        if not self.describe:
            rule = "> 0" if self.minimum == "positive" else "≥ 0"
            object.__setattr__(self, "describe", f"amount in yuan {rule}, e.g. 1,234.50")

    def with_unit(self, unit: Decimal) -> Amount:
        """The same column read in ``unit`` yuan (e.g. 10000 for a 万元 header)."""
        return replace(self, unit=unit)

    def parse(self, cell: Cell) -> Fen:
        if cell is None or (cell.__class__ is str and (not cell or cell.isspace())):
            raise CellError(_(EMPTY))
        fen = self._fen(cell)
        if fen > money.MAX_FEN:  # the fast path does not go through money's own check
            raise CellError(_(money.TOO_LARGE).format(
                amount=cell))
        if fen < 0 or (fen == 0 and self.minimum == "positive"):
            raise CellError(_(self.below) if self.below
                            else _("must be greater than 0") if self.minimum == "positive"
                            else _("must be 0 or more"))
        return fen

    def _fen(self, cell: Cell) -> Fen:
        if isinstance(cell, str):
            m = _FAST_AMOUNT.fullmatch(cell)
            if m is not None and self._in_yuan:
                whole, cents = m.groups()
                return int(whole.replace(",", "")) * 100 + (int(cents.ljust(2, "0")) if cents else 0)
            try:
                return money.parse_yuan(cell, unit=self.unit)
            except AmountError as exc:
                raise CellError(str(exc)) from None
        if isinstance(cell, bool):
            raise CellError(_("a TRUE/FALSE cell is not an amount"))
        if isinstance(cell, int | Decimal):
            number = Decimal(cell)
            if not number.is_finite():
                raise CellError(_("{cell} is not a number").format(cell=cell))
            try:
                return money.decimal_to_fen(number * self.unit, str(cell))
            except AmountError as exc:
                raise CellError(str(exc)) from None
        raise CellError(_("a {type} cell is not an amount").format(type=type(cell).__name__))


@dataclass(frozen=True)
class Percent(CellParser[Decimal]):
    """A percentage as a Decimal number of percent: ``3.85`` and ``3.85%`` are 3.85."""

    low: Decimal = Decimal(0)
    high: Decimal = Decimal(100)
    max_places: int = 6
    describe: str = "percent, 3.85 or 3.85%"

    def parse(self, cell: Cell) -> Decimal:
        if cell is None or (cell.__class__ is str and (not cell or cell.isspace())):
            raise CellError(_(EMPTY))
        if isinstance(cell, bool):
            raise CellError(_("a TRUE/FALSE cell is not a percentage"))
        if isinstance(cell, int | Decimal):
            value = Decimal(cell)
        elif isinstance(cell, str):
            s = _text(cell).replace(" ", "")
            if s.endswith("%"):
                s = s[:-1]
            if not _PERCENT.fullmatch(s):
                raise CellError(_("{cell!r} is not a percentage like 3.85 or 3.85%").format(cell=cell.strip()))
            value = Decimal(s)
        else:
            raise CellError(_("a {type} cell is not a percentage").format(type=type(cell).__name__))
        if not value.is_finite():
            raise CellError(_("{cell} is not a number").format(cell=cell))
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.max_places:
            raise CellError(_("more than {places} decimals").format(places=self.max_places))
        if not self.low <= value <= self.high:
            raise CellError(_("{value}% is outside {low}%-{high}%").format(value=value, low=self.low, high=self.high))
        return value


EXCEL_1900 = dt.date(1899, 12, 30)  # serial 60 is Excel's phantom 1900-02-29
EXCEL_1904 = dt.date(1904, 1, 1)  # older Mac Excel's date system: serial 0


@dataclass(frozen=True)
class Date(CellParser[dt.date]):
    """``2025-06-01``, ``2025/6/1``, ``2025年6月1日``, a date cell or an Excel serial number.

    Serials are accepted from number cells only (XLSX), never from text, and
    count from ``serial_epoch``: the workbook's date system (1900, or 1904).
    """

    describe: str = "date, 2025-06-01, 2025/6/1 or 2025年6月1日"
    serial_epoch: dt.date = EXCEL_1900
    # the date of something done (a disbursement, an event, a filing) is not
    # after today (SPEC 11); a maturity date is of course in the future
    latest: dt.date | None = None

    def parse(self, cell: Cell) -> dt.date:
        day = self._parse(cell)
        if self.latest is not None and day > self.latest:
            raise CellError(_("{day} is after today ({today}); a date of something done cannot be "
                              "in the future").format(day=day.isoformat(),
                                                      today=self.latest.isoformat()))
        return day

    def _parse(self, cell: Cell) -> dt.date:
        if cell is None or (cell.__class__ is str and (not cell or cell.isspace())):
            raise CellError(_(EMPTY))
        if isinstance(cell, dt.datetime):
            return cell.date()
        if isinstance(cell, dt.date):
            return cell
        if isinstance(cell, str):
            return self._from_text(cell)
        if isinstance(cell, bool):
            raise CellError(_("a TRUE/FALSE cell is not a date"))
        if isinstance(cell, int | Decimal):
            return _from_serial(cell, self.serial_epoch)
        raise CellError(_("a {type} cell ({cell}) is not a date").format(type=type(cell).__name__, cell=cell))

    @staticmethod
    def _from_text(cell: str) -> dt.date:
        if len(cell) == 10 and _ISO_DATE.fullmatch(cell):
            try:
                return dt.date.fromisoformat(cell)
            except ValueError:
                raise CellError(_("{cell!r} is not a calendar date").format(cell=cell)) from None
        try:
            return parse_date_text(cell)
        except PeriodError as exc:
            raise CellError(str(exc)) from None


def _from_serial(cell: int | Decimal, epoch: dt.date) -> dt.date:
    number = Decimal(cell)
    if not number.is_finite() or number != number.to_integral_value():
        raise CellError(_("{cell} is not a whole-day date serial").format(cell=cell))
    serial = int(number)
    # from 1900-03-01 in the 1900 system (before it, the phantom day shifts them)
    low = 61 if epoch == EXCEL_1900 else 0
    if not low <= serial <= (dt.date.max - epoch).days:
        raise CellError(_("{serial} is not a date serial in range").format(serial=serial))
    return epoch + dt.timedelta(days=serial)


@dataclass(frozen=True)
class Year(CellParser[int]):
    """A four-digit year, ``2025`` or ``2025年`` / ``2025年度``."""

    low: int = 1990
    high: int = 2100
    describe: str = "year, e.g. 2025"

    def parse(self, cell: Cell) -> int:
        if cell is None or (cell.__class__ is str and (not cell or cell.isspace())):
            raise CellError(_(EMPTY))
        if isinstance(cell, bool):
            raise CellError(_("a TRUE/FALSE cell is not a year"))
        s = _text(cell) if not isinstance(cell, dt.date | dt.time | dt.timedelta) else ""
        m = _YEAR.fullmatch(s)
        if m is None:
            raise CellError(_("{cell} is not a year like 2025").format(cell=_shown(cell)))
        year = int(m.group(1))
        if not self.low <= year <= self.high:
            raise CellError(_("{year} is outside {low}-{high}").format(year=year, low=self.low, high=self.high))
        return year


_YES = ("是", "y", "yes", "true", "1", "t", "√")
_NO = ("否", "n", "no", "false", "0", "f", "×")


@dataclass(frozen=True)
class YesNo(CellParser[bool]):
    """是/否, Y/N, yes/no, true/false, 1/0 (any case), or a TRUE/FALSE cell."""

    describe: str = "是/否, Y/N, true/false, 1/0"

    def parse(self, cell: Cell) -> bool:
        if cell is None or (cell.__class__ is str and (not cell or cell.isspace())):
            raise CellError(_(EMPTY))
        if isinstance(cell, bool):
            return cell
        if not isinstance(cell, str | int | Decimal):
            raise CellError(_("{cell} is not yes/no (是/否)").format(cell=_shown(cell)))
        s = _text(cell).casefold()
        if s in _YES:
            return True
        if s in _NO:
            return False
        raise CellError(_("{cell!r} is not yes/no: use 是/否, Y/N, true/false or 1/0").format(cell=s))


@dataclass(frozen=True)
class Choice(CellParser[E]):
    """One of an enum's values, by English value or Chinese name (any case)."""

    enum: type[E]
    names_zh: Mapping[E, str]
    describe: str = ""
    _lookup: dict[str, E] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup: dict[str, E] = {}
        for member in self.enum:
            lookup[str(member.value).casefold()] = member
            lookup[self.names_zh[member]] = member
        object.__setattr__(self, "_lookup", lookup)
        if not self.describe:
            choices = ", ".join(f"{self.names_zh[m]} {m.value}" for m in self.enum)
            object.__setattr__(self, "describe", f"one of {choices}")

    def choices(self) -> str:
        """The values a clerk may type, in the reader's language when it is shown:
        ``信用（credit）、知识产权质押（ip_pledge）…`` or ``信用 credit, 知识产权质押 ip_pledge, …``."""
        return listing(_("{name} {code}").format(name=self.names_zh[m], code=m.value)
                       for m in self.enum)

    def parse(self, cell: Cell) -> E:
        if cell is None or (cell.__class__ is str and (not cell or cell.isspace())):
            raise CellError(_(EMPTY))
        s = _text(cell)
        member = self._lookup.get(s) or self._lookup.get(s.casefold())
        if member is None:
            raise CellError(_("{cell!r} is not one of {choices}").format(
                cell=s, choices=self.choices()))
        return member


@dataclass(frozen=True)
class Optional(CellParser[Any]):
    """``inner`` when the cell has a value, else ``default`` (also when the column is absent)."""

    inner: CellParser[Any]
    default: Any = None
    describe: str = ""

    def __post_init__(self) -> None:
        if not self.describe:
            if self.default is None:
                shown = "empty"
            elif isinstance(self.default, bool):
                shown = "是" if self.default else "否"
            else:
                shown = str(self.default)
            object.__setattr__(self, "describe", f"{self.inner.describe}; optional ({shown})")

    def parse(self, cell: Cell) -> Any:
        if is_empty(cell):
            return self.default
        return self.inner.parse(cell)


@dataclass(frozen=True)
class Mapped(CellParser[T]):
    """Any function ``str -> T`` raising ValueError, as a column (for one-off formats)."""

    function: Callable[[str], T]
    describe: str = ""

    def parse(self, cell: Cell) -> T:
        if cell is None or (cell.__class__ is str and (not cell or cell.isspace())):
            raise CellError(_(EMPTY))
        try:
            return self.function(_text(cell))
        except CellError:
            raise
        except (ValueError, InvalidOperation) as exc:
            raise CellError(str(exc)) from None
