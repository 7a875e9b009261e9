"""A SQLite store made read-only under a running server, for tests of a database that
answers but does not store.

Tests may run as root, and root writes through a `chmod 0444` (and a chmod never reaches
a file an open connection already writes), so the store's writer connection is put
under SQLite's own `PRAGMA query_only`: every write then fails as on a read-only file
(SQLITE_READONLY, "attempt to write a readonly database") while reads go on.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from livecommerce.store import SqlStore


def _query_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


async def read_only(store: SqlStore, on: bool) -> None:
    """Make the store's SQLite file read-only for the store's writes (or writable again)."""
    writer = store._writer  # the one connection that writes, in the test's hands
    assert writer is not None
    if on:
        event.listen(writer.sync_engine, "connect", _query_only)
    else:
        event.remove(writer.sync_engine, "connect", _query_only)
    await writer.dispose()  # the next write opens a new connection, with the pragma or not
