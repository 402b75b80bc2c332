"""The ``zkd`` group: global options, subject modules, and the one place errors become exits."""

from __future__ import annotations

import os
import re
import sys
from typing import Any

import click

from zhengkedai.domain.errors import ZkdError

from .common import Env, db_options

_NUMBER = re.compile(r"-[0-9][0-9,.]*")


class ZkdGroup(click.Group):
    """Turns every refusal into one ``Error: …`` line on stderr and a non-zero exit."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            rv = super().main(*args, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("Error: aborted; nothing was written", err=True)
            sys.exit(1)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            if isinstance(exc, click.NoSuchOption) and _NUMBER.fullmatch(exc.option_name):
                # `zkd reserve deposit -5 …`: click reads -5 as an option
                click.echo(f"Error: {exc.option_name} is negative; amounts are positive "
                           "(a booking made by mistake is undone with `zkd reverse`)", err=True)
                sys.exit(exc.exit_code)
            click.echo(f"Error: {exc.format_message()}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        if isinstance(rv, int) and rv:
            sys.exit(rv)
        sys.exit(0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ZkdError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("Error: interrupted; nothing was written", err=True)
            sys.exit(130)
        except BrokenPipeError:
            # the reader of our output went away (`zkd claims list | head`): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except Exception as exc:  # the last guard: one line, never a traceback
            if os.environ.get("ZKD_DEBUG"):
                raise
            first = str(exc).splitlines()[0] if str(exc) else ""
            click.echo(f"Error: internal error ({type(exc).__name__}: {first}); "
                       "nothing was written. Set ZKD_DEBUG=1 for details.", err=True)
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
        statement,
        subsidies,
    )

    for module in (basics, reserve, budget, journal, files, loans, claims, subsidies, policy,
                   close, statement, demo):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
