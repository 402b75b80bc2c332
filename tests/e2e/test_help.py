"""Every command explains itself, starting with an example."""

import click
import pytest
from click.testing import CliRunner

from zhengkedai_cli.main import main


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    for name, cmd in sorted(group.commands.items()):
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, prefix + (name,))


@pytest.mark.parametrize("path, cmd", list(_commands(main)), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_has_help_with_an_example(path, cmd) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, [*path, "--help"])  # puts this language's help on cmd
    assert cmd.help and "Example:" in cmd.help, f"zkd {' '.join(path)} has no example in its help"
    assert result.exit_code == 0
    assert "Example:" in result.output
