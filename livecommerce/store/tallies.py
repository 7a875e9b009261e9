"""The orders tallied per minute (`order_tallies`), kept up to date as orders are added.

`SqlStore.add_orders` adds the new orders of each write to their tallies in the same
transaction (`rows`, then one upsert for the batch); migration 0007 tallies the orders
stored before it (`backfill`). A tally's `amount` is the exact sum of qty × unit price in
millionths, and its `exponent` the smallest exponent of the unit prices as the store
reads them back (SQLite's `Money` normalizes: 189000 is 1.89E+5; PostgreSQL's NUMERIC
keeps 6 decimals): a report rebuilds from them the very Decimal that adding the
orders' amounts one by one gives. A price with more than 6 decimals, or a sum past
SQLite's integers, leaves the tally without an amount (`odd`, or NULL): a report reads
that tally's orders one by one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from livecommerce.core.models import Order
from livecommerce.store import schema as t

KEYS = ["show_ref", "minute", "sku", "buyer_lang", "buyer_country", "currency"]
BIGINT = 2**63  # SQLite's integers: |value| below this


def rows(orders: Iterable[Order], dialect: str) -> list[dict[str, Any]]:
    """The tallies of `orders` (to add to those stored), one per key."""
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    prices: dict[tuple[Decimal, Any], tuple[int | None, int]] = {}  # by value and exponent
    for order in orders:
        ts = order.ts if order.ts.tzinfo is UTC else order.ts.astimezone(UTC)
        key = (
            order.show_ref or "",
            ts.replace(second=0, microsecond=0),  # the minute in UTC, as stored
            order.sku,
            order.buyer_lang,
            order.buyer_country,
            order.currency,
        )
        price = order.unit_price
        seen = (price, price.as_tuple().exponent)
        if seen in prices:
            micros, exponent = prices[seen]
        else:
            micros, exponent = prices[seen] = _price(price, dialect)
        amount = _sum(0, None if micros is None else micros * order.qty, dialect)
        tally = found.get(key)
        if tally is None:
            found[key] = {
                **dict(zip(KEYS, key, strict=True)),
                "orders": 1,
                "units": order.qty,
                "amount": amount,
                "exponent": exponent,
                "odd": int(micros is None),
                "first_ts": ts,
                "last_ts": ts,
            }
            continue
        tally["orders"] += 1
        tally["units"] += order.qty
        tally["amount"] = _sum(tally["amount"], amount, dialect)
        tally["exponent"] = min(tally["exponent"], exponent)
        tally["odd"] += micros is None
        tally["first_ts"] = min(tally["first_ts"], ts)
        tally["last_ts"] = max(tally["last_ts"], ts)
    return list(found.values())


def _sum(a: int | None, b: int | None, dialect: str) -> int | None:
    """a + b, or None where either is unknown or SQLite could not keep the sum exactly
    (past its integers its arithmetic turns to floats)."""
    if a is None or b is None:
        return None
    total = a + b
    return None if dialect == "sqlite" and abs(total) >= BIGINT else total


def _price(price: Decimal, dialect: str) -> tuple[int | None, int]:
    """A unit price's millionths (None unless a finite, whole number of them) and the
    exponent of the Decimal the store reads back for it."""
    normal = price.normalize()
    exponent = normal.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -6:
        return None, 0  # not finite, or more than 6 decimals
    micros = int(normal.scaleb(6))
    return micros, -6 if dialect == "postgresql" else exponent


# What `upsert` sets, as SQLite's text for `bulk.insert_columns_sqlite`.
SQLITE_UPDATE = (
    "orders = orders + excluded.orders, units = units + excluded.units,"
    " amount = amount + excluded.amount, exponent = min(exponent, excluded.exponent),"
    " odd = odd + excluded.odd, first_ts = min(first_ts, excluded.first_ts),"
    " last_ts = max(last_ts, excluded.last_ts)"
)


def upsert(dialect: str) -> Any:
    """The statement that adds tallies to the stored ones (same key: summed)."""
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(t.order_tallies)
    least = sa.func.least if dialect == "postgresql" else sa.func.min
    greatest = sa.func.greatest if dialect == "postgresql" else sa.func.max
    c, new = t.order_tallies.c, insert.excluded
    return insert.on_conflict_do_update(
        index_elements=KEYS,
        set_={
            "orders": c.orders + new.orders,
            "units": c.units + new.units,
            "amount": c.amount + new.amount,
            "exponent": least(c.exponent, new.exponent),
            "odd": c.odd + new.odd,
            "first_ts": least(c.first_ts, new.first_ts),
            "last_ts": greatest(c.last_ts, new.last_ts),
        },
    )


def backfill(connection: sa.Connection) -> None:
    """Tally every stored order (migration 0007), a partition at a time."""
    dialect = connection.dialect.name
    columns = [t.orders.c[name] for name in Order.__dataclass_fields__]
    tallies: dict[tuple[Any, ...], dict[str, Any]] = {}
    result = connection.execute(sa.select(*columns).execution_options(yield_per=20_000))
    for part in result.partitions():
        batch = [Order(*r) for r in part]
        for tally in rows(batch, dialect):
            key = tuple(tally[k] for k in KEYS)
            tallies[key] = _merged(tallies.get(key), tally, dialect)
    if tallies:
        connection.execute(t.order_tallies.insert(), list(tallies.values()))


def _merged(old: dict[str, Any] | None, new: dict[str, Any], dialect: str) -> dict[str, Any]:
    if old is None:
        return new
    return {
        **old,
        "orders": old["orders"] + new["orders"],
        "units": old["units"] + new["units"],
        "amount": _sum(old["amount"], new["amount"], dialect),
        "exponent": min(old["exponent"], new["exponent"]),
        "odd": old["odd"] + new["odd"],
        "first_ts": min(old["first_ts"], new["first_ts"]),
        "last_ts": max(old["last_ts"], new["last_ts"]),
    }
