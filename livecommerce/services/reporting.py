"""Gather a show's mentions, orders, chat and rates from the store, and review it.

The store is read asynchronously (the orders a partition at a time, so the event loop
keeps answering); attribution and the report's aggregation run in a worker thread. A
report is kept per show, currency and window until what it was computed from changes
(`SqlStore.report_version`), and concurrent requests for a report being computed wait
for that one computation.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import datetime, timedelta

from livecommerce.core.attribution import DEFAULT_WINDOW, Rates, attribute
from livecommerce.core.hours import Opening, during
from livecommerce.core.models import (
    ChatMessage,
    ExchangeRate,
    Market,
    Mention,
    Order,
    Product,
    Show,
)
from livecommerce.core.report import Report, build
from livecommerce.errors import UnknownCurrencyError
from livecommerce.store import SqlStore

# Reports kept per store; the least recently asked for goes first.
CACHED_REPORTS = 16


class ReportCache:
    """Reports by (show, currency, window), each with the version of the data it was
    computed from; a report being computed is kept as the task every request awaits."""

    def __init__(self, size: int = CACHED_REPORTS) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[Hashable, asyncio.Task[Report]]] = OrderedDict()
        self.computed = 0  # reports computed rather than found: what the tests count

    async def report(
        self, key: Hashable, version: Hashable, compute: Callable[[], Awaitable[Report]]
    ) -> Report:
        """The report of `key` at `version`: the one kept or being computed, else a new
        computation by `compute`. A failed computation is not kept."""
        entry = self._entries.get(key)
        if entry is None or entry[0] != version:
            task = asyncio.ensure_future(compute())
            self.computed += 1
            entry = (version, task)
            self._entries[key] = entry
            task.add_done_callback(lambda done: self._forget_failed(key, done))
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        self._entries.move_to_end(key)
        # A client that leaves does not cancel the computation the others wait for.
        return await asyncio.shield(entry[1])

    def _forget_failed(self, key: Hashable, task: asyncio.Task[Report]) -> None:
        if task.cancelled() or task.exception() is not None:
            entry = self._entries.get(key)
            if entry is not None and entry[1] is task:
                del self._entries[key]


_caches: weakref.WeakKeyDictionary[SqlStore, ReportCache] = weakref.WeakKeyDictionary()


def cache_of(store: SqlStore) -> ReportCache:
    """The report cache of `store` (one per store object, gone with it)."""
    return _caches.setdefault(store, ReportCache())


def _span(show: Show, window: timedelta) -> tuple[datetime, datetime]:
    """Orders that may belong: from the show's start to the end of its window."""
    return show.starts_at, show.ends_at + window + timedelta(seconds=1)


async def review(
    store: SqlStore,
    show_id: str,
    base_currency: str,
    window: timedelta = DEFAULT_WINDOW,
    opening: Opening | None = None,
) -> Report | None:
    """The post-show report of `show_id`, or None when there is no such show. With an
    `opening` rule, only the chat and mentions of the show's opening hours count.
    `UnknownCurrencyError` when nothing is priced or rated in `base_currency`."""
    show = await store.show(show_id)
    if show is None:
        return None
    known = await store.currencies()
    if base_currency not in known:
        raise UnknownCurrencyError(currency=base_currency, known=", ".join(sorted(known)))
    version = (show, await store.report_version(show.id))
    hours = opening.hours(show) if opening is not None else None
    return await cache_of(store).report(
        (show.id, base_currency, window, hours),
        version,
        lambda: _compute(store, show, base_currency, window, opening),
    )


async def _compute(
    store: SqlStore,
    show: Show,
    base_currency: str,
    window: timedelta,
    opening: Opening | None,
) -> Report:
    mentions = await store.mentions(show.id)
    if opening is not None:
        mentions = during(opening.hours(show), mentions)
    since, until = _span(show, window)
    orders = await store.orders(since=since, until=until)
    # Plus any that carry its code whenever they came.
    coded = await store.orders_for_show(show.code, show.id, outside=(since, until))
    orders, paid_in = await asyncio.to_thread(_merge, orders, coded)
    markets = await store.markets()
    rates = await _rates(store, base_currency, paid_in, markets)
    chat = await store.chat_messages(show.id, limit=1_000_000)
    if opening is not None:
        chat = during(opening.hours(show), chat)
    products = {p.sku: p for p in await store.products()}
    return await asyncio.to_thread(
        _build, show, mentions, orders, chat, rates, products, markets, base_currency, window
    )


def _merge(orders: list[Order], coded: list[Order]) -> tuple[list[Order], set[str]]:
    """The orders of the window and the coded ones, each once; the currencies paid in."""
    seen = {o.id for o in orders}
    merged = orders + [o for o in coded if o.id not in seen]
    return merged, {o.currency for o in merged}


def _build(
    show: Show,
    mentions: Sequence[Mention],
    orders: Sequence[Order],
    chat: Sequence[ChatMessage],
    rates: list[ExchangeRate],
    products: dict[str, Product],
    markets: list[Market],
    base_currency: str,
    window: timedelta,
) -> Report:
    """Attribution and aggregation: the CPU part, run in a worker thread."""
    credits = attribute(show, mentions, orders, Rates(base_currency, rates), window)
    return build(show, credits, mentions, chat, products, markets, base_currency, window)


async def _rates(
    store: SqlStore, base: str, paid_in: set[str], markets: list[Market]
) -> list[ExchangeRate]:
    """The rates into `base`, and where some currency has none, the rates kept in the
    other currencies buyers pay in, for cross rates (the seeds keep rates in CNY only,
    and a seller may ask for the report in EUR)."""
    rates = await store.exchange_rates(base)
    known = {r.currency for r in rates} | {base}
    if paid_in <= known:
        return rates
    for pivot in sorted((paid_in | {m.currency for m in markets}) - {base}):
        rates += await store.exchange_rates(pivot)
    return rates
