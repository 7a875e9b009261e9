"""SQLite: the embedded default. One writer connection, read-only readers, WAL."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from livecommerce.errors import DatabaseLockedError
from livecommerce.store.sql import SqlStore

# Seconds a statement waits for another process's lock (a `seed`, an import, a backup
# holding the file) before it fails: then the command says so in one line.
BUSY_TIMEOUT = 5.0


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # First: switching to WAL takes a lock too.
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def is_locked(error: BaseException) -> bool:
    """Whether a database error is SQLite's "locked" or "busy": another process holds the
    file longer than BUSY_TIMEOUT."""
    cause = getattr(error, "orig", None) or error
    text = str(cause).lower()
    return isinstance(cause, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


def locked_or(store: SqlStore, error: Exception) -> Exception:
    """The error to raise for `error` from `store`: a DatabaseLockedError when another
    process held the SQLite file past BUSY_TIMEOUT, else `error` itself."""
    if isinstance(store, SqliteStore) and is_locked(error):
        return store.locked()
    return error


class SqliteStore(SqlStore):
    """A SQLite file: one write connection owned by the store, a pool of read-only ones."""

    @property
    def path(self) -> Path:
        database = sa.engine.make_url(self.url).database
        return Path(database or "livecommerce.db")

    def _engines(self) -> tuple[AsyncEngine, AsyncEngine]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        timeout = {"timeout": BUSY_TIMEOUT}
        writer = create_async_engine(
            f"sqlite+aiosqlite:///{self.path}", pool_size=1, max_overflow=0, connect_args=timeout
        )
        event.listen(writer.sync_engine, "connect", _pragmas)
        reader = create_async_engine(
            f"sqlite+aiosqlite:///file:{self.path.resolve()}?mode=ro&uri=true",
            pool_size=4,
            max_overflow=4,
            connect_args=timeout,
        )
        event.listen(reader.sync_engine, "connect", _pragmas)
        return writer, reader

    async def start(self) -> None:
        """Start as every store does, once the file's write lock can be had: a file held
        by another process past BUSY_TIMEOUT is a DatabaseLockedError, not a server that
        acknowledges what it cannot store, nor a traceback halfway through a command."""
        await asyncio.to_thread(self._wait_for_the_write_lock)
        await super().start()

    def _wait_for_the_write_lock(self) -> None:
        if not self.path.is_file():
            return  # a new database: created by start
        try:
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        except sqlite3.Error:
            return  # start names what is wrong with the file
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
        except sqlite3.OperationalError as error:
            if is_locked(error):
                raise self.locked() from None
            # Read-only, corrupt, ...: start names it.
        finally:
            connection.close()

    def locked(self) -> DatabaseLockedError:
        """The error for a file another process holds past BUSY_TIMEOUT."""
        return DatabaseLockedError(path=str(self.path), seconds=f"{BUSY_TIMEOUT:g}")
