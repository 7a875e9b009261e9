"""The report from tallied orders is the report of the orders one by one: on generated
shows (orders at mention times and at the window's edges, coded orders long after, prices
of every shape, missing and cross rates, opening hours), on every backend, the report of
`reporting.review` equals, to the last digit and exponent of every Decimal, the one
`core.report.build` makes over `core.attribution.attribute` of every order read."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from livecommerce.core.attribution import Rates, Touches, attribute
from livecommerce.core.hours import Opening, during
from livecommerce.core.models import (
    ChatMessage,
    ExchangeRate,
    HourRange,
    Market,
    Mention,
    MentionSource,
    Order,
    Role,
    Show,
    ShowStatus,
)
from livecommerce.core.report import Report, build
from livecommerce.core.tallies import tallied_sales
from livecommerce.services import reporting
from livecommerce.store import SqlStore
from tests.store.test_contract import PRODUCT, STREAMER

DAY0 = datetime(2026, 3, 2, tzinfo=UTC)
SKUS = ["LAP", "SSD", "TAB", "KET"]
LANGS = ["kk", "ru", "zh", "ug"]
BUYERS = [("KZ", "KZT"), ("CN", "CNY"), ("RU", "RUB"), ("DE", "EUR"), ("US", "USD")]
PRICES = ["189000", "379.99", "379.90", "12.5", "0.000001", "100", "0", "2899.000001"]
HUGE = "1000000000000"  # its millionths times a few orders pass SQLite's integers
MARKETS = [
    Market("KZ", "KZ", ("Asia/Almaty",), ("kk", "ru"), "KZT", 0.5, (HourRange(19, 23),)),
    Market("CN", "CN", ("Asia/Shanghai",), ("zh",), "CNY", 0.2, (HourRange(19, 23),)),
    Market("XJ", "CN", ("Asia/Urumqi",), ("ug", "zh"), "CNY", 0.1, (HourRange(19, 23),)),
    Market("EU", "DE", ("Europe/Berlin",), ("en", "ru"), "EUR", 0.2, (HourRange(19, 23),)),
]
SCENARIOS = 24


def _show(n: int, rng: random.Random) -> Show:
    starts = DAY0 + timedelta(days=10 * n, hours=rng.randint(0, 20), minutes=rng.randint(0, 59))
    if rng.random() < 0.5:  # not on a minute
        starts += timedelta(seconds=rng.randint(1, 59), microseconds=rng.randint(0, 999_999))
    return Show(
        f"show-{n}",
        f"CODE{n}",
        STREAMER.id,
        starts,
        starts + timedelta(minutes=rng.randint(3, 20)),
        ("KZ",),
        ("kk", "ru"),
        ShowStatus.FINISHED,
    )


def _window(rng: random.Random) -> timedelta:
    return rng.choice(
        [timedelta(hours=2), timedelta(minutes=rng.randint(1, 9), seconds=rng.randint(0, 59))]
    )


def _mentions(show: Show, skus: list[str], rng: random.Random) -> list[Mention]:
    length = (show.ends_at - show.starts_at).total_seconds()
    mentions = []
    for n in range(rng.randint(0, 14)):
        offset = timedelta(seconds=rng.uniform(-120, length))
        if rng.random() < 0.3:
            offset = timedelta(minutes=int(offset.total_seconds() // 60))  # on a minute
        source = rng.choice(list(MentionSource))
        mentions.append(
            Mention(
                show.id,
                rng.choice(skus),
                source,
                rng.choice(LANGS),
                show.starts_at + offset,
                message_id=n + 1 if source is MentionSource.CHAT else None,
            )
        )
    return mentions


def _moments(show: Show, window: timedelta, mentions: list[Mention]) -> list[datetime]:
    """Where attribution changes: mentions, the window's edges, and around them."""
    end = show.ends_at + window
    edges = [show.starts_at, end, end + timedelta(seconds=1), *(m.ts for m in mentions)]
    tiny = timedelta(microseconds=1)
    return [moment + delta for moment in edges for delta in (-tiny, timedelta(0), tiny)]


def _orders(
    n: int, show: Show, window: timedelta, mentions: list[Mention], rng: random.Random
) -> list[Order]:
    """Orders of a few products, languages and buyers: many to a minute's tally."""
    moments = _moments(show, window, mentions)
    span = min((show.ends_at + window - show.starts_at).total_seconds(), 40 * 60)
    skus = sorted({m.sku for m in mentions}) or SKUS[:2]
    langs, buyers = rng.sample(LANGS, 2), rng.sample(BUYERS, 2)
    orders = []
    for k in range(rng.randint(100, 400)):
        roll = rng.random()
        if roll < 0.25:
            ts = rng.choice(moments)
        elif roll < 0.3:
            ts = show.starts_at + timedelta(days=rng.choice([-3, 2, 5]), seconds=rng.uniform(0, 99))
        else:
            ts = show.starts_at + timedelta(seconds=rng.uniform(-90, span + 90))
        country, currency = rng.choice(buyers)
        ref = rng.choice([None] * 6 + [show.code, show.id, "OTHER"])
        price = HUGE if rng.random() < 0.01 else rng.choice(PRICES)
        orders.append(
            Order(
                f"o{n}-{k}",
                ts,
                rng.choice(skus),
                rng.randint(1, 5),
                Decimal(price),
                currency,
                country,
                rng.choice(langs),
                ref,
            )
        )
    return orders


def _rates(show: Show, rng: random.Random) -> list[ExchangeRate]:
    day = show.starts_at.date()
    rates = []
    for currency, values in (
        ("KZT", ["0.0142", "0.014", "0.01420"]),
        ("RUB", ["0.078", "0.0775"]),
        ("EUR", ["7.8", "7.75", "8"]),
    ):
        for shift in rng.sample([-2, 0, 1, 3], rng.randint(0, 3)):  # some days missing
            rates.append(
                ExchangeRate(
                    day + timedelta(days=shift), "CNY", currency, Decimal(rng.choice(values))
                )
            )
    return rates


def _chat(show: Show, mentions: list[Mention]) -> list[ChatMessage]:
    return [
        ChatMessage(show.id, m.message_id, m.ts, m.lang, "u", "u", Role.VIEWER, "сколько?")
        for m in mentions
        if m.message_id is not None
    ]


async def _reference(
    store: SqlStore, show: Show, base: str, window: timedelta, opening: Opening | None
) -> Report:
    """Today's report the plain way: every order read, attributed and summed one by one."""
    mentions = await store.mentions(show.id)
    chat = await store.chat_messages(show.id, limit=1_000_000)
    if opening is not None:
        mentions = during(opening.hours(show), mentions)
        chat = during(opening.hours(show), chat)
    since, until = show.starts_at, show.ends_at + window + timedelta(seconds=1)
    orders = await store.orders(since=since, until=until)
    coded = await store.orders_for_show(show.code, show.id, outside=(since, until))
    seen = {o.id for o in orders}
    orders += [o for o in coded if o.id not in seen]
    markets = await store.markets()
    paid_in = {o.currency for o in orders}
    rates = Rates(base, await reporting._rates(store, base, paid_in, markets))
    products = {p.sku: p for p in await store.products()}
    credits = attribute(show, mentions, orders, rates, window)
    return build(show, credits, mentions, chat, products, markets, base, window)


async def test_the_tallied_report_is_the_report_of_every_order(store: SqlStore) -> None:
    rng = random.Random(20261205)
    await store.put_markets(MARKETS)
    await store.put_streamers([STREAMER])
    await store.put_products([PRODUCT])
    whole = straddled = fell_back = 0
    for n in range(SCENARIOS):
        show = _show(n, rng)
        window = _window(rng)
        mentions = _mentions(show, rng.sample(SKUS, 2), rng)
        await store.put_shows([show])
        await store.add_chat_messages(_chat(show, mentions), mentions)
        orders = _orders(n, show, window, mentions, rng)
        for start in range(0, len(orders), 40):  # several inserts: tallies added up
            await store.add_orders(orders[start : start + 40])
        await store.add_orders(orders[:10])  # a retry: nothing new
        await store.put_exchange_rates(_rates(show, rng))
        base = rng.choice(["CNY", "CNY", "CNY", "EUR"])
        opening = rng.choice([None, Opening(timedelta(minutes=1), timedelta(minutes=3))])
        fast = await reporting.review(store, show.id, base, window, opening)
        expected = await _reference(store, show, base, window, opening)
        assert fast == expected, n
        assert repr(fast) == repr(expected), n  # every Decimal's exponent too
        # What the case exercised: whole tallies, minutes read one by one, cross rates.
        stored = await store.mentions(show.id)
        if opening is not None:
            stored = during(opening.hours(show), stored)
        since, until = show.starts_at, show.ends_at + window + timedelta(seconds=1)
        tallies = await store.order_tallies((show.code, show.id), since, until)
        rates = Rates(base, await store.exchange_rates("CNY"))
        touches = Touches(show, stored)
        tallied = tallied_sales(show, tallies, touches, rates, window)
        whole += any(sale.orders > 1 for sale in tallied.sales)
        straddled += any(
            t.orders > 1 and touches.changes_within(t.sku, t.first, t.last) for t in tallies
        )
        fell_back += any(
            rates.crosses(o.currency, o.ts.date()) for o in orders if o.currency != base
        )
    assert whole > SCENARIOS // 2
    assert straddled > SCENARIOS // 2
    assert fell_back > 0


async def test_tallies_add_up_every_new_order_once(store: SqlStore) -> None:
    show = _show(0, random.Random(1))
    at = show.starts_at.replace(second=0, microsecond=0) + timedelta(minutes=3)
    orders = [
        Order(f"t{k}", at + timedelta(seconds=k), "LAP", k, Decimal(p), "KZT", "KZ", "kk")
        for k, p in enumerate(["189000", "12.5", "379.990000"], start=1)
    ]
    lmt = timezone(timedelta(hours=5, minutes=7, seconds=40))  # an offset in seconds
    orders[1] = replace(orders[1], ts=orders[1].ts.astimezone(lmt))
    await store.add_orders(orders[:2])
    await store.add_orders(orders)  # two already there
    [tally] = await store.order_tallies(("X",), at, at + timedelta(minutes=1))
    assert (tally.minute, tally.first, tally.last) == (at, orders[0].ts, orders[2].ts)
    assert (tally.orders, tally.units) == (3, 6)
    assert tally.amount == Decimal("189000") + Decimal("25") + Decimal("1139.97")
    assert not tally.coded
