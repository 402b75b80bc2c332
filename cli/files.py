"""Files from banks and staff: ``zkd submit FILE`` and ``zkd template KIND``."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from zhengkedai.context import local_time
from zhengkedai.domain.errors import ZkdError
from zhengkedai.domain.loans import EventType
from zhengkedai.domain.money import format_grouped
from zhengkedai.i18n import N_, _, ngettext
from zhengkedai.imports.readers import metered
from zhengkedai.imports.rowerrors import RowError, is_errors_csv, write_errors_csv
from zhengkedai.imports.schema import FILE_KIND_ZH, FileKind, kind_label
from zhengkedai.imports.templates import is_blank_template, template_csv, write_template
from zhengkedai.outputs import OutputRefused, check_output_file
from zhengkedai.services.files import importing

from .common import db_options, env, is_stdout, refuse_stdout, write_stdout
from .progress import TerminalProgress


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--institution", metavar="CODE",
              help="The filing bank or guarantor (required for loans and events files).")
@click.option("--sheet", metavar="NAME", help="XLSX: the sheet to read (default: the first).")
@click.option("--dry-run", is_flag=True, help="Check the file and say what would be written.")
@click.option("--strict", is_flag=True,
              help="Refuse columns the file's kind does not know (by default they are "
                   "ignored and named in a note).")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path),
              callback=refuse_stdout(N_("the errors CSV is a file to keep beside the bank's "
                                        "file; the errors themselves are printed on standard "
                                        "error")),
              help="Also write every error to this CSV (UTF-8 with BOM, opens in Excel).")
@db_options
def submit(file: Path, institution: str | None, sheet: str | None, dry_run: bool,
           strict: bool, errors_path: Path | None) -> None:
    """Import a loans (贷款台账), events (贷后事件) or subsidies (补助申请) file.

    The file is CSV (UTF-8, UTF-8 with BOM or GB18030) or XLSX; its kind is
    told by its headers. It is imported whole or not at all: one bad row
    rejects the file and every error is listed. The same file again changes
    nothing.

    Example: zkd submit 2025-06_loans.xlsx --institution ZZB
    """
    if errors_path is not None:
        # before reading a file of any length: never the ledger, never a file
        # that is not an errors CSV of ours (see zhengkedai.outputs)
        _check(lambda: check_output_file(errors_path, _("the errors CSV"),
                                         ledger=env().ledger_file(), replaceable=is_errors_csv))
    try:
        result = _submit(file, institution, sheet, dry_run, strict, errors_path)
    except (importing.FileHasErrors, _Unwritable):
        raise
    except ZkdError as exc:
        # refused as a whole (unreadable, no header, no --institution): the
        # errors CSV gives the reason, not an older run's errors
        if errors_path is not None:
            _save_errors(errors_path, [RowError(file.name, 0, "", "", str(exc))], exc)
        raise
    _report(result)


def _submit(file: Path, institution: str | None, sheet: str | None, dry_run: bool,
            strict: bool, errors_path: Path | None) -> importing.SubmitResult:
    e = env()
    with e.uow() as uow:
        with _Reading(file) as reading:
            try:
                result = importing.submit(uow, e.actor(), file,
                                          institution=e.own_institution(institution),
                                          sheet=sheet, dry_run=dry_run, strict=strict,
                                          progress=reading.rows)
            except importing.FileRefused as exc:
                reading.done(exc.notes)
                raise
            except importing.FileHasErrors as exc:
                reading.done(exc.notes)
                # with --errors the file holds them all: the terminal shows the first few
                shown = exc.errors if errors_path is None else exc.errors[:SHOWN_ERRORS]
                for error in shown:
                    click.echo(str(error), err=True)
                if errors_path is not None:
                    _save_errors(errors_path, exc.errors, exc)
                    if len(exc.errors) > len(shown):
                        click.echo(_("… and {count} more error(s) in {path}").format(
                            count=len(exc.errors) - len(shown), path=errors_path), err=True)
                    click.echo(_("{count} error(s) written to {path}").format(
                        count=len(exc.errors), path=errors_path), err=True)
                raise
            reading.done(result.notes)
        if errors_path is not None:
            # no errors, and no older run's list left behind; written before the
            # commit, so a file is not accepted while its errors CSV says otherwise
            _write(errors_path, _("the errors CSV"), write_errors_csv, [], errors_path)
        if result.accepted and not dry_run:
            uow.commit()
    return result


class _Reading:
    """How far the file has been read: on a terminal a bar, by the bytes of the file read
    (never a first pass to count its rows); otherwise, once read, one line on stderr with
    the rows read and rows a second, so standard output stays the command's own. A file
    already accepted is known by its SHA-256 before a row is read: no line then."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.bar = TerminalProgress(_("Reading {name}").format(name=file.name))
        self.count = 0
        self.started = 0.0
        self._metered = metered()
        self._told = False

    def __enter__(self) -> _Reading:
        self.meter = self._metered.__enter__()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()
        self._metered.__exit__(None, None, None)

    def rows(self, n: int) -> None:
        """``n`` more rows read (told by the import as it goes)."""
        self.count += n
        if self.bar.enabled:
            done, total = self.meter.read
            if total:
                self.bar.at(done, total)

    def done(self, notes: list[str]) -> None:
        """The file is read: end the bar, say how it was read (``notes``), then, off a
        terminal, how fast (once)."""
        if self._told:
            return
        self._told = True
        self.bar.close()
        _notes(self.file, notes)
        if self.bar.enabled or not self.count:
            return
        click.echo(speed_line(self.count, time.perf_counter() - self.started), err=True)


def speed_line(rows: int, seconds: float) -> str:  # float-ok: elapsed time, not money
    """``read 300,000 rows in 8.2 s (36,585 rows a second)``, in the reader's language."""
    if seconds <= 0:  # a clock that does not move (a test's frozen one)
        return ngettext("read {rows} row", "read {rows} rows", rows).format(rows=f"{rows:,}")
    return ngettext("read {rows} row in {seconds} s ({rate} rows a second)",
                    "read {rows} rows in {seconds} s ({rate} rows a second)", rows).format(
        rows=f"{rows:,}", seconds=f"{seconds:.1f}", rate=f"{rows / seconds:,.0f}")


SHOWN_ERRORS = 20  # errors printed when --errors PATH holds them all


class _Unwritable(ZkdError):
    """A file the command was asked to write cannot be written."""


def _write(path: Path, what: str, write: Callable[..., object], *args: Any) -> None:
    """``write(*args)``, which writes ``path``; a failure is one line naming it and why."""
    try:
        write(*args)
    except OutputRefused as exc:
        raise _Unwritable(str(exc)) from None
    except OSError as exc:
        raise _Unwritable(_("cannot write {what} {path}: {reason}").format(
            what=what, path=path, reason=exc.strerror or exc)) from None


def _check(check: Callable[[], None]) -> None:
    try:
        check()
    except OutputRefused as exc:
        raise _Unwritable(str(exc)) from None


def _save_errors(path: Path, errors: list[RowError], refusal: ZkdError) -> None:
    """Write ``errors`` to ``path``; if that fails, ``refusal``, saying so too, is raised."""
    try:
        _write(path, _("the errors CSV"), write_errors_csv, errors, path)
    except _Unwritable as unwritten:
        refusal.args = (f"{refusal}; {unwritten}",)
        raise refusal from None


def _rows(n: int) -> str:
    return ngettext("{n} row", "{n} rows", n).format(n=n)


def _notes(file: Path, notes: list[str]) -> None:
    """How the file was read (encoding or sheet, title rows skipped), on stderr."""
    for note in notes:
        click.echo(f"{file.name}: {note}", err=True)


_TOTAL_NAMES = {"principal": N_("principal (贷款金额)"), "basis": N_("basis (计算基数)"),
                EventType.REPAYMENT.value: N_("repayment (还款)"),
                EventType.OVERDUE.value: N_("overdue (逾期)"),
                EventType.LOSS.value: N_("loss (损失确认)"),
                EventType.RECOVERY.value: N_("recovery (追偿回收)")}


def _receipt(result: importing.SubmitResult) -> None:
    """The figures a clerk reconciles with the bank's own sheet: totals and the file's SHA-256."""
    for key, (rows, fen) in result.totals.items():
        name = _(_TOTAL_NAMES[key]) if key in _TOTAL_NAMES else key
        click.echo("  " + _("{what} total {amount} in {rows}").format(
            what=name, amount=format_grouped(fen), rows=_rows(rows)))
    click.echo(f"  SHA-256 {result.sha256}")


def _report(result: importing.SubmitResult) -> None:
    if result.duplicate_of is not None:
        d = result.duplicate_of
        click.echo(_("{name}: the same file was already accepted at {at} (UTC+8) by "
                     "{operator} (file #{id}, {rows} rows); nothing changed.").format(
            name=result.path.name, at=f"{local_time(d.accepted_at):%Y-%m-%d %H:%M}",
            operator=d.operator, id=d.id, rows=d.row_count))
        return
    kind = result.kind or FileKind.LOANS
    what = kind_label(kind)
    if result.dry_run:
        click.echo(_("{name}: {what}, {rows}, all valid; dry run: nothing was written."
                     ).format(name=result.path.name, what=what, rows=_rows(result.rows)))
        _receipt(result)
        for _claim, amount in result.claims:
            click.echo("  " + _("would open a claim: computed {amount}").format(
                amount=format_grouped(amount)))
        for _subsidy, amount in result.subsidies:
            click.echo("  " + _("would file a subsidy: computed {amount}").format(
                amount=format_grouped(amount)))
        return
    click.echo(_("Accepted {what} file {name}: {rows} (file #{id}).").format(
        what=what, name=result.path.name, rows=_rows(result.rows), id=result.file_id))
    _receipt(result)
    for claim_id, amount in result.claims:
        click.echo("  " + _("opened claim C{id}: computed {amount}").format(
            id=claim_id, amount=format_grouped(amount)))
    for sub_id, amount in result.subsidies:
        click.echo("  " + _("filed subsidy S{id}: computed {amount}").format(
            id=sub_id, amount=format_grouped(amount)))


@click.command()
@click.argument("kind", type=click.Choice([k.value for k in FileKind]))
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write (default: KIND.csv, or KIND.xlsx with --xlsx); - for "
                   "standard output (CSV only).")
@click.option("--xlsx", is_flag=True, help="Write an XLSX workbook instead of CSV.")
@db_options
def template(kind: str, out: Path | None, xlsx: bool) -> None:
    """Write an empty file with the headers a bank clerk fills in.

    CSV templates are UTF-8 with BOM (Excel and WPS open them); XLSX templates
    have a second sheet explaining each column.

    Example: zkd template loans --xlsx -o 贷款台账.xlsx
    """
    if is_stdout(out):
        if xlsx:
            raise click.BadParameter(_("an XLSX workbook cannot go to standard output; name a "
                                       "file (-o {kind}.xlsx)").format(kind=kind),
                                     param_hint="'-o' / '--output'")
        write_stdout([template_csv(kind)])
        return
    path = out or Path(f"{kind}.{'xlsx' if xlsx else 'csv'}")
    # an unfilled template zkd wrote is replaced; anything else (a filled one too) is kept
    _check(lambda: check_output_file(path, _("the template"), ledger=env().ledger_file(),
                                     replaceable=is_blank_template))
    _write(path, _("the template"), write_template, kind, path, xlsx)
    click.echo(_("Wrote the {kind_zh} ({kind}) template to {path}.").format(
        kind_zh=FILE_KIND_ZH[FileKind(kind)], kind=kind, path=path))


COMMANDS = [submit, template]
