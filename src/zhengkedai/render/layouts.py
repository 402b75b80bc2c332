"""Statement layouts: the fixed shape of each statement kind, read from TOML.

A layout (``templates/statements/<kind>.toml``, format in that folder's
README) names a statement's title, its page orientation and its sections, each
with column keys, Chinese labels and kinds. It holds no figures. The code that
computes a statement from the ledger supplies plain dicts keyed by the column
keys and turns them into the domain's :class:`~zhengkedai.domain.statement.Table`
or fields with :func:`table_from_layout` / :func:`fields_from_layout`, so the
layout, not the builder, decides labels and order.

Invariants: a layout's kind matches its file name; section keys are unique;
every row handed to :func:`table_from_layout` names only the layout's columns
(checked by :class:`~zhengkedai.domain.statement.Table`).
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from zhengkedai import resources
from zhengkedai.domain.statement import (
    ORIENTATIONS,
    STATEMENT_KINDS,
    CellValue,
    ColumnKind,
    Field,
    Orientation,
    Row,
    Section,
    StatementColumn,
    StatementDoc,
    StatementError,
    StatementKind,
    Table,
)

SectionType = Literal["table", "fields"]


@dataclass(frozen=True, slots=True)
class LayoutSection:
    """One section's shape: key, heading, table or key/value block, its columns."""

    key: str
    heading: str
    type: SectionType
    columns: tuple[StatementColumn, ...]
    totals: frozenset[str] = frozenset()  # field keys ruled as subtotals
    orientation: Orientation | None = None

    def column(self, key: str) -> StatementColumn:
        """The column named ``key``; raises :class:`KeyError` if there is none."""
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)


@dataclass(frozen=True, slots=True)
class Layout:
    """A statement kind's title, orientation and sections, in order."""

    kind: StatementKind
    title: str
    orientation: Orientation
    sections: tuple[LayoutSection, ...]

    def section(self, key: str) -> LayoutSection:
        """The section named ``key``; raises :class:`KeyError` if there is none."""
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)


def load_layout(kind: str, directory: Path | None = None) -> Layout:
    """Read and check the layout of statement ``kind`` (``reserve``, ``claims``…).

    Raises:
        StatementError: unknown kind, or a malformed layout file.
    """
    if kind not in STATEMENT_KINDS:
        raise StatementError(f"unknown statement kind {kind!r}; expected one of {STATEMENT_KINDS}")
    return _load(kind, (directory or resources.statement_layouts()).resolve())


@functools.cache
def _load(kind: str, directory: Path) -> Layout:
    path = directory / f"{kind}.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise StatementError(f"layout {path}: {exc}") from exc
    try:
        return _parse(kind, data)
    except (KeyError, TypeError, ValueError) as exc:
        raise StatementError(f"layout {path}: {exc}") from exc


def _parse(kind: str, data: dict[str, Any]) -> Layout:
    if data["kind"] != kind:
        raise ValueError(f"declares kind {data['kind']!r}")
    orientation = _orientation(data["orientation"])
    sections: list[LayoutSection] = []
    for raw in data["sections"]:
        columns = tuple(
            StatementColumn(c["key"], c["label"], cast(ColumnKind, c.get("kind", "text")), c.get("width", 0))
            for c in raw["columns"]
        )
        stype = raw.get("type", "table")
        if stype not in ("table", "fields"):
            raise ValueError(f"section {raw['key']}: type must be table or fields")
        if len({c.key for c in columns}) != len(columns):
            raise ValueError(f"section {raw['key']}: duplicate column keys")
        totals = frozenset(c["key"] for c in raw["columns"] if c.get("total"))
        sections.append(
            LayoutSection(
                raw["key"], raw["heading"], stype, columns, totals,
                _orientation(raw["orientation"]) if "orientation" in raw else None,
            )
        )
    if len({s.key for s in sections}) != len(sections):
        raise ValueError("duplicate section keys")
    return Layout(cast(StatementKind, kind), data["title"], orientation, tuple(sections))


def _orientation(value: object) -> Orientation:
    if value not in ORIENTATIONS:
        raise ValueError(f"orientation must be one of {ORIENTATIONS}, not {value!r}")
    return cast(Orientation, value)


def table_from_layout(
    section: LayoutSection,
    rows: Iterable[Mapping[str, CellValue] | Row],
    totals: Mapping[str, CellValue] | Iterable[Mapping[str, CellValue]] | None = None,
) -> Table:
    """A table with the layout's columns, the given rows, then the totals row(s), ruled.

    A row given as a :class:`Row` keeps its ``total`` flag: a subtotal among the rows.

    Raises:
        StatementError: a row names a key the layout lacks, or a value of the wrong kind.
    """
    body = [r if isinstance(r, Row) else Row(r) for r in rows]
    if totals is not None:
        extra = [totals] if isinstance(totals, Mapping) else list(totals)
        body.extend(Row(t, total=True) for t in extra)
    return Table(section.columns, tuple(body))


def fields_from_layout(section: LayoutSection, values: Mapping[str, CellValue]) -> tuple[Field, ...]:
    """The key/value lines of a ``fields`` section, in layout order; absent keys are blank.

    Raises:
        StatementError: ``values`` names a key the layout lacks, or a value of the wrong kind.
    """
    unknown = set(values) - {c.key for c in section.columns}
    if unknown:
        raise StatementError(f"section {section.key}: unknown field(s) {sorted(unknown)}")
    return tuple(
        Field(c.key, c.label, c.kind, values.get(c.key), total=c.key in section.totals)
        for c in section.columns
    )


def section_from_layout(
    section: LayoutSection,
    *,
    rows: Iterable[Mapping[str, CellValue] | Row] = (),
    totals: Mapping[str, CellValue] | Iterable[Mapping[str, CellValue]] | None = None,
    values: Mapping[str, CellValue] | None = None,
    paragraphs: Iterable[str] = (),
) -> Section:
    """A whole :class:`Section`: ``rows``/``totals`` for a table, ``values`` for fields."""
    if section.type == "fields":
        return Section(section.key, section.heading, fields=fields_from_layout(section, values or {}),
                       paragraphs=tuple(paragraphs), orientation=section.orientation)
    return Section(section.key, section.heading, table=table_from_layout(section, rows, totals),
                   paragraphs=tuple(paragraphs), orientation=section.orientation)


def doc_from_layout(
    layout: Layout,
    *,
    period: str,
    generated_at: dt.datetime,
    sections: Iterable[Section],
    draft: bool,
    subtitle: str | None = None,
    subject: str | None = None,
    footnotes: Iterable[str] = (),
) -> StatementDoc:
    """A :class:`StatementDoc` with the layout's kind, title and orientation."""
    return StatementDoc(
        kind=layout.kind, period=period, title=layout.title, generated_at=generated_at,
        sections=tuple(sections), draft=draft, subtitle=subtitle, subject=subject,
        orientation=layout.orientation, footnotes=tuple(footnotes),
    )
