"""Output files: where zkd may write, and writing through a temporary name.

Every file zkd writes (the errors CSV, templates, statements and their
manifest, the demo's files) is written to a temporary file in the same folder
and renamed over its name once complete, so a reader never sees half a file
and a failed write leaves the old file (or none) in place.

Where it may write:

- never over the ledger's own SQLite file (or its journal);
- a file the user named (``--errors PATH``, ``template -o FILE``) only if no
  file is there yet, or, for the errors CSV, if the file there is an errors
  CSV that zkd wrote before (a UTF-8 CSV whose first line is the errors
  header): ``--errors errors.csv`` is rewritten on every run, anything else is
  left alone;
- inside a folder the user named (``statement -o DIR``, ``demo -o DIR``): the
  files of the pack, by the names zkd gives them, replacing earlier ones.

A file's content is bytes, or chunks of bytes produced as it is written (a
statement pack's loan list of a million rows never sits in memory whole): the
chunks go to the temporary file as they come, and only a complete file is
renamed into place.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from glob import escape as glob_escape
from pathlib import Path

from .domain.errors import ZkdError
from .i18n import _


class OutputRefused(ZkdError):
    """A file zkd was asked to write must not, or cannot, be written there. One line."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


Content = bytes | Iterable[bytes]  # a whole file, or its chunks in order (read once)


def write_atomic(path: Path, data: Content, *, what: str = "the file") -> None:
    """Write ``data`` (bytes, or chunks of bytes) to ``path`` through a temporary file in
    the same folder, then rename. A chunk producer that raises leaves no file behind.

    Raises:
        OutputRefused: the folder is missing or not writable, or the disk is full.
    """
    path = Path(path)
    folder = path.parent
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".zkd-tmp")
    except OSError as exc:
        raise OutputRefused(_("cannot write {what} {path}: {reason}").format(
            what=what, path=path, reason=exc.strerror or exc)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in ((data,) if isinstance(data, bytes) else data):
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it 0600: give it a new file's mode
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputRefused(_("cannot write {what} {path}: {reason}").format(
            what=what, path=path, reason=exc.strerror or exc)) from None
    except BaseException:  # the producer failed (or was interrupted): no half file stays
        Path(tmp).unlink(missing_ok=True)
        raise


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def is_ledger(path: Path, ledger: Path | None) -> bool:
    """Whether ``path`` is the ledger's SQLite file or one of its companions (journal, WAL)."""
    if ledger is None:
        return False
    return any(_same(path, ledger.with_name(ledger.name + suffix))
               for suffix in ("", "-journal", "-wal", "-shm"))


def check_output_file(path: Path, what: str, *, ledger: Path | None,
                      replaceable: Callable[[Path], bool] | None = None) -> None:
    """Refuse, before any work is done, a file path zkd must not write.

    ``replaceable(path)`` says whether an existing file there is one zkd may
    replace (an errors CSV it wrote before); without it, no existing file is.

    Raises:
        OutputRefused: the ledger, a folder, a missing folder, or a file not ours.
    """
    path = Path(path)
    if is_ledger(path, ledger):
        raise OutputRefused(_("{path} is the ledger's own database; choose another name for "
                              "{what}").format(path=path, what=what))
    if path.is_dir():
        raise OutputRefused(_("{path} is a folder; give a file name for {what}").format(
            path=path, what=what))
    if not path.parent.is_dir():
        raise OutputRefused(_("cannot write {what} {path}: {reason}").format(
            what=what, path=path, reason=os.strerror(errno.ENOENT)))
    if not os.access(path.parent, os.W_OK):
        raise OutputRefused(_("cannot write {what} {path}: {reason}").format(
            what=what, path=path, reason=os.strerror(errno.EACCES)))
    if path.exists() or path.is_symlink():
        if replaceable is not None and path.is_file() and replaceable(path):
            return
        raise OutputRefused(_("{path} already exists and is not {what} written by zkd; "
                              "remove it or choose another name").format(path=path, what=what))


def check_output_folder(folder: Path, names: list[str], what: str, *,
                        ledger: Path | None) -> None:
    """Refuse a folder that is a file, or whose files named ``names`` include the ledger.

    Raises:
        OutputRefused: see above.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputRefused(_("{folder} is a file, not a folder, for {what}").format(
            folder=folder, what=what))
    for name in names:
        if is_ledger(folder / name, ledger):
            raise OutputRefused(_("{path} is the ledger's own database; write {what} "
                                  "to another folder").format(path=folder / name, what=what))
        if (folder / name).is_dir():
            raise OutputRefused(_("{path} is a folder; cannot write {what} there").format(
                path=folder / name, what=what))


def write_folder(folder: Path, files: Mapping[str, Content], what: str, *,
                 ledger: Path | None) -> None:
    """Write ``files`` (name -> bytes or chunks, in order) into ``folder``, creating it,
    each atomically. Every name is checked before anything is written; a file's chunks
    are produced only when it is written (so one may depend on those before it).

    Raises:
        OutputRefused: see :func:`check_output_folder` and :func:`write_atomic`.
    """
    check_output_folder(folder, list(files), what, ledger=ledger)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputRefused(_("cannot create the folder {folder}: {reason}").format(
            folder=folder, reason=exc.strerror or exc)) from None
    for name in files:
        _remove_stale(folder, name)
    for name, data in files.items():
        write_atomic(folder / name, data, what=what)


def _remove_stale(folder: Path, name: str) -> None:
    """Remove the temporary files an earlier write of ``name`` left when it was killed
    (:func:`write_atomic`'s ``.NAME.*.zkd-tmp``): a pack must hold only its own files."""
    for stale in folder.glob(f".{glob_escape(name)}.*.zkd-tmp"):
        try:
            stale.unlink()
        except OSError:
            pass
