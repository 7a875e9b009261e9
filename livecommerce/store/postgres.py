"""PostgreSQL: the store at scale, through asyncpg; one pool serves reads and writes."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from livecommerce.store.sql import SqlStore


class PostgresStore(SqlStore):
    """A PostgreSQL database: the same schema and migrations as SQLite."""

    def _engines(self) -> tuple[AsyncEngine, AsyncEngine]:
        url = sa.engine.make_url(self.url).set(drivername="postgresql+asyncpg")
        engine = create_async_engine(
            url, pool_size=5, max_overflow=10, pool_pre_ping=True, connect_args={"timeout": 5}
        )
        return engine, engine
