"""Progress on a terminal for long work: the bytes of a file read, documents of a
statement run, the checks of a verify.

A :class:`TerminalProgress` draws click's progress bar on standard error when
standard error is a terminal, and does nothing at all otherwise (a pipe, a log
file, a test's CliRunner), so output read by programs never carries it.
Services report through plain callbacks and know nothing of terminals:
``add(n)`` for work counted as it goes (rows read, total unknown or estimated),
``at(done, total)`` for work whose size the service knows.
"""

from __future__ import annotations

import itertools
import sys
from types import TracebackType
from typing import Any

import click


def on_terminal() -> bool:
    return sys.stderr.isatty()


class TerminalProgress:
    """A bar labelled ``label`` on stderr, opened at the first report; ``length`` may be
    an estimate (the bar stops at its end) or None (a count without a bar's end)."""

    def __init__(self, label: str, length: int | None = None) -> None:
        self.label = label
        self.length = length
        self.enabled = on_terminal()
        self._bar: Any = None

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """End the bar's line, so what is printed next starts on its own (idempotent)."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None

    def _open(self, length: int | None) -> Any:
        if self._bar is None:
            if length:
                self._bar = click.progressbar(length=length, label=self.label, file=sys.stderr)
            else:  # size unknown: the count so far
                self._bar = click.progressbar(itertools.count(), label=self.label,
                                              file=sys.stderr, show_pos=True)
            self._bar.__enter__()
        return self._bar

    def add(self, n: int) -> None:
        """``n`` more units done."""
        if self.enabled:
            bar = self._open(self.length)
            if bar.length is not None:
                n = max(0, min(n, bar.length - bar.pos))  # an estimate may fall short
            bar.update(n)

    def at(self, done: int, total: int) -> None:
        """``done`` of ``total`` units done."""
        if self.enabled:
            bar = self._open(total)
            bar.update(done - bar.pos)
