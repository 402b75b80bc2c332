"""What every command shares: the database and operator options, errors, output formats."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from zhengkedai.context import OPERATOR_MAX, Actor, default_operator
from zhengkedai.db.engine import make_engine, resolve_url, shown_url, sqlite_path
from zhengkedai.db.models import EntryRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.ledger import Entry
from zhengkedai.domain.money import AmountError, format_grouped, format_plain, parse_yuan
from zhengkedai.domain.periods import parse_date_text
from zhengkedai.render.csvfile import csv_text

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Env:
    db: str | None = None
    operator: str | None = None

    @property
    def url(self) -> str:
        return resolve_url(self.db)

    @property
    def shown_url(self) -> str:
        """The URL as printed: never with its password."""
        return shown_url(self.url)

    def ledger_file(self) -> Path | None:
        """The SQLite file of the ledger, which no output may overwrite (None on PostgreSQL)."""
        return sqlite_path(self.url)

    def engine(self, *, create: bool = False) -> Engine:
        """The database's engine; only ``zkd init`` (``create``) may bring a SQLite file into being."""
        return make_engine(self.db, create=create)

    def actor(self) -> Actor:
        name = (self.operator or "").strip() or default_operator()
        if len(name) > OPERATOR_MAX:
            raise ZkdError(f"operator name of {len(name)} characters; at most {OPERATOR_MAX}")
        return Actor(operator=name)

    @contextmanager
    def uow(self) -> Iterator[UnitOfWork]:
        engine = self.engine()
        try:
            with UnitOfWork(engine) as uow:
                yield uow
        except (OperationalError, ProgrammingError) as exc:
            text = str(exc.orig) if getattr(exc, "orig", None) else str(exc)
            if "no such table" in text or "does not exist" in text:
                raise ZkdError(
                    f"the database at {self.shown_url} is not set up; run `zkd init` first") from None
            raise ZkdError(f"database error: {text.splitlines()[0]}") from None
        finally:
            engine.dispose()


def _set_db(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(Env).db = value
    return value


def _set_operator(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(Env).operator = value
    return value


def db_options(f: F) -> F:
    """``--db`` and ``--operator`` on every command (they work before the command too)."""
    f = click.option("--operator", metavar="NAME", expose_value=False, callback=_set_operator,
                     help="Who is acting (else ZKD_OPERATOR, else the OS user).")(f)
    f = click.option("--db", metavar="URL", expose_value=False, callback=_set_db,
                     help="Database URL (else ZKD_DATABASE_URL, else sqlite:///zhengkedai.db).")(f)
    return f


def env() -> Env:
    return click.get_current_context().ensure_object(Env)


def format_option(*choices: str, default: str = "table") -> Callable[[F], F]:
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=default,
                        show_default=True, help="Output format.")


class AmountType(click.ParamType):
    name = "AMOUNT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_yuan(str(value))
        except AmountError as exc:
            self.fail(str(exc), param, ctx)


class DateType(click.ParamType):
    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:  # the same rule as a date cell in a bank's file (SPEC 2)
            return parse_date_text(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class RecordIdType(click.ParamType):
    """A claim or subsidy number as people write it: ``12``, ``#12`` or ``C12`` / ``S12``."""

    name = "ID"

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().lstrip("#")
        if text[:1].upper() == self.prefix:
            text = text[1:]
        if not text.isdigit() or not text.isascii():
            self.fail(f"{value!r} is not a number like 12, #12 or {self.prefix}12", param, ctx)
        return int(text)


AMOUNT = AmountType()
DATE = DateType()
CLAIM_ID = RecordIdType("C")
SUBSIDY_ID = RecordIdType("S")


# --- postings -----------------------------------------------------------------

def book(done: str, post: Callable[[UnitOfWork, Actor], Entry]) -> None:
    """Run one posting in its own transaction and say what it did.

    A voucher (``--ref``) booked before is not booked again: the service gives
    back the earlier entry, and the line says so rather than claim a new one.
    """
    e = env()
    with e.uow() as uow:
        last = uow.s.execute(select(func.max(EntryRow.seq))).scalar() or 0
        seq = post(uow, e.actor()).seq
        uow.commit()
    if seq > last:
        click.echo(f"{done} (journal entry #{seq}).")
    else:
        click.echo(f"Already booked as journal entry #{seq}; nothing changed "
                   f"({done[0].lower()}{done[1:]}).")


# --- output ----------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text | amount | date | int | percent | bool


def _cell(value: Any, kind: str, machine: bool) -> Any:
    if value is None:
        return None if machine else ""
    if kind == "bool":
        return bool(value) if machine else ("yes" if value else "")
    if kind == "amount":
        return format_plain(value) if machine else format_grouped(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if machine and kind == "int":
        return value
    return str(value)


def emit(rows: Sequence[dict[str, Any]], columns: Sequence[Column], fmt: str,
         *, extra: dict[str, Any] | None = None) -> None:
    """Print rows as an aligned table, JSON (amounts as two-decimal strings) or CSV."""
    if fmt == "json":
        doc: Any = [{c.key: _cell(r.get(c.key), c.kind, True) for c in columns} for r in rows]
        if extra is not None:
            doc = {**extra, "rows": doc}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        # through the one CSV writer: a loan number such as =HYPERLINK(…) from a
        # bank's file must not run as a formula in the spreadsheet that opens this
        lines = [[c.key for c in columns],
                 *([_cell(r.get(c.key), c.kind, True) for c in columns] for r in rows)]
        click.echo(csv_text(lines, lineterminator="\n"), nl=False)
        return
    click.echo(table_text(rows, columns))


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table_text(rows: Sequence[dict[str, Any]], columns: Sequence[Column]) -> str:
    cells = [[_cell(r.get(c.key), c.kind, False) for c in columns] for r in rows]
    heads = [c.label for c in columns]
    widths = [max([_width(h)] + [_width(row[i]) for row in cells]) for i, h in enumerate(heads)]

    def fit(text: str, i: int) -> str:
        pad = " " * (widths[i] - _width(text))
        right = columns[i].kind in ("amount", "int", "percent")
        return pad + text if right else text + pad

    lines = ["  ".join(fit(h, i) for i, h in enumerate(heads)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(fit(v, i) for i, v in enumerate(row)).rstrip() for row in cells]
    if not rows:
        lines.append("(none)")
    return "\n".join(lines)


def kv_table(pairs: Sequence[tuple[str, str]]) -> str:
    width = max((_width(k) for k, _ in pairs), default=0)
    return "\n".join(k + " " * (width - _width(k)) + "  " + v for k, v in pairs)


def fail(message: str, code: int = 1) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)
