"""Gather a show's mentions, orders, chat and rates from the store, and review it."""

from __future__ import annotations

from datetime import timedelta

from livecommerce.core.attribution import DEFAULT_WINDOW, Rates, attribute
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
    coded = [o for o in await store.orders_for_show(show.code, show.id) if o not in orders]
    rates = Rates(base_currency, await store.exchange_rates(base_currency))
    credits = attribute(show, mentions, [*orders, *coded], rates, window)
    chat = await store.chat_messages(show.id, limit=1_000_000)
    products = {p.sku: p for p in await store.products()}
    return build(
        show, credits, mentions, chat, products, await store.markets(), base_currency, window
    )
