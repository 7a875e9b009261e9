"""The store's connections: one writer at a time, a pool of readers, the dialect's
inserts; what every backend shares below the queries (`livecommerce.store.sql`)."""

from __future__ import annotations

import abc
import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from livecommerce.errors import StoreError
from livecommerce.store import bulk, migrate


def redact(url: str) -> str:
    """The URL without its password, fit for a log line or an error."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except (SQLAlchemyError, ValueError):
        return "<unparseable database URL>"


class SqlConnection(abc.ABC):
    """A started store's engines: a backend supplies them (`_engines`)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._writer: AsyncEngine | None = None
        self._reader: AsyncEngine | None = None
        self._write_lock = asyncio.Lock()

    # -- life cycle ----------------------------------------------------------------------

    @abc.abstractmethod
    def _engines(self) -> tuple[AsyncEngine, AsyncEngine]:
        """The writer engine and the reader engine (they may be the same)."""

    async def start(self) -> None:
        """Connect and apply the migrations; a clear StoreError if either fails."""
        try:
            self._writer, self._reader = self._engines()
            async with self._writer.begin() as conn:
                await conn.run_sync(migrate.upgrade)
        except (OSError, SQLAlchemyError) as error:
            await self.close()
            raise StoreError(url=redact(self.url), reason=first_line(error)) from None

    async def close(self) -> None:
        for engine in {self._writer, self._reader}:
            if engine is not None:
                await engine.dispose()
        self._writer = self._reader = None

    async def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            async with self._read() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except (OSError, SQLAlchemyError, StoreError):
            return False
        return True

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        if self._writer is None:
            raise StoreError(url=redact(self.url), reason="the store is not started")
        async with self._write_lock, self._writer.begin() as conn:
            yield conn

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        if self._reader is None:
            raise StoreError(url=redact(self.url), reason="the store is not started")
        async with self._reader.connect() as conn:
            yield conn

    def _insert(self, table: sa.Table) -> Any:
        dialect = postgresql if self._dialect == "postgresql" else sqlite
        return dialect.insert(table)

    @property
    def _dialect(self) -> str:
        assert self._writer is not None  # checked by _write/_read before any use
        return self._writer.dialect.name

    async def _upsert(
        self, conn: AsyncConnection, table: sa.Table, rows: list[dict[str, Any]]
    ) -> None:
        if not rows:
            return
        keys = [c.name for c in table.primary_key.columns]
        statement = self._insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=keys,
            set_={c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys},
        )
        await conn.execute(statement, rows)

    async def _insert_new(
        self, conn: AsyncConnection, table: sa.Table, rows: list[dict[str, Any]], keys: list[str]
    ) -> int:
        """Insert the rows whose keys are not there yet; returns how many were new."""
        if not rows:
            return 0
        if self._dialect == "sqlite":
            # One executemany in the driver; its rowcount counts the rows that were new.
            return await bulk.insert_new_sqlite(conn, table, rows, keys)
        statement = self._insert(table).on_conflict_do_nothing(index_elements=keys)
        # One statement for the lot; RETURNING counts the rows that were new.
        result = await conn.execute(statement.returning(*(table.c[k] for k in keys)), rows)
        return len(result.all())

    async def _rows(self, query: sa.Select[Any] | sa.CompoundSelect[Any]) -> Sequence[sa.Row[Any]]:
        async with self._read() as conn:
            rows: Sequence[sa.Row[Any]] = (await conn.execute(query)).all()
            return rows


def first_line(error: BaseException) -> str:
    """The first line of a driver's error, without SQLAlchemy's links and SQL echo."""
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()
    return text[0][:300] if text else type(original).__name__
