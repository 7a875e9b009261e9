"""The store: SQLite by default, PostgreSQL at scale, one schema and one interface."""

from __future__ import annotations

from livecommerce.store.sql import SqlStore


def open_store(url: str) -> SqlStore:
    """The store for a database URL (`sqlite:///FILE` or `postgresql://…`), not yet started."""
    if url.startswith("sqlite://"):
        from livecommerce.store.sqlite import SqliteStore

        return SqliteStore(url)
    from livecommerce.store.postgres import PostgresStore

    return PostgresStore(url)


__all__ = ["SqlStore", "open_store"]
