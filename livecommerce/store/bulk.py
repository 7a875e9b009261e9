"""Many new rows into one table at once, on SQLite without per-row SQLAlchemy work.

SQLAlchemy Core's executemany with RETURNING (what counts the new rows on PostgreSQL)
builds and converts every row in Python; on SQLite one `executemany` of a plain
`INSERT … ON CONFLICT DO NOTHING` does the same work in the driver's C loop, and the
driver's rowcount (the sum of SQLite's `changes()` over the rows) counts the new ones.
The values are converted by the columns' own bind processors, as SQLAlchemy would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

Processor = Callable[[Any], Any] | None


def _plan(
    conn: AsyncConnection, table: sa.Table, names: Sequence[str], keys: Sequence[str]
) -> tuple[str, list[Processor]]:
    """The statement and each column's bind processor (once per call, not per row)."""
    dialect = conn.dialect
    preparer = dialect.identifier_preparer
    columns = ", ".join(preparer.quote(name) for name in names)
    conflict = ", ".join(preparer.quote(key) for key in keys)
    statement = (
        f"INSERT INTO {preparer.format_table(table)} ({columns}) "
        f"VALUES ({', '.join('?' for _ in names)}) ON CONFLICT ({conflict}) DO NOTHING"
    )
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    ]
    return statement, processors


async def insert_new_sqlite(
    conn: AsyncConnection, table: sa.Table, rows: list[dict[str, Any]], keys: Sequence[str]
) -> int:
    """Insert the rows (all with the same keys) whose `keys` are not stored yet; how
    many were new. SQLite only (qmark parameters, rowcount summed over executemany)."""
    if not rows:
        return 0
    names = list(rows[0])
    statement, processors = _plan(conn, table, names, keys)
    # Column by column: one pass per column through its processor, then the tuples.
    columns: list[list[Any]] = []
    for name, process in zip(names, processors, strict=True):
        values = [row[name] for row in rows]
        if process is not None:
            values = [None if value is None else process(value) for value in values]
        columns.append(values)
    params = list(zip(*columns, strict=True))
    result = await conn.exec_driver_sql(statement, params)
    return int(result.rowcount)
