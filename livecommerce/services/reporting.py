"""Gather a show's mentions, orders, chat and rates from the store, and review it.

The orders come tallied per minute (`SqlStore.order_tallies`, kept as orders are
added): a million orders are a few tens of thousands of tallies, and only the orders
of the minutes where a mention or the window's edge falls are read one by one. The
store is read asynchronously; attribution and the report's aggregation run in a worker
thread. A report is kept per show, currency and window until what it was computed from changes
(`SqlStore.report_version`), and concurrent requests for a report being computed wait
for that one computation (`SharedResults`).
"""

from __future__ import annotations

import asyncio
import weakref
from datetime import datetime, timedelta

from livecommerce.core.attribution import DEFAULT_WINDOW, Rates, Touches, attribute
from livecommerce.core.hours import Opening, during
from livecommerce.core.models import ExchangeRate, Market, Mention, Order, Show
from livecommerce.core.report import Report, Sale, exact_sums, summarize
from livecommerce.core.tallies import tallied_sales
from livecommerce.errors import UnknownCurrencyError
from livecommerce.services.shared_results import SharedResults
from livecommerce.store import SqlStore

# Reports kept per store; the least recently asked for goes first.
CACHED_REPORTS = 16


_caches: weakref.WeakKeyDictionary[SqlStore, SharedResults[Report]] = weakref.WeakKeyDictionary()


def cache_of(store: SqlStore) -> SharedResults[Report]:
    """The report cache of `store` (one per store object, gone with it)."""
    return _caches.setdefault(store, SharedResults(CACHED_REPORTS))


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
    version = (show, await store.report_version(show.id, _refs(show), _span(show, window)))
    hours = opening.hours(show) if opening is not None else None
    return await cache_of(store).get(
        (show.id, base_currency, window, hours),
        version,
        lambda: _compute(store, show, base_currency, window, opening),
    )


def _refs(show: Show) -> tuple[str, str]:
    return show.code, show.id


async def _compute(
    store: SqlStore,
    show: Show,
    base_currency: str,
    window: timedelta,
    opening: Opening | None,
) -> Report:
    """The report from the orders tallied per minute (the store's `order_tallies`),
    reading one by one only the orders of the minutes whose tallies attribution splits
    (`core.tallies`); order by order throughout where the sums would round."""
    mentions = await store.mentions(show.id)
    if opening is not None:
        mentions = during(opening.hours(show), mentions)
    since, until = _span(show, window)
    paid_in = await store.currencies_paid_in(_refs(show), since, until)
    markets = await store.markets()
    rates = Rates(base_currency, await _rates(store, base_currency, paid_in, markets))
    chat = await store.chat_messages(show.id, limit=1_000_000)
    if opening is not None:
        chat = during(opening.hours(show), chat)
    products = {p.sku: p for p in await store.products()}
    tallies = await store.order_tallies(_refs(show), since, until)
    tallied = await asyncio.to_thread(
        tallied_sales, show, tallies, Touches(show, mentions), rates, window
    )
    orders = await store.orders_in(_refs(show), since, until, tallied.split)
    sales = tallied.sales + await asyncio.to_thread(_sales, show, mentions, orders, rates, window)
    if not await asyncio.to_thread(exact_sums, sales, rates):
        # A cross rate rounds each order's amount: the sums depend on their order, so
        # every order is read and credited in time order, as `attribute` does.
        orders = await store.orders(since=since, until=until)
        orders += await store.orders_for_show(*_refs(show), outside=(since, until))
        sales = await asyncio.to_thread(_sales, show, mentions, orders, rates, window)
    return await asyncio.to_thread(
        summarize, show, sales, mentions, chat, products, markets, base_currency, window
    )


def _sales(
    show: Show, mentions: list[Mention], orders: list[Order], rates: Rates, window: timedelta
) -> list[Sale]:
    """The orders credited one by one (`attribute`), each a sale: in a worker thread."""
    return [Sale.of(credit) for credit in attribute(show, mentions, orders, rates, window)]


def _span(show: Show, window: timedelta) -> tuple[datetime, datetime]:
    """Orders that may belong: from the show's start to the end of its window."""
    return show.starts_at, show.ends_at + window + timedelta(seconds=1)


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
