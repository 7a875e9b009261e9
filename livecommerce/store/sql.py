"""The store's queries, shared by every backend (SQLAlchemy Core on asyncio).

A backend supplies its engines: one writer and readers. Writes go through one
connection at a time (`_write`), reads through the reader pool.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from livecommerce.core.models import (
    ChatMessage,
    ExchangeRate,
    HourRange,
    Market,
    Mention,
    MentionSource,
    Order,
    Product,
    Role,
    Show,
    ShowStatus,
    Streamer,
)
from livecommerce.store import bulk, sequences
from livecommerce.store import schema as t
from livecommerce.store.connection import SqlConnection

# Orders converted per turn of the event loop when a large read streams them.
ORDERS_PARTITION = 2_000


def _hours(ranges: Iterable[HourRange]) -> list[list[int]]:
    return [[r.start, r.end] for r in ranges]


def _ranges(raw: Iterable[Sequence[int]]) -> tuple[HourRange, ...]:
    return tuple(HourRange(int(a), int(b)) for a, b in raw)


class SqlStore(SqlConnection):
    """Markets, streamers, products, shows, chat, mentions, orders and exchange rates."""

    # -- writes --------------------------------------------------------------------------

    async def put_markets(self, markets: Iterable[Market]) -> None:
        rows = [
            {
                "code": m.code,
                "country": m.country,
                "zones": list(m.zones),
                "languages": list(m.languages),
                "currency": m.currency,
                "weight": m.weight,
                "peak_hours": _hours(m.peak_hours),
                "names": dict(m.names),
            }
            for m in markets
        ]
        async with self._write() as conn:
            await self._upsert(conn, t.markets, rows)

    async def put_streamers(self, streamers: Iterable[Streamer]) -> None:
        rows = [
            {
                "id": s.id,
                "name": s.name,
                "zone": s.zone,
                "languages": list(s.languages),
                "base_currency": s.base_currency,
                "available_hours": _hours(s.available_hours),
                "categories": list(s.categories),
                "names": dict(s.names),
            }
            for s in streamers
        ]
        async with self._write() as conn:
            await self._upsert(conn, t.streamers, rows)

    async def put_products(self, products: Iterable[Product]) -> None:
        """Insert or replace products with their names, aliases and prices."""
        products = list(products)
        skus = [p.sku for p in products]
        async with self._write() as conn:
            await self._upsert(
                conn,
                t.products,
                [
                    {"sku": p.sku, "category": p.category, "streamer_id": p.streamer_id}
                    for p in products
                ],
            )
            for child in (t.product_names, t.product_aliases, t.product_prices):
                await conn.execute(child.delete().where(child.c.sku.in_(skus)))
            names = [
                {"sku": p.sku, "lang": lang, "name": name}
                for p in products
                for lang, name in p.names.items()
            ]
            aliases = [
                {"sku": p.sku, "lang": lang, "alias": alias}
                for p in products
                for lang, words in p.aliases.items()
                for alias in dict.fromkeys(words)
            ]
            prices = [
                {"sku": p.sku, "currency": cur, "amount": amount}
                for p in products
                for cur, amount in p.prices.items()
            ]
            for table, rows in (
                (t.product_names, names),
                (t.product_aliases, aliases),
                (t.product_prices, prices),
            ):
                if rows:
                    await conn.execute(table.insert(), rows)

    async def put_shows(self, shows: Iterable[Show]) -> None:
        rows = [
            {
                "id": s.id,
                "code": s.code,
                "streamer_id": s.streamer_id,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "markets": list(s.markets),
                "languages": list(s.languages),
                "fallback_moderators": list(s.fallback_moderators),
                "featured": list(s.featured),
                "moderators": {lang: list(names) for lang, names in s.moderators.items()},
                "status": s.status.value,
                "titles": dict(s.titles),
            }
            for s in shows
        ]
        async with self._write() as conn:
            await self._upsert(conn, t.shows, rows)

    async def put_exchange_rates(self, rates: Iterable[ExchangeRate]) -> None:
        rows = [
            {"day": r.day, "base": r.base, "currency": r.currency, "rate": r.rate} for r in rates
        ]
        async with self._write() as conn:
            await self._upsert(conn, t.exchange_rates, rows)

    async def add_chat_messages(
        self, messages: Iterable[ChatMessage], mentions: Iterable[Mention] = ()
    ) -> int:
        """Store chat messages, and their mentions, in one transaction; ones already stored
        (same show and id, same mention event) are left as they are. The shows' reserved
        ids are lifted to cover them."""
        messages = list(messages)
        rows = [
            {
                "show_id": m.show_id,
                "id": m.id,
                "ts": m.ts,
                "lang": m.lang,
                "declared_lang": m.declared_lang,
                "user_id": m.user_id,
                "user_name": m.user_name,
                "role": m.role.value,
                "text": m.text,
                "reply_to": m.reply_to,
                "broadcast": m.broadcast,
                "lang_unsure": m.lang_unsure,
                "script": m.script,
            }
            for m in messages
        ]
        tops: dict[str, int] = {}
        for m in messages:
            tops[m.show_id] = max(tops.get(m.show_id, 0), m.id)
        async with self._write() as conn:
            new = await self._insert_new(conn, t.chat_messages, rows, ["show_id", "id"])
            await self._insert_mentions(conn, mentions)
            for show_id, last in tops.items():
                await sequences.cover(conn, show_id, last)
            return new

    async def reserve_chat_ids(self, show_id: str, above: int, count: int) -> int:
        """Reserve `count` more chat ids of a show (above `above` at least), committed
        before any is handed out; the new high-water mark."""
        async with self._write() as conn:
            return await sequences.reserve(conn, show_id, above, count)

    async def release_chat_ids(self, show_id: str, last: int) -> None:
        """A clean stop: ids after `last` were never handed out, all before are stored."""
        async with self._write() as conn:
            await sequences.set_row(conn, show_id, last, clean=True)

    async def chat_sequence(self, show_id: str) -> sequences.Sequence:
        """The show's reserved mark and whether its last process stopped cleanly."""
        async with self._read() as conn:
            return await sequences.read(conn, show_id)

    async def add_mentions(self, mentions: Iterable[Mention]) -> int:
        """Store mentions; the same event (see `mention_event`) is stored once."""
        async with self._write() as conn:
            return await self._insert_mentions(conn, mentions)

    async def _insert_mentions(self, conn: AsyncConnection, mentions: Iterable[Mention]) -> int:
        rows = [
            {
                "show_id": m.show_id,
                "sku": m.sku,
                "source": m.source.value,
                "lang": m.lang,
                "ts": m.ts,
                "message_id": m.message_id,
                "event": mention_event(m),
            }
            for m in mentions
        ]
        return await self._insert_new(conn, t.mentions, rows, ["show_id", "sku", "source", "event"])

    async def add_orders(self, orders: Iterable[Order]) -> int:
        """Store orders, idempotent on the order id; returns how many were new."""
        # The fields are the columns (no dataclasses.asdict: it deep-copies every value).
        fields = [f.name for f in dataclasses.fields(Order)]
        orders = list(orders)
        async with self._write() as conn:
            if self._dialect == "sqlite":  # column by column, no mapping per row
                columns = {name: [getattr(o, name) for o in orders] for name in fields}
                return await bulk.insert_columns_sqlite(conn, t.orders, columns, ["id"])
            rows = [{name: getattr(o, name) for name in fields} for o in orders]
            return await self._insert_new(conn, t.orders, rows, ["id"])

    # -- reads ---------------------------------------------------------------------------

    async def markets(self) -> list[Market]:
        rows = await self._rows(
            sa.select(t.markets).order_by(t.markets.c.weight.desc(), t.markets.c.code)
        )
        return [
            Market(
                code=r.code,
                country=r.country,
                zones=tuple(r.zones),
                languages=tuple(r.languages),
                currency=r.currency,
                weight=r.weight,
                peak_hours=_ranges(r.peak_hours),
                names=dict(r.names),
            )
            for r in rows
        ]

    async def streamers(self) -> list[Streamer]:
        rows = await self._rows(sa.select(t.streamers).order_by(t.streamers.c.id))
        return [
            Streamer(
                id=r.id,
                name=r.name,
                zone=r.zone,
                languages=tuple(r.languages),
                base_currency=r.base_currency,
                available_hours=_ranges(r.available_hours),
                categories=tuple(r.categories),
                names=dict(r.names),
            )
            for r in rows
        ]

    async def products(self) -> list[Product]:
        async with self._read() as conn:
            heads = (await conn.execute(sa.select(t.products).order_by(t.products.c.sku))).all()
            names = (await conn.execute(sa.select(t.product_names))).all()
            aliases = (
                await conn.execute(sa.select(t.product_aliases).order_by(t.product_aliases.c.alias))
            ).all()
            prices = (await conn.execute(sa.select(t.product_prices))).all()
        by_name: dict[str, dict[str, str]] = {}
        for r in names:
            by_name.setdefault(r.sku, {})[r.lang] = r.name
        by_alias: dict[str, dict[str, list[str]]] = {}
        for r in aliases:
            by_alias.setdefault(r.sku, {}).setdefault(r.lang, []).append(r.alias)
        by_price: dict[str, dict[str, Decimal]] = {}
        for r in prices:
            by_price.setdefault(r.sku, {})[r.currency] = r.amount
        return [
            Product(
                sku=h.sku,
                category=h.category,
                streamer_id=h.streamer_id,
                names=by_name.get(h.sku, {}),
                aliases={k: tuple(v) for k, v in by_alias.get(h.sku, {}).items()},
                prices=by_price.get(h.sku, {}),
            )
            for h in heads
        ]

    async def shows(
        self, *, starting_after: datetime | None = None, starting_before: datetime | None = None
    ) -> list[Show]:
        query = sa.select(t.shows).order_by(t.shows.c.starts_at, t.shows.c.id)
        if starting_after is not None:
            query = query.where(t.shows.c.starts_at >= starting_after)
        if starting_before is not None:
            query = query.where(t.shows.c.starts_at < starting_before)
        return [_show(r) for r in await self._rows(query)]

    async def show(self, show_id: str) -> Show | None:
        rows = await self._rows(sa.select(t.shows).where(t.shows.c.id == show_id))
        return _show(rows[0]) if rows else None

    async def chat_messages(
        self,
        show_id: str,
        *,
        after_id: int = 0,
        langs: Iterable[str] | None = None,
        limit: int = 500,
    ) -> list[ChatMessage]:
        """Messages of a show after `after_id`, oldest first, optionally only some languages."""
        c = t.chat_messages.c
        query = sa.select(t.chat_messages).where(c.show_id == show_id, c.id > after_id)
        if langs is not None:
            query = query.where(c.lang.in_(list(langs)))
        rows = await self._rows(query.order_by(c.id).limit(limit))
        return [_chat(r) for r in rows]

    async def recent_chat_messages(self, show_id: str, limit: int) -> list[ChatMessage]:
        """The newest `limit` messages of a show, oldest first (a room's history on start)."""
        c = t.chat_messages.c
        query = (
            sa.select(t.chat_messages)
            .where(c.show_id == show_id)
            .order_by(c.id.desc())
            .limit(limit)
        )
        return [_chat(r) for r in reversed(await self._rows(query))]

    async def last_chat_id(self, show_id: str) -> int:
        c = t.chat_messages.c
        async with self._read() as conn:
            found = await conn.execute(sa.select(sa.func.max(c.id)).where(c.show_id == show_id))
            return int(found.scalar_one() or 0)

    async def erase_chat_messages(self, show_id: str, ids: Iterable[int]) -> None:
        """Delete messages for good: a moderator's delete removes them from history."""
        c = t.chat_messages.c
        async with self._write() as conn:
            await conn.execute(
                t.chat_messages.delete().where(c.show_id == show_id, c.id.in_(list(ids)))
            )

    async def move_chat_message(self, show_id: str, message_id: int, lang: str) -> None:
        """A moderator moved a message to channel `lang`: the message (no longer unsure)
        and the product mentions it made are in that language from now on."""
        c, m = t.chat_messages.c, t.mentions.c
        async with self._write() as conn:
            await conn.execute(
                t.chat_messages.update()
                .where(c.show_id == show_id, c.id == message_id)
                .values(lang=lang, lang_unsure=False)
            )
            await conn.execute(
                t.mentions.update()
                .where(m.show_id == show_id, m.message_id == message_id)
                .values(lang=lang)
            )

    async def add_audit(self, show_id: str, entries: Iterable[dict[str, Any]]) -> None:
        """Append moderation actions to the audit log."""
        rows = [{"show_id": show_id, **entry} for entry in entries]
        if rows:
            async with self._write() as conn:
                await conn.execute(t.moderation_log.insert(), rows)

    async def audit_log(self, show_id: str) -> list[dict[str, Any]]:
        c = t.moderation_log.c
        rows = await self._rows(
            sa.select(t.moderation_log).where(c.show_id == show_id).order_by(c.id)
        )
        return [dict(r._mapping) for r in rows]

    async def put_blocked_terms(self, terms: dict[str, list[str]]) -> None:
        """Replace the blocked terms of the languages given."""
        c = t.blocked_terms.c
        async with self._write() as conn:
            await conn.execute(t.blocked_terms.delete().where(c.lang.in_(list(terms))))
            rows = [
                {"lang": lang, "term": term}
                for lang, words in terms.items()
                for term in dict.fromkeys(words)
            ]
            if rows:
                await conn.execute(t.blocked_terms.insert(), rows)

    async def blocked_terms(self) -> dict[str, list[str]]:
        rows = await self._rows(sa.select(t.blocked_terms).order_by(t.blocked_terms.c.term))
        terms: dict[str, list[str]] = {}
        for r in rows:
            terms.setdefault(r.lang, []).append(r.term)
        return terms

    async def mentions(self, show_id: str) -> list[Mention]:
        c = t.mentions.c
        rows = await self._rows(
            sa.select(t.mentions).where(c.show_id == show_id).order_by(c.ts, c.id)
        )
        return [
            Mention(
                show_id=r.show_id,
                sku=r.sku,
                source=MentionSource(r.source),
                lang=r.lang,
                ts=r.ts,
                message_id=r.message_id,
            )
            for r in rows
        ]

    async def orders(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[Order]:
        """Orders placed in [since, until), oldest first."""
        c = t.orders.c
        query = sa.select(*_order_columns()).order_by(c.ts, c.id)
        if since is not None:
            query = query.where(c.ts >= since)
        if until is not None:
            query = query.where(c.ts < until)
        return await self._orders_streamed(query)

    async def orders_by_id(self, ids: Iterable[str]) -> dict[str, Order]:
        """The stored orders of these ids (to tell a retry from a conflicting order)."""
        wanted, found = sorted(set(ids)), {}
        for start in range(0, len(wanted), 500):  # within every driver's parameter limit
            query = sa.select(t.orders).where(t.orders.c.id.in_(wanted[start : start + 500]))
            found.update({r.id: _order(r) for r in await self._rows(query)})
        return found

    async def orders_for_show(
        self, *refs: str, outside: tuple[datetime, datetime] | None = None
    ) -> list[Order]:
        """Orders that carry one of a show's references (its code or id); with
        `outside=(since, until)`, only those placed outside [since, until)."""
        c = t.orders.c
        query = sa.select(*_order_columns()).where(c.show_ref.in_(refs)).order_by(c.ts, c.id)
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
                found.extend(_order(r) for r in rows)
                await asyncio.sleep(0)
        return found

    async def report_version(self, show_id: str) -> tuple[Any, ...]:
        """What changes when anything a show's report is computed from changes: the
        orders (of any show), the show's mentions and chat,
        the rates, the products (counts and latest keys; those rows are added, chat is
        erased). Cheap aggregate queries, for a cache of computed reports."""
        o, m, ch = t.orders.c, t.mentions.c, t.chat_messages.c
        r = t.exchange_rates.c
        queries = [
            # All orders, not only the show's: two index lookups instead of a scan for
            # the coded ones; an order anywhere makes a new version of every report.
            sa.select(sa.func.count(), sa.func.max(o.ts)),
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

    async def currencies(self) -> set[str]:
        """Every currency a market sells in or an exchange rate names (either side)."""
        rates = t.exchange_rates.c
        query = sa.union(
            sa.select(t.markets.c.currency),
            sa.select(rates.base),
            sa.select(rates.currency),
        )
        return {str(row[0]) for row in await self._rows(query)}

    async def exchange_rates(self, base: str, day: date | None = None) -> list[ExchangeRate]:
        """Rates into `base`: on `day` (the latest known on or before it), else every day."""
        c = t.exchange_rates.c
        query = sa.select(t.exchange_rates).where(c.base == base)
        if day is not None:
            latest = (
                sa.select(c.currency, sa.func.max(c.day).label("day"))
                .where(c.base == base, c.day <= day)
                .group_by(c.currency)
                .subquery()
            )
            query = query.join(
                latest, sa.and_(c.currency == latest.c.currency, c.day == latest.c.day)
            )
        rows = await self._rows(query.order_by(c.day, c.currency))
        return [
            ExchangeRate(day=r.day, base=r.base, currency=r.currency, rate=r.rate) for r in rows
        ]

    async def show_activity(self) -> dict[str, tuple[int, int]]:
        """Per show: how many chat messages and product mentions it has."""
        c, m = t.chat_messages.c, t.mentions.c
        async with self._read() as conn:
            chat = (
                await conn.execute(sa.select(c.show_id, sa.func.count()).group_by(c.show_id))
            ).all()
            said = (
                await conn.execute(sa.select(m.show_id, sa.func.count()).group_by(m.show_id))
            ).all()
        activity = {show: (int(n), 0) for show, n in chat}
        for show, n in said:
            activity[show] = (activity.get(show, (0, 0))[0], int(n))
        return activity

    async def counts(self) -> dict[str, int]:
        """Rows per table: for health, metrics and tests."""
        async with self._read() as conn:
            return {
                table.name: int(
                    (await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one()
                )
                for table in t.metadata.sorted_tables
            }


def _show(r: sa.Row[Any]) -> Show:
    return Show(
        id=r.id,
        code=r.code,
        streamer_id=r.streamer_id,
        starts_at=r.starts_at,
        ends_at=r.ends_at,
        markets=tuple(r.markets),
        languages=tuple(r.languages),
        status=ShowStatus(r.status),
        titles=dict(r.titles),
        fallback_moderators=tuple(r.fallback_moderators),
        featured=tuple(r.featured),
        moderators={lang: tuple(names) for lang, names in r.moderators.items()},
    )


def mention_event(mention: Mention) -> str:
    """What makes a mention one event: the chat message that made it (two messages in
    the same microsecond are two events), else its moment (a pin, a transcript line)."""
    if mention.message_id is not None:
        return f"m{mention.message_id}"
    return "t" + mention.ts.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%f")


def _order_columns() -> list[sa.Column[Any]]:
    """The columns of `orders` that are the fields of Order, in the fields' order."""
    return [t.orders.c[f.name] for f in dataclasses.fields(Order)]


def _order(r: sa.Row[Any]) -> Order:
    return Order(*r)  # type: ignore[call-arg]  # _order_columns: the fields, in order


def _chat(r: sa.Row[Any]) -> ChatMessage:
    row = r._mapping
    return ChatMessage(
        **{
            **row,
            "role": Role(row["role"]),
            "broadcast": bool(row["broadcast"]),
            "lang_unsure": bool(row["lang_unsure"]),
        }
    )
