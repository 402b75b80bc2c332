"""Header detection and matching: which row is the header, which kind, which columns.

The header is the first row (within :data:`SEARCH_ROWS`) in which at least two
cells, and at least half of the non-empty cells, are known column names; rows
above it are title rows, skipped and mentioned. A header cell matches a
column by its English key (any case) or its Chinese name, after NFKC
normalisation (full-width to half-width) and removal of all spaces. A unit in
brackets, ``贷款金额(万元)`` / ``贷款金额（元）`` / ``principal (万元)``, scales
an amount column; ``年利率(%)`` says what a percent column holds anyway, and
is read as ``年利率``. The file's kind is the one most of the header's names belong
to. Columns it does not know (序号, 客户经理…, as bank exports have) are
ignored and named in a note, with a suggestion for a near miss
(``社会信用代码`` → ``统一社会信用代码?``); in strict mode they are a problem.
Duplicated and missing required columns (named once, all together) and
misplaced units are reported as problems at the header row, all at once; only
a file with no recognisable header at all is rejected outright.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from ..domain import money
from ..i18n import _, code_name, listing, ngettext
from .columns import Amount, CellParser, Date, Optional, Percent
from .readers import Cell, FileRejected, RawRow
from .schema import FIELDS, FILE_KIND_ZH, FieldSpec, FileKind, expected_columns, kind_label

SEARCH_ROWS = 50

_UNIT = re.compile(r"^(.+?)\(([^()]*)\)$")
_SPACES = re.compile(r"\s+")


def header_name(cell: Cell) -> tuple[str, str | None]:
    """``(name, unit)`` of a header cell: NFKC, no spaces, casefolded; unit or None."""
    if cell is None:
        return "", None
    text = _SPACES.sub("", unicodedata.normalize("NFKC", str(cell)))
    m = _UNIT.match(text)
    if m:
        return m.group(1).casefold(), m.group(2)
    return text.casefold(), None


def _index() -> dict[str, dict[FileKind, FieldSpec]]:
    index: dict[str, dict[FileKind, FieldSpec]] = {}
    for kind, fields in FIELDS.items():
        for f in fields:
            for name in (f.key.casefold(), header_name(f.zh)[0]):
                index.setdefault(name, {})[kind] = f
    return index


_NAMES = _index()


@dataclass(frozen=True)
class BoundColumn:
    """A column of this file: where it is, what it is, and its (unit-scaled) parser."""

    index: int  # 0-based position in the row
    field: FieldSpec
    header: str  # as written in the file
    parser: CellParser[Any]


@dataclass(frozen=True)
class HeaderProblem:
    """A header-level error: the header text it concerns and why."""

    column: str
    message: str


@dataclass(frozen=True)
class Header:
    """The header of a file as found: its row, kind, columns and problems."""

    kind: FileKind
    row: int
    title_rows: int  # non-empty rows above the header
    columns: tuple[BoundColumn, ...]
    missing: tuple[FieldSpec, ...]  # optional columns absent (take defaults)
    problems: tuple[HeaderProblem, ...]
    width: int  # number of cells in the header row, trailing empties excluded
    ignored: tuple[str, ...] = ()  # headers of columns not of this kind, as written

    @property
    def ignored_note(self) -> str | None:
        """``ignored 2 columns not in a loans file: '序号', '社会信用代码' (统一社会信用代码?)``."""
        if not self.ignored:
            return None
        shown = listing(_with_suggestion(text, self.kind) for text in self.ignored)
        n = len(self.ignored)
        return ngettext("ignored {count} column not in a {kind} file: {shown}",
                        "ignored {count} columns not in a {kind} file: {shown}", n).format(
                            count=n, kind=_kind_name(self.kind), shown=shown)

    def counting_serials_from(self, epoch: dt.date) -> Header:
        """This header with its date columns counting date serials from ``epoch``:
        the workbook's date system, which a header row cannot show."""
        return replace(self, columns=tuple(replace(b, parser=_with_epoch(b.parser, epoch))
                                           for b in self.columns))


def _not_after(parser: CellParser[Any], today: dt.date) -> CellParser[Any]:
    if isinstance(parser, Date):
        return replace(parser, latest=today)
    if isinstance(parser, Optional):
        return replace(parser, inner=_not_after(parser.inner, today))
    return parser


def _with_epoch(parser: CellParser[Any], epoch: dt.date) -> CellParser[Any]:
    if isinstance(parser, Date):
        return replace(parser, serial_epoch=epoch)
    if isinstance(parser, Optional):
        return replace(parser, inner=_with_epoch(parser.inner, epoch))
    return parser


def _suggestion(text: str, kind: FileKind) -> str | None:
    """The Chinese header of ``kind`` that ``text`` nearly is (``社会信用代码`` → 统一社会信用代码)."""
    name = header_name(text)[0]
    by_name = {header_name(f.zh)[0]: f.zh for f in FIELDS[kind]}
    by_name.update({f.key.casefold(): f.zh for f in FIELDS[kind]})
    close = difflib.get_close_matches(name, list(by_name), n=1, cutoff=0.6)
    return by_name[close[0]] if close else None


def _kind_name(kind: FileKind) -> str:
    """``贷款台账`` in a Chinese session, ``loans`` in an English one."""
    return code_name(FILE_KIND_ZH, kind)


def _with_suggestion(text: str, kind: FileKind) -> str:
    near = _suggestion(text, kind)
    return _("{text!r} (did you mean {header}?)").format(text=text, header=near) if near \
        else repr(text)


def _is_header(cells: list[Cell]) -> bool:
    """At least two known names, and they are at least a third of the row's cells
    (exports add columns of their own: 序号, 客户经理, 备注, 经办人…)."""
    names = [header_name(c)[0] for c in cells if c is not None and str(c).strip()]
    known = sum(1 for n in names if n in _NAMES)
    return known >= 2 and 3 * known >= len(names)


def find_header(rows: Iterable[RawRow], file_name: str, *, strict: bool = False,
                today: dt.date | None = None) -> tuple[Header, Iterator[RawRow]]:
    """Find the header among the first rows; return it and the rows after it.

    ``strict`` makes a column the kind does not know a problem, not a note;
    ``today`` is the latest date of something done (none: no such limit).

    Raises:
        FileRejected: no header within :data:`SEARCH_ROWS` rows, or the kind is ambiguous.
    """
    it = iter(rows)
    title_rows = 0
    for number, cells in it:
        if _is_header(cells):
            return bind_header(cells, number, title_rows, file_name, strict=strict,
                               today=today), it
        if any(c is not None and str(c).strip() for c in cells):
            title_rows += 1
        if number >= SEARCH_ROWS:
            break
    kinds = _("; ").join(_("{kind}: {columns}").format(kind=kind_label(k),
                                                        columns=expected_columns(k))
                         for k in FileKind)
    raise FileRejected(_("{file}: no header row found in the first {count} rows (expected the "
                         "columns of {kinds})").format(file=file_name, count=SEARCH_ROWS,
                                                       kinds=kinds))


def _choose_kind(names: list[str], file_name: str) -> FileKind:
    score = {k: 0 for k in FileKind}
    for n in names:
        for kind in _NAMES.get(n, {}):
            score[kind] += 1
    best = max(score.values())
    winners = [k for k, s in score.items() if s == best]
    if len(winners) > 1:
        told = _(" or ").join(_kind_name(k) for k in winners)
        raise FileRejected(_("{file}: cannot tell from its headers whether it is a {kinds} file; "
                             "add the columns of one kind (see `zkd template`)").format(
                                 file=file_name, kinds=told))
    return winners[0]


def bind_header(cells: list[Cell], row: int, title_rows: int, file_name: str, *,
                strict: bool = False, today: dt.date | None = None) -> Header:
    """Match a header row's cells to the columns of the kind they name.

    Columns the kind does not know are ignored (see :attr:`Header.ignored_note`),
    or, ``strict``, one problem naming them all.
    """
    parsed = [(i, str(c).strip(), *header_name(c)) for i, c in enumerate(cells)
              if c is not None and str(c).strip()]
    kind = _choose_kind([name for _, _, name, _ in parsed], file_name)
    problems: list[HeaderProblem] = []
    bound: dict[str, BoundColumn] = {}
    ignored: list[str] = []
    for index, text, name, unit in parsed:
        spec = _NAMES.get(name, {}).get(kind)
        if spec is None:
            ignored.append(text)
            continue
        if spec.key in bound:
            first = bound[spec.key].header
            problems.append(HeaderProblem(text, _("column {column} appears twice ({first!r} and "
                                                  "{second!r})").format(
                                                      column=spec.label(), first=first,
                                                      second=text)))
            continue
        try:
            parser = _scaled(spec, unit)
        except ValueError as exc:
            problems.append(HeaderProblem(text, str(exc)))
            continue
        if spec.done and today is not None:
            parser = _not_after(parser, today)
        bound[spec.key] = BoundColumn(index, spec, text, parser)
    missing_required = [f for f in FIELDS[kind] if f.required and f.key not in bound]
    # a column that nearly names a missing required one is told with that column,
    # once, not also as ignored or as refused by --strict
    wanted = {f.zh for f in missing_required}
    near = [(text, zh) for text in ignored if (zh := _suggestion(text, kind)) in wanted]
    ignored = [text for text in ignored if text not in {t for t, _zh in near}]
    if ignored and strict:
        shown = listing(_with_suggestion(text, kind) for text in ignored)
        problems.append(HeaderProblem(ignored[0], _("columns not in a {kind} file: {shown} "
                                                    "(--strict refuses them)").format(
                                                        kind=_kind_name(kind), shown=shown)))
        ignored = []  # refused, not ignored: no note says otherwise
    if missing_required:
        # one problem for them all, the expected columns named once
        labels = listing(f.label() for f in missing_required)
        hint = "".join(_(" (the file has {text!r}: did you mean {header}?)").format(
            text=text, header=zh) for text, zh in near)
        problems.append(HeaderProblem(labels, ngettext(
            "missing required column {labels}{hint}; expected columns: {expected}",
            "missing required columns {labels}{hint}; expected columns: {expected}",
            len(missing_required)).format(labels=labels, hint=hint,
                                          expected=expected_columns(kind))))
    missing_optional = tuple(f for f in FIELDS[kind] if not f.required and f.key not in bound)
    width = max((i for i, *_ in parsed), default=-1) + 1
    ordered = tuple(sorted(bound.values(), key=lambda b: b.index))
    return Header(kind, row, title_rows, ordered, missing_optional, tuple(problems), width,
                  tuple(ignored))


def _scaled(spec: FieldSpec, unit: str | None) -> CellParser[Any]:
    """The spec's parser, scaled by a header unit; a unit on a non-amount is an error.

    A percent column's cells are in percent whatever its header says, so a
    ``(%)`` unit there changes nothing (bank exports write ``年利率(%)``).
    """
    if unit is None or (unit == "%" and isinstance(spec.column, Percent)):
        return spec.column
    if not spec.is_amount:
        raise ValueError(_("column {column} is not an amount and takes no unit ({unit})").format(
            column=spec.label(), unit=unit))
    try:
        factor = money.unit_factor(unit)
    except money.AmountError as exc:
        raise ValueError(_("column {column}: {reason}").format(column=spec.label(),
                                                              reason=exc)) from None
    column = spec.column
    if isinstance(column, Optional):
        inner = column.inner
        assert isinstance(inner, Amount)
        return Optional(inner.with_unit(factor), column.default)
    assert isinstance(column, Amount)
    return column.with_unit(factor)
