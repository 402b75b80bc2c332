"""Programme settings: ``zkd settings set KEY VALUE`` and ``zkd settings show``."""

from __future__ import annotations

import click

from zhengkedai.context import local_time
from zhengkedai.i18n import _
from zhengkedai.services import settings as settings_service

from .common import Column, db_options, emit, env, format_option


@click.group("settings")
def settings_group() -> None:
    """Programme settings, such as the issuing body named on statements and notices.

    Example: zkd settings set issuer 郑州市科技局
    """


@settings_group.command("set")
@click.argument("key", type=click.Choice(list(settings_service.KEYS)))
@click.argument("value")
@db_options
def settings_set(key: str, value: str) -> None:
    """Set KEY to VALUE (issuer: the body printed on every statement and notice).

    Example: zkd settings set issuer 郑州市科学技术局
    """
    e = env()
    with e.uow() as uow:
        row = settings_service.set_value(uow, e.actor(), key, value)
        uow.commit()
    click.echo(_("Set {key} to {value}.").format(key=row.key, value=row.value))


@settings_group.command("show")
@format_option("table", "json", "csv")
@db_options
def settings_show(fmt: str) -> None:
    """Every setting, its value, who set it and when.

    Example: zkd settings show
    """
    e = env()
    with e.uow() as uow:
        rows = [{"key": key, "value": value, "set_by": row.set_by if row else None,
                 "set_at": local_time(row.set_at).isoformat(timespec="seconds") if row else None,
                 "meaning": _(settings_service.KEYS[key])}
                for key, value, row in settings_service.all_settings(uow)]
    emit(rows, [Column("key", "setting"), Column("value", "value"), Column("set_by", "set by"),
                Column("set_at", "set at"), Column("meaning", "meaning")], fmt)


COMMANDS = [settings_group]
