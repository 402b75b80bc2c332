"""Engines for the two supported databases, and the locking rule they share.

SQLite (the embedded default) runs every transaction as ``BEGIN IMMEDIATE``:
a writer takes the database's write lock before it reads the balances it will
check, so two processes cannot both see the same cash and both pay it out.
PostgreSQL gets the same guarantee from a row lock on ``ledger_head``
(``SELECT … FOR UPDATE``), taken by :func:`zhengkedai.db.uow.UnitOfWork.lock_ledger`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ..domain.errors import ZkdError
from ..i18n import _
from .digests import register_sqlite

DEFAULT_URL = "sqlite:///zhengkedai.db"


def resolve_url(url: str | None) -> str:
    """``--db`` if given, else ``ZKD_DATABASE_URL``, else the embedded default."""
    url = url or os.environ.get("ZKD_DATABASE_URL") or DEFAULT_URL
    if url.startswith("postgresql://"):  # plain URLs mean psycopg 3 here
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


_PASSWORD = re.compile(r"(://[^:/@]*):[^@]*@")


def shown_url(url: str) -> str:
    """``url`` fit to print: its password, if any, masked (``postgresql://zkd:***@host/db``)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return _PASSWORD.sub(r"\1:***@", url)


def _create_private(path: Path) -> None:
    """Create an empty SQLite file readable by its owner only (0600): the ledger is not
    for every user of the machine. SQLite gives its journal the same mode."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise ZkdError(_("cannot create the database {path}: {reason}").format(
            path=path, reason=exc.strerror or exc)) from None


def make_engine(url: str | None = None, *, create: bool = True, reader: bool = False) -> Engine:
    """An engine for ``url`` (see :func:`resolve_url`).

    A SQLite file it creates is readable by its owner only (0600). A SQLite
    transaction takes the write lock as it begins (one writer at a time, no
    upgrade deadlock), but a ``reader``'s only reads: it runs beside a
    transaction holding that lock (`zkd verify`'s second process).

    Raises:
        ZkdError: not a SQLite or PostgreSQL URL; or, with ``create=False``, a
            SQLite file that does not exist (connecting would create it empty).
    """
    url = resolve_url(url)
    if not url.startswith(("sqlite:", "sqlite+", "postgresql+")):
        raise ZkdError(_("--db {url!r}: zkd works with SQLite (sqlite:///PATH) or PostgreSQL "
                         "(postgresql://USER@HOST/DB) URLs").format(url=shown_url(url)))
    path = sqlite_path(url)
    if not create and path is not None and not path.exists():
        raise ZkdError(_("no database at {path}; create it with `zkd init`").format(path=path))
    try:
        make_url(url)
    except ArgumentError:
        raise ZkdError(_("--db {url!r} is not a database URL").format(url=shown_url(url))) from None
    if path is not None and create and not path.exists():
        _create_private(path)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # let SQLAlchemy, not the driver, say when transactions begin
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
            # record digests are computed by the database (db.digests)
            register_sqlite(dbapi_connection)

        @event.listens_for(engine, "begin")
        def _begin(conn):  # type: ignore[no-untyped-def]
            conn.exec_driver_sql("BEGIN" if reader else "BEGIN IMMEDIATE")
            # what the connection had changed when its transaction began: any more, and
            # the transaction has written (services.audit.beside)
            conn.info["changes_at_begin"] = conn.connection.dbapi_connection.total_changes

        return engine
    engine = create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _connect_postgresql(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # zkd reads every row of what it streams (a loan list through a cursor); planned
        # for the first tenth, a pack's loan list ran its month-end subquery once a row
        # (3.3 s for 20,000 loans, 0.2 s planned for them all)
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET cursor_tuple_fraction = 1.0")
        dbapi_connection.commit()

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file behind a sqlite URL, or None for memory and other databases."""
    if not url.startswith("sqlite:///"):
        return None
    path = url[len("sqlite:///"):]
    return Path(path) if path and path != ":memory:" else None
