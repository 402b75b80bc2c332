"""Reading a large file in a second process while this one writes what it read.

Importing a file is two kinds of work that take about as long as each other:
reading and validating its cells (Python, in this process) and writing the
valid rows (the database's work, mostly in its driver). On a machine with more
than one core, :func:`ahead` runs the reading in a forked child process that
hands over each batch as soon as it is ready, so the two overlap and a large
file is filed in a little more than the time of the slower half.

Nothing else changes: the child runs the very generator the parent would have
run (same validator, same batches, same errors, in the same order), and only
reads the file. The database connection stays in the parent, which alone
writes, inside its one transaction. An exception in the child (an unreadable
row, say) is raised in the parent as if the generator had raised it there; if
the child dies without a word, the parent raises :class:`ReaderDied`, and the
import is rolled back like any other failure.

Used only where it pays: on Linux (``fork``, so nothing has to be pickled to
start the child), with two or more CPUs, for files of at least
:data:`MIN_BYTES`. Smaller files are read in-process; forking would cost more
than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

MIN_BYTES = 2 << 20  # about 12,000 loan rows of CSV
PIPE_BYTES = 1 << 20  # the most Linux allows a pipe by default; about ten loans batches

_ITEM, _END, _FAILED = 0, 1, 2


class ReaderDied(RuntimeError):
    """The child process reading the file ended without finishing or saying why."""


def worth_it(path: Path) -> bool:
    """Whether reading ``path`` in a child process would make its import faster."""
    if not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2:
        return False
    try:
        return path.stat().st_size >= MIN_BYTES
    except OSError:
        return False


def ahead(produce: Callable[[], Iterator[T]]) -> Iterator[T]:
    """The items of ``produce()``, computed in a child process while the caller uses them.

    The child is at most one item ahead (a pipe holds the next one), so memory
    stays flat. Closing the returned generator early stops the child.
    """
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    import fcntl  # Linux only, like the rest of this path (see worth_it)

    try:  # room for a few batches in the pipe, so the two sides rarely wait for each other
        fcntl.fcntl(writer.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:
        pass  # the system's limit is lower: the default size works, a little slower
    child = context.Process(target=_produce, args=(produce, writer), daemon=True,
                            name="zkd-reader")
    child.start()
    writer.close()  # the child's end; the parent only reads
    try:
        while True:
            wait([reader, child.sentinel])
            try:
                tag, item = pickle.loads(reader.recv_bytes())
            except EOFError:
                child.join(5)  # its end of the pipe closes a moment before it is reaped
                raise ReaderDied(f"the process reading the file stopped "
                                 f"(exit code {child.exitcode}); nothing was written") from None
            if tag == _ITEM:
                yield item
            elif tag == _END:
                return
            else:
                raise item
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        reader.close()


def _produce(produce: Callable[[], Iterator[T]], writer: Connection) -> None:
    """In the child: send each item, then the end or the exception that stopped it."""
    try:
        for item in produce():
            writer.send_bytes(pickle.dumps((_ITEM, item), pickle.HIGHEST_PROTOCOL))
    except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent
        try:
            message = pickle.dumps((_FAILED, exc), pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - an exception that cannot be pickled
            message = pickle.dumps((_FAILED, ReaderDied("".join(traceback.format_exception(exc)))))
        writer.send_bytes(message)
        return
    writer.send_bytes(pickle.dumps((_END, None)))
