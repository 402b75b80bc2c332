"""``zkd demo``: a full run on a fresh embedded database, for a first look."""

from __future__ import annotations

from pathlib import Path

import click

from zhengkedai.services import demo as demo_service

from .common import env


@click.command()
@click.option("-o", "--output", "out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("demo_out"), show_default=True,
              help="Folder for the demo database and its statements.")
def demo(out: Path) -> None:
    """Run a year of sample_data/ through a fresh embedded database.

    Writes the database and the monthly statements under the output folder.

    Example: zkd demo -o demo_out
    """
    for line in demo_service.run(out, env().actor()):
        click.echo(line)


COMMANDS = [demo]
