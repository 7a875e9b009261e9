"""Many new rows into one table at once, on SQLite without per-row SQLAlchemy work.

SQLAlchemy Core's executemany with RETURNING (what counts the new rows on PostgreSQL)
builds and converts every row in Python; on SQLite one `executemany` of a plain
`INSERT … ON CONFLICT DO NOTHING` does the same work in the driver's C loop, and the
driver's rowcount (the sum of SQLite's `changes()` over the rows) counts the new ones.
The values are converted by the columns' own bind processors, as SQLAlchemy would,
times (`UtcDateTime`) into the same text by `datetime.isoformat`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from livecommerce.store.schema import UtcDateTime


def _statement(
    conn: AsyncConnection, table: sa.Table, names: Sequence[str], keys: Sequence[str]
) -> str:
    preparer = conn.dialect.identifier_preparer
    columns = ", ".join(preparer.quote(name) for name in names)
    conflict = ", ".join(preparer.quote(key) for key in keys)
    return (
        f"INSERT INTO {preparer.format_table(table)} ({columns}) "
        f"VALUES ({', '.join('?' for _ in names)}) ON CONFLICT ({conflict}) DO NOTHING"
    )


async def insert_columns_sqlite(
    conn: AsyncConnection,
    table: sa.Table,
    columns: dict[str, list[Any]],
    keys: Sequence[str],
    update: str | None = None,
) -> int:
    """Insert rows given column by column (equal lengths) whose `keys` are not stored
    yet; how many were new. With `update` (the SQL after `DO UPDATE SET`), rows whose
    keys are stored update them instead. SQLite only (qmark parameters, rowcount summed
    over the executemany)."""
    names = list(columns)
    if not names or not columns[names[0]]:
        return 0
    dialect = conn.dialect
    converted: list[list[Any]] = []
    for name in names:
        values = columns[name]
        # The column's processor, once per column (what SQLAlchemy applies per value).
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if isinstance(table.c[name].type, UtcDateTime):
            # The text SQLAlchemy's SQLite DATETIME writes, in UTC, made in C; a time
            # that repeats (a minute, a tally's first and last) is made once.
            done: dict[Any, Any] = {}
            values = [
                None if value is None else done.get(value) or done.setdefault(value, _utc(value))
                for value in values
            ]
        elif process is not None:
            values = [None if value is None else process(value) for value in values]
        converted.append(values)
    statement = _statement(conn, table, names, keys)
    if update is not None:
        statement = statement.replace("DO NOTHING", f"DO UPDATE SET {update}")
    result = await conn.exec_driver_sql(statement, list(zip(*converted, strict=True)))
    return int(result.rowcount)


def _utc(moment: datetime) -> str:
    """`UtcDateTime`'s text on SQLite: "YYYY-MM-DD HH:MM:SS.ffffff" in UTC."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: times are stored in UTC")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


async def insert_new_sqlite(
    conn: AsyncConnection, table: sa.Table, rows: list[dict[str, Any]], keys: Sequence[str]
) -> int:
    """`insert_columns_sqlite` for rows as mappings (all with the same keys)."""
    if not rows:
        return 0
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    return await insert_columns_sqlite(conn, table, columns, keys)
