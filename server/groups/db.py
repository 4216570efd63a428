"""The groups' database: which one, and one engine per process, opened in the app's lifespan.

SQLite (a file in the data folder) is the embedded default; PostgreSQL, named by
`KRING_DATABASE_URL`, serves several processes. Both run the same migrations
(server/groups/migrations/) and the same queries (store.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

DATABASE_FILE = "kring.sqlite3"

#: Seconds to wait for PostgreSQL to accept a connection, and for one statement: an
#: unreachable database answers 503 after this, rather than holding the request.
CONNECT_TIMEOUT = 5.0
STATEMENT_TIMEOUT = 15.0
#: Seconds a SQLite writer waits for another one to finish before giving up.
SQLITE_BUSY_TIMEOUT = 30.0

_DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
}


class DatabaseUrlError(ValueError):
    """KRING_DATABASE_URL names a database Kring cannot use; the message says why."""


def database_url(url: str | None, data_dir: str | Path = "data") -> URL:
    """The URL to open: `url` with its async driver filled in, or SQLite in `data_dir`."""
    if not url:
        return make_url(f"sqlite+aiosqlite:///{(Path(data_dir) / DATABASE_FILE).resolve()}")
    try:
        parsed = make_url(url)
    except Exception:  # sqlalchemy raises ArgumentError; any other parse failure means the same
        raise DatabaseUrlError("KRING_DATABASE_URL is not a database URL") from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise DatabaseUrlError(
            f"KRING_DATABASE_URL must be a postgresql:// or sqlite:// URL, not {parsed.drivername}://"
        )
    return parsed.set(drivername=driver)


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def create_engine(url: URL) -> AsyncEngine:
    """An engine for `url`; creates the SQLite file's folder when it is missing.

    `hide_parameters`: a failed statement's values never reach a log line.
    """
    if is_sqlite(url):
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, hide_parameters=True, connect_args={"timeout": SQLITE_BUSY_TIMEOUT})
        _sqlite_pragmas(engine)
        return engine
    return create_async_engine(
        url,
        hide_parameters=True,
        pool_pre_ping=True,  # a restarted PostgreSQL costs no failed request
        connect_args={"timeout": CONNECT_TIMEOUT, "command_timeout": STATEMENT_TIMEOUT},
    )


def _sqlite_pragmas(engine: AsyncEngine) -> None:
    """Foreign keys on (so deleting a group deletes all of it), deleted rows overwritten, and every transaction a
    writer from its start (BEGIN IMMEDIATE): two transactions that read and then write
    would otherwise deadlock on upgrading their locks, which the busy timeout cannot wait
    out. The embedded database serves one process, so serialising costs little."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we send BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        # what is deleted is overwritten, not left in free pages: "delete this group" leaves
        # nothing of it in the file (the rollback journal, unlike a WAL, is gone after each commit)
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.execute("PRAGMA journal_mode = DELETE")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
