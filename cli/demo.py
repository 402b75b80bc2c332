"""``zkd demo``: a full run on a fresh embedded database, for a first look."""

from __future__ import annotations

from pathlib import Path

import click

from zhengkedai.db.engine import shown_url
from zhengkedai.i18n import _
from zhengkedai.services import demo as demo_service

from .common import FOLDER_NOT_STDOUT, db_options, env, refuse_stdout


@click.command()
@click.option("-o", "--output", "out", type=click.Path(file_okay=False, path_type=Path),
              callback=refuse_stdout(FOLDER_NOT_STDOUT),
              default=Path("demo_out"), show_default=True,
              help="Folder for the demo database and its statements.")
@db_options
def demo(out: Path) -> None:
    """Run a year of sample_data/ through a fresh embedded database.

    Writes the database and the monthly statements under the output folder.
    The demo never touches the database of --db or ZKD_DATABASE_URL: it always
    starts a fresh one, OUTPUT/demo.db.

    Example: zkd demo -o demo_out
    """
    e = env()
    if e.db is not None:
        click.echo(_("Note: the demo uses a fresh database, {path}, not {db}").format(
            path=out / "demo.db", db=shown_url(e.db)), err=True)
    for line in demo_service.run(out, e.actor()):
        click.echo(line)


COMMANDS = [demo]
