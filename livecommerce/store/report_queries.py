"""The store's queries behind a show's report: its orders tallied per minute (kept by
`add_orders`, see `store/tallies.py`), the orders of the minutes read one by one, the
coded orders and the version that tells a cached report is stale."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from livecommerce.core.models import Order
from livecommerce.core.tallies import Tally
from livecommerce.store import schema as t
from livecommerce.store.connection import SqlConnection

# Orders converted per turn of the event loop when a large read streams them.
ORDERS_PARTITION = 2_000
TALLIES_PARTITION = 2_000  # converted on the event loop: a turn each
MINUTE = timedelta(minutes=1)


class ReportQueries(SqlConnection):
    """What a report reads, beside the plain reads of `SqlStore`."""

    async def order_tallies(
        self, refs: Sequence[str], since: datetime, until: datetime
    ) -> list[Tally]:
        """The tallies of the orders that carry one of `refs` (a show's code or id),
        whenever placed, and of the orders without a show reference in the minutes that
        meet [since, until) (whole minutes: a tally may hold orders just outside)."""
        c = t.order_tallies.c
        # The times as the driver gives them (text on SQLite): `_moment` reads them
        # faster than the column type's processor, a minute once.
        query = sa.select(
            c.show_ref,
            *(sa.type_coerce(c[name], sa.String) for name in ("minute", "first_ts", "last_ts")),
            c.sku,
            c.buyer_lang,
            c.buyer_country,
            c.currency,
            c.orders,
            c.units,
            sa.type_coerce(c.amount, sa.Integer),  # read by _decimal
            c.exponent,
            c.odd,
        ).where(_tallied(refs, since, until))
        tallies: list[Tally] = []
        minutes: dict[Any, datetime] = {}
        async with self._read() as conn:
            result = await conn.stream(query)
            async for rows in result.partitions(TALLIES_PARTITION):
                for ref, minute, first, last, *keys, orders, units, micros, exp, odd in rows:
                    at = minutes.get(minute)
                    if at is None:
                        at = minutes[minute] = _moment(minute)
                    amount = None if odd else _decimal(micros, exp)
                    sku, lang, country, currency = keys
                    tallies.append(
                        Tally(
                            sku,
                            lang,
                            country,
                            currency,
                            ref != "",
                            at,
                            _moment(first),
                            _moment(last),
                            int(orders),
                            int(units),
                            amount,
                        )
                    )
                await asyncio.sleep(0)
        return tallies

    async def currencies_paid_in(
        self, refs: Sequence[str], since: datetime, until: datetime
    ) -> set[str]:
        """The currencies of the orders placed in [since, until), whatever their show
        reference, and of those that carry one of `refs`: from the tallies, and for the
        minutes [since, until) cuts, from the orders themselves."""
        c, o = t.order_tallies.c, t.orders.c
        first = _ceil_minute(since)
        last = max(first, until.replace(second=0, microsecond=0))  # whole minutes: [first, last)
        queries = [
            sa.select(c.currency).where(c.show_ref.in_([ref for ref in refs if ref])),
            sa.select(c.currency).where(c.minute >= first, c.minute < last),
            sa.select(o.currency).where(
                o.ts >= since, o.ts < until, sa.or_(o.ts < first, o.ts >= last)
            ),
        ]
        found: set[str] = set()
        async with self._read() as conn:
            for query in queries:
                found.update(r[0] for r in (await conn.execute(query.distinct())).all())
        return found

    async def orders_in(
        self,
        refs: Sequence[str],
        since: datetime,
        until: datetime,
        skus_by_minute: Mapping[datetime, Iterable[str]],
    ) -> list[Order]:
        """Of the orders a show's report reads (those placed in [since, until), and those
        that carry one of `refs` whenever placed), the ones of these products in these
        minutes, oldest first."""
        c = t.orders.c
        found: list[Order] = []
        async with self._read() as conn:
            for minute, skus in sorted(skus_by_minute.items()):
                wanted = sorted(set(skus))
                for start in range(0, len(wanted), 500):  # every driver's parameter limit
                    query = (
                        sa.select(*order_columns())
                        .where(
                            c.ts >= minute,
                            c.ts < minute + MINUTE,
                            c.sku.in_(wanted[start : start + 500]),
                            sa.or_(c.show_ref.in_(refs), sa.and_(c.ts >= since, c.ts < until)),
                        )
                        .order_by(c.ts, c.id)
                    )
                    found.extend(order(r) for r in (await conn.execute(query)).all())
                await asyncio.sleep(0)
        return sorted(found, key=lambda o: (o.ts, o.id))

    async def orders_for_show(
        self, *refs: str, outside: tuple[datetime, datetime] | None = None
    ) -> list[Order]:
        """Orders that carry one of a show's references (its code or id); with
        `outside=(since, until)`, only those placed outside [since, until)."""
        c = t.orders.c
        query = sa.select(*order_columns()).where(c.show_ref.in_(refs)).order_by(c.ts, c.id)
        if outside is not None:
            query = query.where(sa.or_(c.ts < outside[0], c.ts >= outside[1]))
        return await self._orders_streamed(query)

    async def _orders_streamed(self, query: sa.Select[Any]) -> list[Order]:
        """The orders of `query`, fetched and converted a partition at a time with a turn
        of the event loop between partitions: a read of a million orders does not hold
        the loop (the rows' conversion runs on the loop's thread)."""
        found: list[Order] = []
        async with self._read() as conn:
            result = await conn.stream(query)
            async for rows in result.partitions(ORDERS_PARTITION):
                found.extend(order(r) for r in rows)
                await asyncio.sleep(0)
        return found

    async def report_version(
        self, show_id: str, refs: Sequence[str] = (), span: tuple[datetime, datetime] | None = None
    ) -> tuple[Any, ...]:
        """What changes when anything a show's report is computed from changes: its
        orders (the tallies of its code and of its window's minutes: orders are only
        ever added, so their count grows with every new one; without `span`, every
        order), the
        show's mentions and chat, the rates, the products (counts and latest keys; those
        rows are added, chat is erased). Aggregates over small tables and the show's
        tallies, for a cache of computed reports."""
        o, m, ch = t.order_tallies.c, t.mentions.c, t.chat_messages.c
        r = t.exchange_rates.c
        orders = sa.select(sa.func.count(), sa.func.sum(o.orders), sa.func.max(o.last_ts))
        if span is not None:
            # Orders of other shows in the window count too: their currencies choose
            # the rates read (`reporting._rates`).
            since, until = span
            orders = orders.where(
                sa.or_(
                    o.show_ref.in_([ref for ref in refs if ref]),
                    sa.and_(o.minute > since - MINUTE, o.minute < until),
                )
            )
        queries = [
            orders,
            sa.select(sa.func.count(), sa.func.max(m.id)).where(m.show_id == show_id),
            sa.select(sa.func.count(), sa.func.max(ch.id)).where(ch.show_id == show_id),
            sa.select(sa.func.count(), sa.func.max(r.day)),
            sa.select(sa.func.count()).select_from(t.products),
        ]
        version: list[Any] = []
        async with self._read() as conn:
            for query in queries:
                version.extend((await conn.execute(query)).one())
        return tuple(version)


def _tallied(refs: Sequence[str], since: datetime, until: datetime) -> sa.ColumnElement[bool]:
    """The tallies a show's report reads (see `order_tallies`); both parts follow the
    table's key (show_ref, minute)."""
    c = t.order_tallies.c
    return sa.or_(
        c.show_ref.in_([ref for ref in refs if ref]),
        sa.and_(c.show_ref == "", c.minute > since - MINUTE, c.minute < until),
    )


def _ceil_minute(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + MINUTE


def _moment(value: Any) -> datetime:
    """A time as the driver gives it: text in UTC on SQLite, an aware datetime else."""
    if isinstance(value, str):
        return datetime.fromisoformat(value + "+00:00")
    moment: datetime = value.astimezone(UTC)
    return moment


def _decimal(micros: Any, exponent: int) -> Decimal | None:
    """`micros` millionths as the Decimal the orders' amounts add up to, exponent and
    all: the smallest exponent of theirs (that of an exact sum of Decimals). None where
    it is not exact: no sum (a price that is no plain decimal), SQLite's float past its
    integers, more than 6 decimals."""
    if type(micros) is Decimal:  # PostgreSQL's NUMERIC
        micros = int(micros)
    if type(micros) is not int or exponent < -6:
        return None
    coefficient, rest = divmod(micros, 10 ** (6 + exponent))
    if rest:
        return None
    return Decimal(f"{coefficient}E{exponent}")


def order_columns() -> list[sa.Column[Any]]:
    """The columns of `orders` that are the fields of Order, in the fields' order."""
    return [t.orders.c[f.name] for f in dataclasses.fields(Order)]


def order(r: sa.Row[Any]) -> Order:
    return Order(*r)  # type: ignore[call-arg]  # order_columns: the fields, in order
