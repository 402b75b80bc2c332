"""The ``zkd`` group: global options, subject modules, and the one place errors become exits."""

from __future__ import annotations

import inspect
import os
import re
import sys
from typing import Any

import click

from zhengkedai.domain.errors import ZkdError
from zhengkedai.i18n import _, click_gettext, install_click

from .common import Env, db_options

_NUMBER = re.compile(r"-[0-9][0-9,.]*")

install_click()


def _help_text(text: str) -> str:
    translated = _(text)
    return translated if translated != text else click_gettext(text)


def translate_help(command: click.Command) -> None:
    """Put the current language's help on ``command``, its options and its subcommands.

    The English texts (docstrings, ``help=``) are kept as message ids on first
    use, so a later run in another language translates from them again.
    """
    if not hasattr(command, "_zkd_help_id"):
        command._zkd_help_id = inspect.cleandoc(command.help) if command.help else None  # type: ignore[attr-defined]
    msgid = command._zkd_help_id  # type: ignore[attr-defined]
    command.help = _help_text(msgid) if msgid else msgid
    for param in command.params:
        if isinstance(param, click.Option):
            if not hasattr(param, "_zkd_help_id"):
                param._zkd_help_id = param.help  # type: ignore[attr-defined]
            param.help = _help_text(param._zkd_help_id) if param._zkd_help_id else None  # type: ignore[attr-defined]
    if getattr(command, "_help_option", None) is not None:
        command._help_option = None  # click keeps --help's option, help text and all; make it anew
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            translate_help(sub)


def _usage_message(exc: click.UsageError) -> str:
    """click's message for a usage error, but a missing option or argument in our words:
    click ends its names with an English full stop of its own, outside its catalogue."""
    if not isinstance(exc, click.MissingParameter) or exc.param is None or exc.message \
            or exc.param_hint is not None:
        return exc.format_message()
    names = exc.param.get_error_hint(exc.ctx)
    missing = (_("Missing option {names}") if isinstance(exc.param, click.Option)
               else _("Missing argument {names}")).format(names=names)
    choices = exc.param.type.get_missing_message(param=exc.param, ctx=exc.ctx)
    return _("{missing}. {choices}").format(missing=missing, choices=choices) if choices \
        else _("{missing}.").format(missing=missing)


class ZkdGroup(click.Group):
    """Turns every refusal into one ``Error: …`` line on stderr and a non-zero exit."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        translate_help(self)
        try:
            rv = super().main(*args, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo(_("Error: aborted; nothing was written"), err=True)
            sys.exit(1)
        except click.UsageError as exc:
            hint = _(" (see '{command} --help')").format(
                command=exc.ctx.command_path) if exc.ctx else ""
            if isinstance(exc, click.NoSuchOption) and _NUMBER.fullmatch(exc.option_name):
                # `zkd reserve deposit -5 …`: click reads -5 as an option
                click.echo(_("Error: {amount} is negative; amounts are positive "
                             "(a booking made by mistake is undone with `zkd reverse`)"
                             ).format(amount=exc.option_name), err=True)
                sys.exit(exc.exit_code)
            click.echo(_("Error: {message}").format(message=_usage_message(exc) + hint),
                       err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(_("Error: {message}").format(message=exc.format_message()), err=True)
            sys.exit(exc.exit_code)
        if isinstance(rv, int) and rv:
            sys.exit(rv)
        sys.exit(0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ZkdError as exc:
            click.echo(_("Error: {message}").format(message=exc), err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo(_("Error: interrupted; nothing was written"), err=True)
            sys.exit(130)
        except BrokenPipeError:
            # the reader of our output went away (`zkd claims list | head`): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except Exception as exc:  # the last guard: one line, never a traceback
            if os.environ.get("ZKD_DEBUG"):
                raise
            first = str(exc).splitlines()[0] if str(exc) else ""
            click.echo(_("Error: internal error ({kind}: {detail}); "
                         "nothing was written. Set ZKD_DEBUG=1 for details."
                         ).format(kind=type(exc).__name__, detail=first), err=True)
            sys.exit(3)


@click.group(cls=ZkdGroup, context_settings={"help_option_names": ["-h", "--help"]})
@db_options
@click.version_option(package_name="zhengkedai")
@click.pass_context
def main(ctx: click.Context) -> None:
    """zhengkedai — the ledger of Zhengzhou's science-tech loan risk-compensation
    programme (郑科贷).

    Example: zkd init && zkd institution add ZZB --name 郑州银行 --kind bank
    """
    ctx.ensure_object(Env)


def _register() -> None:
    from . import (
        basics,
        budget,
        claims,
        close,
        demo,
        files,
        journal,
        loans,
        policy,
        reserve,
        settings,
        signing,
        statement,
        subsidies,
        users,
    )

    for module in (basics, reserve, budget, journal, files, loans, claims, subsidies, policy,
                   close, statement, users, demo, settings, signing):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
