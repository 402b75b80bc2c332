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

The child never outlives the parent and never holds what the parent holds
(:func:`_detach`): it asks the kernel to kill it when the parent dies
(``prctl(PR_SET_PDEATHSIG)``), checks that the parent is still there, and
replaces every descriptor it inherited but its end of the pipe and the
standard streams with ``/dev/null``. So a killed ``zkd submit`` leaves no
reader behind, and no copy of the database connection keeps the parent's
transaction (and the ledger lock) open on the server. It ends with
``os._exit``: no finalizer of an object copied from the parent runs in it.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TypeVar

from ..i18n import _

T = TypeVar("T")

MIN_BYTES = 2 << 20  # about 12,000 loan rows of CSV
PIPE_BYTES = 1 << 20  # the most Linux allows a pipe by default; about ten loans batches

_ITEM, _END, _FAILED = 0, 1, 2
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


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
    child = context.Process(target=_produce, args=(produce, writer, os.getpid()), daemon=True,
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
                raise ReaderDied(_("the process reading the file stopped (exit code {code}); "
                                   "nothing was written").format(code=child.exitcode)) from None
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


def _die_with(parent: int) -> None:
    """Ask the kernel to kill this process when ``parent`` dies; exit now if it has."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: the parent checks in _produce remain
        pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _detach(keep: set[int]) -> None:
    """Point every inherited descriptor but ``keep`` and the standard streams at /dev/null.

    Replaced, not closed: an object copied from the parent (a database
    connection) may still close its descriptor when collected, and must not
    close, or write into, a file this process opened since.
    """
    null = os.open(os.devnull, os.O_RDWR)
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd > 2 and fd != null and fd not in keep:
            try:
                os.dup2(null, fd, inheritable=False)
            except OSError:
                pass  # not open (the listing's own descriptor, gone already)
    os.close(null)


def _produce(produce: Callable[[], Iterator[T]], writer: Connection, parent: int) -> None:
    """In the child: send each item, then the end or the exception that stopped it; exit."""
    _die_with(parent)
    keep = {writer.fileno()}
    parent_process = multiprocessing.parent_process()
    if parent_process is not None:  # multiprocessing's own watch on the parent
        keep.add(parent_process.sentinel)
    _detach(keep)
    try:
        for item in produce():
            writer.send_bytes(pickle.dumps((_ITEM, item), pickle.HIGHEST_PROTOCOL))
            if os.getppid() != parent:  # no prctl, and the parent is gone
                os._exit(1)
    except BaseException as exc:  # noqa: BLE001 - every failure goes to the parent
        try:
            message = pickle.dumps((_FAILED, exc), pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - an exception that cannot be pickled
            message = pickle.dumps((_FAILED, ReaderDied("".join(traceback.format_exception(exc)))))
        try:
            writer.send_bytes(message)
        finally:
            os._exit(1)
    writer.send_bytes(pickle.dumps((_END, None)))
    os._exit(0)
