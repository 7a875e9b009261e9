"""Gather a show's mentions, orders, chat and rates from the store, and review it."""

from __future__ import annotations

from datetime import timedelta

from livecommerce.core.attribution import DEFAULT_WINDOW, Rates, attribute
from livecommerce.core.models import ExchangeRate, Market
from livecommerce.core.report import Report, build
from livecommerce.store import SqlStore


async def review(
    store: SqlStore, show_id: str, base_currency: str, window: timedelta = DEFAULT_WINDOW
) -> Report | None:
    """The post-show report of `show_id`, or None when there is no such show."""
    show = await store.show(show_id)
    if show is None:
        return None
    mentions = await store.mentions(show.id)
    # Orders that may belong: from the show's start to the end of its window, plus any
    # that carry its code whenever they came.
    orders = await store.orders(
        since=show.starts_at, until=show.ends_at + window + timedelta(seconds=1)
    )
    in_window = set(orders)
    coded = [o for o in await store.orders_for_show(show.code, show.id) if o not in in_window]
    markets = await store.markets()
    rates = Rates(
        base_currency,
        await _rates(store, base_currency, {o.currency for o in [*orders, *coded]}, markets),
    )
    credits = attribute(show, mentions, [*orders, *coded], rates, window)
    chat = await store.chat_messages(show.id, limit=1_000_000)
    products = {p.sku: p for p in await store.products()}
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
