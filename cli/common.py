"""What every command shares: the database and operator options, errors, output formats."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from zhengkedai.context import OPERATOR_MAX, Actor, default_operator, local_time, utc_now
from zhengkedai.db import access, refusals
from zhengkedai.db.access import Identity
from zhengkedai.db.engine import is_sqlite, make_engine, resolve_url, shown_url, sqlite_path
from zhengkedai.db.models import EntryRow
from zhengkedai.db.uow import UnitOfWork
from zhengkedai.domain import roles
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.ledger import Entry
from zhengkedai.domain.loans import event_words
from zhengkedai.domain.money import AmountError, format_grouped, format_plain, parse_yuan
from zhengkedai.domain.periods import parse_date_text
from zhengkedai.domain.workflow import status_words
from zhengkedai.i18n import N_, _
from zhengkedai.render.csvfile import csv_text
from zhengkedai.services.loans.views import loan_status_words

F = TypeVar("F", bound=Callable[..., Any])


def trace_amount(text: str | None) -> str:
    """A stored trace amount (``"1234.50"``) as shown: ``1,234.50``; none, empty."""
    return "" if text is None else format_grouped(parse_yuan(text))

# Stored words the CLI shows in the reader's language, as ``_(value)`` where shown. A
# claim's or subsidy's status is not among them: it is shown in the statements' words
# (``workflow.status_words``); "withdrawn" here is a loan's or an event's.
VOCABULARY = (
    N_("withdrawn"),
    N_("active"), N_("suspended"),
    N_("bank"), N_("guarantor"), N_("insurer"), N_("investor"),
    N_("credit"), N_("ip_pledge"), N_("collateral"), N_("guaranteed"), N_("insured"),
)


@dataclass
class Env:
    db: str | None = None
    operator: str | None = None
    identity: Identity | None = None  # who is connected (PostgreSQL), once known

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
        """The database's engine; only ``zkd init`` (``create``) may bring a SQLite file into being.

        On PostgreSQL the first engine also says who is connected and checks
        that they may run this command (SPEC 10).
        """
        engine = make_engine(self.db, create=create)
        if self.identity is None and not is_sqlite(engine):
            try:
                self.identity = self._authorise(engine)
            except BaseException:
                engine.dispose()
                raise
        return engine

    def _authorise(self, engine: Engine) -> Identity:
        try:
            with engine.connect() as conn:
                identity = access.whoami(conn)
        except (OperationalError, ProgrammingError) as exc:
            text = str(exc.orig) if getattr(exc, "orig", None) else str(exc)
            raise ZkdError(_("database error: {detail}").format(
                detail=text.strip().splitlines()[0])) from None
        if (self.operator or "").strip() or (os.environ.get("ZKD_OPERATOR") or "").strip():
            raise ZkdError(_("--operator and ZKD_OPERATOR are refused on PostgreSQL: the operator "
                             "is the database login, here {login}").format(login=identity.login))
        ctx = click.get_current_context(silent=True)
        if not identity.owner and ctx is not None:
            command = command_words(ctx)
            if identity.person is None:
                raise roles.AccessDenied(
                    _("login {login} is not a person recorded in this ledger (an administrator "
                      "records people with zkd user add)").format(login=identity.login))
            roles.check_command(identity.person, command, ctx.params.get("institution"))
        return identity

    def actor(self) -> Actor:
        if self.identity is None and not self.url.startswith("sqlite"):
            self.engine().dispose()
        if self.identity is not None:  # PostgreSQL: the login, never what was typed
            return Actor(operator=self.identity.login,
                         separate_duties=self.identity.person is not None)
        name = (self.operator or "").strip() or default_operator()
        if len(name) > OPERATOR_MAX:
            raise ZkdError(_("operator name of {length} characters; at most {limit}").format(
                length=len(name), limit=OPERATOR_MAX))
        return Actor(operator=name)

    def own_institution(self, institution: str | None) -> str | None:
        """``--institution`` as given, else a bank login's own institution."""
        if institution is None and self.identity is not None and self.identity.person:
            if self.identity.person.role is roles.Role.BANK:
                return self.identity.person.institution
        return institution

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
                    _("the database at {url} is not set up; run `zkd init` first").format(
                        url=self.shown_url)) from None
            # PostgreSQL's own guard (a trigger, a grant, row-level security) in the
            # reader's words; the server's English stays in its log
            raise ZkdError(refusals.explain(text) or _("database error: {detail}").format(
                detail=text.splitlines()[0])) from None
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
                     help="Who is acting, on SQLite (else ZKD_OPERATOR, else the OS user); "
                          "on PostgreSQL it is the database login and this is refused.")(f)
    f = click.option("--db", metavar="URL", expose_value=False, callback=_set_db,
                     help="Database URL (else ZKD_DATABASE_URL, else sqlite:///zhengkedai.db).")(f)
    return f


def command_words(ctx: click.Context) -> str:
    """The command as the rights table names it: ``claims approve`` (no ``zkd``)."""
    words = []
    while ctx.parent is not None:
        words.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(words))


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
    """A date as people write it; with ``done``, the date of something done, never after today."""

    name = "DATE"

    def __init__(self, *, done: bool = False) -> None:
        self.done = done

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> dt.date:
        if isinstance(value, dt.date):
            day = value
        else:
            try:  # the same rule as a date cell in a bank's file (SPEC 2)
                day = parse_date_text(str(value))
            except ValueError as exc:
                self.fail(str(exc), param, ctx)
        if self.done:
            # a booking, an approval, a payment, a reversal records something done:
            # it cannot have happened after today (Zhengzhou's date, SPEC 11)
            today = local_time(utc_now()).date()
            if day > today:
                self.fail(_("{day} is after today ({today}, Zhengzhou time); the date of "
                            "something done cannot be in the future").format(day=day, today=today),
                          param, ctx)
        return day


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
            self.fail(_("{value!r} is not a number like 12, #12 or {prefix}12").format(
                value=value, prefix=self.prefix), param, ctx)
        return int(text)


AMOUNT = AmountType()
DATE = DateType()
DONE_DATE = DateType(done=True)  # bookings, approvals, payments, reversals
CLAIM_ID = RecordIdType("C")
SUBSIDY_ID = RecordIdType("S")


# --- postings -----------------------------------------------------------------

def book(done: str, post: Callable[[UnitOfWork, Actor], Entry]) -> None:
    """Run one posting in its own transaction and say what it did.

    A voucher (``--ref``) booked before is not booked again: the service gives
    back the earlier entry, and the line says so rather than claim a new one.
    """
    entry, new = posted(post)
    if new:
        click.echo(_("{done} (journal entry #{seq}).").format(done=done, seq=entry.seq))
    else:
        say_booked_before(entry.seq, done)


T = TypeVar("T")


def posted(post: Callable[[UnitOfWork, Actor], T]) -> tuple[T, bool]:
    """``post``'s result in its own committed transaction, and whether it booked a new
    entry (a voucher booked before gives back the earlier entry and books nothing)."""
    e = env()
    with e.uow() as uow:
        last = uow.s.execute(select(func.max(EntryRow.seq))).scalar() or 0
        result = post(uow, e.actor())
        new = (uow.s.execute(select(func.max(EntryRow.seq))).scalar() or 0) > last
        uow.commit()
    return result, new


def say_booked_before(seq: int, done: str) -> None:
    click.echo(_("Already booked as journal entry #{seq}; nothing changed "
                 "({done}).").format(seq=seq, done=f"{done[0].lower()}{done[1:]}"))


# --- output ----------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text | amount | date | int | percent | bool | code | status | event
    #                     | loan_status


# Coded values (a status, a loan type, an institution's kind, an event) are kept in
# English in JSON and CSV, for tools; a table shows them in the reader's language.
# These are the ones no other message names already.
CODE_WORDS = (N_("settled"), N_("filed"), N_("repayment"), N_("recovery"),
              N_("guarantee_fee"), N_("financing"), N_("investment_risk"))


def _cell(value: Any, kind: str, machine: bool) -> Any:
    if value is None:
        return None if machine else ""
    if kind == "code":
        return str(value) if machine else _(str(value))
    if kind == "status":  # a claim's or subsidy's: the statements' word
        return str(value) if machine else status_words(str(value))
    # an event's type and a loan's status have their own words: "loss" and "overdue"
    # as messages are the amounts' headings (损失金额, 逾期本金)
    if kind == "event":
        return str(value) if machine else event_words(str(value))
    if kind == "loan_status":
        return str(value) if machine else loan_status_words(str(value))
    if kind == "bool":
        return bool(value) if machine else (_("yes") if value else "")
    if kind == "amount":
        return format_plain(value) if machine else format_grouped(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if machine and kind == "int":
        return value
    return str(value)


def emit(rows: Iterable[dict[str, Any]], columns: Sequence[Column], fmt: str,
         *, extra: dict[str, Any] | None = None) -> None:
    """Print rows as an aligned table, JSON (amounts as two-decimal strings) or CSV.

    JSON (without ``extra``) and CSV are written a thousand rows at a time as ``rows``
    gives them, so a long listing is never held whole; a table needs every row first.
    """
    if fmt == "json":
        docs = ({c.key: _cell(r.get(c.key), c.kind, True) for c in columns} for r in rows)
        if extra is not None:
            click.echo(json.dumps({**extra, "rows": list(docs)}, ensure_ascii=False, indent=2))
            return
        for part in _batched(json_array_parts(docs)):
            click.echo("".join(part), nl=False)
        click.echo()
        return
    if fmt == "csv":
        # through the one CSV writer: a loan number such as =HYPERLINK(…) from a
        # bank's file must not run as a formula in the spreadsheet that opens this
        lines = itertools.chain([[c.key for c in columns]],
                                ([_cell(r.get(c.key), c.kind, True) for c in columns]
                                 for r in rows))
        for part in _batched(lines):
            click.echo(csv_text(part, lineterminator="\n"), nl=False)
        return
    click.echo(table_text(list(rows), columns))


def json_array_parts(items: Iterable[Any]) -> Iterator[str]:
    """``json.dumps(list(items), ensure_ascii=False, indent=2)`` in pieces, an item at a time."""
    first = True
    for item in items:
        # nested lines one level in (a newline in a JSON string is written \n, never raw)
        text = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        yield ("[\n  " if first else ",\n  ") + text
        first = False
    yield "[]" if first else "\n]"


def _batched(items: Iterable[Any], size: int = 1000) -> Iterator[list[Any]]:
    it = iter(items)
    while part := list(itertools.islice(it, size)):
        yield part


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table_text(rows: Sequence[dict[str, Any]], columns: Sequence[Column]) -> str:
    cells = [[_cell(r.get(c.key), c.kind, False) for c in columns] for r in rows]
    heads = [_(c.label) for c in columns]
    widths = [max([_width(h)] + [_width(row[i]) for row in cells]) for i, h in enumerate(heads)]

    def fit(text: str, i: int) -> str:
        pad = " " * (widths[i] - _width(text))
        right = columns[i].kind in ("amount", "int", "percent")
        return pad + text if right else text + pad

    lines = ["  ".join(fit(h, i) for i, h in enumerate(heads)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(fit(v, i) for i, v in enumerate(row)).rstrip() for row in cells]
    if not rows:
        lines.append(_("(none)"))
    return "\n".join(lines)


def kv_table(pairs: Sequence[tuple[str, str]]) -> str:
    width = max((_width(k) for k, _ in pairs), default=0)
    return "\n".join(k + " " * (width - _width(k)) + "  " + v for k, v in pairs)


# --- output paths -------------------------------------------------------------

STDOUT = "-"  # an output path of "-" is standard output, as for most command-line tools


def is_stdout(path: Path | None) -> bool:
    """Whether the output path the user gave is ``-``, standard output."""
    return path is not None and str(path) == STDOUT


def write_stdout(chunks: Iterable[str | bytes]) -> None:
    """What a file would hold, byte for byte (text as UTF-8), written to standard output."""
    for chunk in chunks:  # click.echo writes bytes to the binary stream as they are
        click.echo(chunk.encode("utf-8") if isinstance(chunk, str) else chunk, nl=False)


def refuse_stdout(why: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A callback for an output option whose content cannot go to standard output: ``-`` is
    refused, before anything is read or written, saying ``why`` (an ``N_()`` message)."""
    def check(_ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if is_stdout(value):
            raise click.BadParameter(_(why))
        return value
    return check


FOLDER_NOT_STDOUT = N_("'-' (standard output) cannot hold a folder of files; name a folder")


def fail(message: str, code: int = 1) -> None:
    click.echo(_("Error: {message}").format(message=message), err=True)
    sys.exit(code)
