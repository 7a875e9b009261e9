"""Many new rows into one table at once, on SQLite without per-row SQLAlchemy work.

SQLAlchemy Core's executemany with RETURNING (what counts the new rows on PostgreSQL)
builds and converts every row in Python; on SQLite one plain multi-row
`INSERT … VALUES (…), (…), … ON CONFLICT DO NOTHING` does the same work, and its
rowcount (SQLite's `changes()`) counts the new rows. One statement for many rows rather
than an `executemany` of one row each: the driver releases Python's lock (the GIL) for
each step of a statement and must take it back after, which a busy event-loop thread
makes wait up to the interpreter's switch interval (5 ms) every time; one step per
statement leaves SQLite's whole insert free to run beside the Python that checks the
next rows. The values are converted by the columns' own bind processors, as SQLAlchemy
would, times (`UtcDateTime`) into the same text by `datetime.isoformat`.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from livecommerce.store.schema import UtcDateTime

# Rows per multi-row statement. One size only, so that SQLite compiles and the driver
# caches one such statement per table (about 13 MB for 10,000 orders), never one per
# batch size; the rows that do not fill one go through `executemany`.
STATEMENT_ROWS = 10_000


@functools.cache
def limits() -> tuple[int, int]:
    """How many `?` one statement may hold, and how long its text may be, with this
    SQLite library (32,766 and 1,000,000 by default since SQLite 3.32; builds may set
    others)."""
    connection = sqlite3.connect(":memory:")
    try:
        return (
            connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER),
            connection.getlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH),
        )
    finally:
        connection.close()


def rows_per_statement(width: int) -> int:
    """How many rows of `width` values one multi-row statement takes: STATEMENT_ROWS,
    or fewer within both limits (the text allowing for the statement's head and
    `(?,…),` per row)."""
    parameters, length = limits()
    return max(1, min(STATEMENT_ROWS, parameters // width, (length - 4096) // (2 * width + 3)))


def _statement(
    conn: AsyncConnection,
    table: sa.Table,
    names: Sequence[str],
    keys: Sequence[str],
    rows: int,
    update: str | None = None,
) -> str:
    preparer = conn.dialect.identifier_preparer
    columns = ", ".join(preparer.quote(name) for name in names)
    conflict = ", ".join(preparer.quote(key) for key in keys)
    row = f"({','.join('?' for _ in names)})"
    return (
        f"INSERT INTO {preparer.format_table(table)} ({columns}) "
        f"VALUES {','.join([row] * rows)} ON CONFLICT ({conflict}) "
        + (f"DO UPDATE SET {update}" if update is not None else "DO NOTHING")
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
    keys are stored update them instead (and count as changed). SQLite only (qmark
    parameters; one statement per `rows_per_statement` rows, an `executemany` for the
    rows left over)."""
    names = list(columns)
    if not names or not columns[names[0]]:
        return 0
    count = len(columns[names[0]])
    if any(len(values) != count for values in columns.values()):
        raise ValueError("the columns have different lengths")
    dialect = conn.dialect
    width = len(names)
    flat: list[Any] = [None] * (count * width)  # row by row: the statement's order
    for position, name in enumerate(names):
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
        flat[position::width] = values
    per_statement = rows_per_statement(width)
    full = count - count % per_statement
    added = 0
    for start in range(0, full, per_statement):
        result = await conn.exec_driver_sql(
            _statement(conn, table, names, keys, per_statement, update),
            tuple(flat[start * width : (start + per_statement) * width]),
        )
        added += int(result.rowcount)
    if full < count:
        rest = flat[full * width :]
        result = await conn.exec_driver_sql(
            _statement(conn, table, names, keys, 1, update),
            [tuple(rest[at : at + width]) for at in range(0, len(rest), width)],
        )
        added += int(result.rowcount)  # executemany: the sum over its rows
    return added


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
