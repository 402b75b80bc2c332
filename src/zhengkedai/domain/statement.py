"""Statements as data: the frozen figures of one monthly statement, before any rendering.

A :class:`StatementDoc` is what the auditor reads, already computed: its title,
period, sections of typed values, footnotes and signature lines. It is built
from the ledger elsewhere (``services``) and rendered by ``zhengkedai.render``
to PDF, CSV and JSON. Because every renderer reads the same typed values and
spells them with the same functions, the three files carry the same figures.

Invariants, checked on construction (a broken one raises :class:`StatementError`):

- the period is ``YYYY-MM`` and the kind is one of :data:`STATEMENT_KINDS`;
- a cell's value matches its column's kind: ``amount`` and ``int`` are ``int``
  (amounts in fen, never float), ``percent`` is a :class:`~decimal.Decimal` of
  percentage points (``Decimal("4.25")`` is 4.25 %), ``date`` a
  :class:`~datetime.date`, ``text`` a ``str``; any cell may be ``None`` (blank);
- a row only names keys of its table's columns; section keys are unique;
- the footnotes always include :data:`~zhengkedai.domain.money.ROUNDING_RULE_ZH`
  (added first when the builder left it out).

Nothing here rounds: a percent is shown with the places it was given (at least
two), so the builder rounds once, by its rule, and every format shows that.
``generated_at`` is passed in; for a closed month it must be a fixed instant
(e.g. the close) so that the statement is the same bytes each time.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Literal, get_args

from .money import ROUNDING_RULE_ZH

PROGRAMME_NAME = "郑科贷 科技贷款风险补偿资金"

StatementKind = Literal["reserve", "institution", "claims", "subsidies", "trial_balance"]
STATEMENT_KINDS: tuple[StatementKind, ...] = get_args(StatementKind)

ColumnKind = Literal["text", "amount", "percent", "date", "int"]
COLUMN_KINDS: tuple[ColumnKind, ...] = get_args(ColumnKind)

Alignment = Literal["left", "right", "center"]
Orientation = Literal["portrait", "landscape"]
ORIENTATIONS: tuple[Orientation, ...] = get_args(Orientation)

SIGNATURE_ROLES: tuple[str, ...] = ("编制", "复核", "审核")

CellValue = str | int | Decimal | dt.date | None

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


class StatementError(ValueError):
    """A statement that breaks its own invariants: a bug in the code that built it."""


def check_value(kind: ColumnKind, value: object, where: str) -> None:
    """Raise :class:`StatementError` unless ``value`` is a valid value of ``kind``."""
    if value is None:
        return
    if kind in ("amount", "int"):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "percent":
        ok = isinstance(value, Decimal) and value.is_finite()
    elif kind == "date":
        ok = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    else:
        ok = isinstance(value, str)
    if not ok:
        raise StatementError(f"{where}: {value!r} is not a valid {kind} value")


@dataclass(frozen=True, slots=True)
class StatementColumn:
    """A table column: its key (in CSV/JSON), Chinese label (in the PDF) and kind.

    ``width`` is a relative share of the table's width in the PDF (0 = even share).
    """

    key: str
    label: str
    kind: ColumnKind = "text"
    width: int = 0

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise StatementError(f"column key {self.key!r} must be snake_case ASCII")
        if self.kind not in COLUMN_KINDS:
            raise StatementError(f"column {self.key}: unknown kind {self.kind!r}")
        if self.width < 0:
            raise StatementError(f"column {self.key}: negative width")

    @property
    def align(self) -> Alignment:
        """Figures are right-aligned so that their places line up; dates centred; text left."""
        if self.kind in ("amount", "percent", "int"):
            return "right"
        return "center" if self.kind == "date" else "left"


@dataclass(frozen=True, slots=True)
class Row:
    """One table row: values keyed by column key; ``total`` rows are ruled in the PDF."""

    values: Mapping[str, CellValue]
    total: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))

    def get(self, key: str) -> CellValue:
        """The value of column ``key``, or ``None`` (a blank cell)."""
        return self.values.get(key)


@dataclass(frozen=True, slots=True)
class Table:
    """Columns and typed rows; totals rows usually last."""

    columns: tuple[StatementColumn, ...]
    rows: tuple[Row, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "rows", tuple(self.rows))
        if not self.columns:
            raise StatementError("a table needs at least one column")
        kinds = {c.key: c.kind for c in self.columns}
        if len(kinds) != len(self.columns):
            raise StatementError("duplicate column keys")
        for n, row in enumerate(self.rows, start=1):
            for key, value in row.values.items():
                if key not in kinds:
                    raise StatementError(f"row {n}: {key!r} is not a column of this table")
                check_value(kinds[key], value, f"row {n}, column {key}")


@dataclass(frozen=True, slots=True)
class Field:
    """One line of a key/value block: e.g. 期末余额 = 12,345.00; ``total`` lines are ruled."""

    key: str
    label: str
    kind: ColumnKind
    value: CellValue
    total: bool = False

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise StatementError(f"field key {self.key!r} must be snake_case ASCII")
        check_value(self.kind, self.value, f"field {self.key}")

    @property
    def align(self) -> Alignment:
        return StatementColumn(self.key, self.label, self.kind).align


@dataclass(frozen=True, slots=True)
class Section:
    """A heading with a key/value block or a table (or neither), then free paragraphs.

    ``paragraphs`` carry prose such as a claim's trace or the hash-chain head;
    ``orientation`` overrides the document's for this section (it then starts a page).
    """

    key: str
    heading: str
    table: Table | None = None
    fields: tuple[Field, ...] = ()
    paragraphs: tuple[str, ...] = ()
    orientation: Orientation | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple(self.fields))
        object.__setattr__(self, "paragraphs", tuple(self.paragraphs))
        if not _KEY.match(self.key):
            raise StatementError(f"section key {self.key!r} must be snake_case ASCII")
        if self.table is not None and self.fields:
            raise StatementError(f"section {self.key}: either a table or fields, not both")
        if len({f.key for f in self.fields}) != len(self.fields):
            raise StatementError(f"section {self.key}: duplicate field keys")
        if self.orientation is not None and self.orientation not in ORIENTATIONS:
            raise StatementError(f"section {self.key}: unknown orientation {self.orientation!r}")


@dataclass(frozen=True, slots=True)
class StatementDoc:
    """One statement of one period, ready to render. See the module docstring."""

    kind: StatementKind
    period: str
    title: str
    generated_at: dt.datetime
    sections: tuple[Section, ...]
    draft: bool = False
    subtitle: str | None = None
    subject: str | None = None  # what it is about (an institution code), for file names
    programme: str = PROGRAMME_NAME
    orientation: Orientation = "portrait"
    footnotes: tuple[str, ...] = ()
    signatures: tuple[str, ...] = SIGNATURE_ROLES
    # the issuing body (``zkd settings set issuer``), printed on every page; None on
    # statements kept before it was recorded, which render as they did then
    issuer: str | None = None
    # files that go with the statement in its pack (``2025-06_ZZB_loans.csv``), by name
    attachments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "sections", tuple(self.sections))
        object.__setattr__(self, "signatures", tuple(self.signatures))
        object.__setattr__(self, "attachments", tuple(self.attachments))
        notes = tuple(self.footnotes)
        if ROUNDING_RULE_ZH not in notes:
            notes = (ROUNDING_RULE_ZH, *notes)
        object.__setattr__(self, "footnotes", notes)
        if self.kind not in STATEMENT_KINDS:
            raise StatementError(f"unknown statement kind {self.kind!r}")
        if not _PERIOD.match(self.period):
            raise StatementError(f"period {self.period!r} is not YYYY-MM")
        if self.orientation not in ORIENTATIONS:
            raise StatementError(f"unknown orientation {self.orientation!r}")
        if not isinstance(self.generated_at, dt.datetime):
            raise StatementError("generated_at must be a datetime")
        if len({s.key for s in self.sections}) != len(self.sections):
            raise StatementError("duplicate section keys")

    def section(self, key: str) -> Section:
        """The section with ``key``; raises :class:`KeyError` if there is none."""
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    @property
    def file_stem(self) -> str:
        """``2025-06_institution_ICBC``: a stable base name for this statement's files."""
        return file_stem(self.period, self.kind, self.subject)


def file_stem(period: str, kind: str, subject: str | None) -> str:
    """The base name of a statement's files, from its month, kind and subject."""
    return "_".join([period, kind] + ([subject] if subject else []))


def rows(values: Iterable[Mapping[str, CellValue]], *, total: bool = False) -> tuple[Row, ...]:
    """Wrap plain dicts as rows (all totals rows when ``total``)."""
    return tuple(Row(v, total=total) for v in values)
