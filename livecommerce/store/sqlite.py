"""SQLite: the embedded default. One writer connection, read-only readers, WAL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from livecommerce.store.sql import SqlStore


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class SqliteStore(SqlStore):
    """A SQLite file: one write connection owned by the store, a pool of read-only ones."""

    @property
    def path(self) -> Path:
        database = sa.engine.make_url(self.url).database
        return Path(database or "livecommerce.db")

    def _engines(self) -> tuple[AsyncEngine, AsyncEngine]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        writer = create_async_engine(
            f"sqlite+aiosqlite:///{self.path}", pool_size=1, max_overflow=0
        )
        event.listen(writer.sync_engine, "connect", _pragmas)
        reader = create_async_engine(
            f"sqlite+aiosqlite:///file:{self.path.resolve()}?mode=ro&uri=true",
            pool_size=4,
            max_overflow=4,
        )
        event.listen(reader.sync_engine, "connect", _pragmas)
        return writer, reader
