"""The store's contract, run against every backend (SQLite file and PostgreSQL)."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from livecommerce.app import open_store
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
from livecommerce.core.orders import differences
from livecommerce.errors import StoreError
from livecommerce.store import SqlStore
from livecommerce.store.schema import metadata
from tests.helpers.ports import refused_port

START = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)

MARKET = Market(
    code="KZ",
    country="KZ",
    zones=("Asia/Almaty",),
    languages=("kk", "ru"),
    currency="KZT",
    weight=0.3,
    peak_hours=(HourRange(19, 23), HourRange(12, 14)),
    names={"kk": "Қазақстан", "ru": "Казахстан"},
)
STREAMER = Streamer(
    id="khorgos-it",
    name="Khorgos IT Studio",
    zone="Asia/Urumqi",
    languages=("zh", "ru"),
    base_currency="CNY",
    available_hours=(HourRange(10, 23),),
    categories=("it",),
    names={"zh": "霍尔果斯IT工作室"},
)
PRODUCT = Product(
    sku="IT-LAP-14",
    category="it",
    streamer_id="khorgos-it",
    names={"ru": "Ноутбук 14 дюймов", "ug": "14 دىيۇملۇق نوتبۇك", "zh": "14英寸笔记本电脑"},
    aliases={"ru": ("ноут", "ноутбук"), "zh": ("笔记本",)},
    prices={"KZT": Decimal("189000"), "EUR": Decimal("379.99"), "CNY": Decimal("2899")},
)
SHOW = Show(
    id="kit-1120",
    code="KIT1120",
    streamer_id="khorgos-it",
    starts_at=START,
    ends_at=START + timedelta(hours=2),
    markets=("KZ",),
    languages=("kk", "ru"),
    status=ShowStatus.FINISHED,
    titles={"ru": "Ноутбуки", "en": "Laptops"},
    fallback_moderators=("ru",),
)


async def _world(store: SqlStore) -> None:
    await store.put_markets([MARKET])
    await store.put_streamers([STREAMER])
    await store.put_products([PRODUCT])
    await store.put_shows([SHOW])


async def test_migrations_build_exactly_the_schema(store: SqlStore) -> None:
    """Alembic's migrations and schema.py describe the same tables."""
    assert store._writer is not None
    async with store._writer.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )
    assert diff == []


async def test_starting_twice_is_harmless(store_url: str) -> None:
    for _ in range(2):
        opened = open_store(store_url)
        await opened.start()
        assert await opened.ping()
        await opened.close()


async def test_round_trip_of_every_record(store: SqlStore) -> None:
    await _world(store)
    assert await store.markets() == [MARKET]
    assert await store.streamers() == [STREAMER]
    [product] = await store.products()
    assert product.names == PRODUCT.names
    assert product.aliases == {"ru": ("ноут", "ноутбук"), "zh": ("笔记本",)}
    assert product.prices == {"KZT": Decimal(189000), "EUR": Decimal("379.99"), "CNY": 2899}
    assert await store.show("kit-1120") == SHOW
    assert await store.show("missing") is None


async def test_times_come_back_aware_in_utc(store: SqlStore) -> None:
    await _world(store)
    almaty_evening = datetime(2026, 11, 20, 19, 0, tzinfo=timezone(timedelta(hours=5)))
    await store.put_shows([_moved(SHOW, almaty_evening)])
    show = await store.show("kit-1120")
    assert show is not None
    assert show.starts_at.tzinfo is not None
    assert show.starts_at.utcoffset() == timedelta(0)
    assert show.starts_at == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


async def test_naive_times_are_refused(store: SqlStore) -> None:
    await _world(store)
    naive = _moved(SHOW, datetime(2026, 11, 20, 13, 0))  # noqa: DTZ001 - the point of the test
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        await store.put_shows([naive])


def _moved(show: Show, start: datetime) -> Show:
    return replace(show, starts_at=start, ends_at=start + timedelta(hours=2))


async def test_upserts_replace_what_they_name(store: SqlStore) -> None:
    await _world(store)
    renamed = replace(
        PRODUCT, names={"ru": "Ноутбук"}, aliases={"kk": ("ноутбук",)}, prices={"KZT": Decimal(1)}
    )
    await store.put_products([renamed])
    [product] = await store.products()
    assert product.names == {"ru": "Ноутбук"}
    assert product.aliases == {"kk": ("ноутбук",)}
    assert product.prices == {"KZT": Decimal(1)}
    await store.put_markets([replace(MARKET, weight=0.5)])
    assert [m.weight for m in await store.markets()] == [0.5]


async def test_orders_are_idempotent_on_their_id(store: SqlStore) -> None:
    order = Order(
        id="ORD-1",
        ts=START + timedelta(minutes=30),
        sku="IT-LAP-14",
        qty=2,
        unit_price=Decimal("189000"),
        currency="KZT",
        buyer_country="KZ",
        buyer_lang="kk",
        show_ref="KIT1120",
    )
    assert await store.add_orders([order]) == 1
    assert await store.add_orders([order, order]) == 0
    assert await store.orders() == [order]
    assert await store.orders(since=START + timedelta(hours=1)) == []


async def test_a_batch_of_new_and_stored_orders_counts_only_the_new(store: SqlStore) -> None:
    """The count `orders import` tells new rows from retries and conflicts by (on SQLite
    the driver's rowcount of one INSERT … ON CONFLICT DO NOTHING, on PostgreSQL
    RETURNING); a stored order is never replaced, and times written by the batch insert
    compare with the bounds of a query to the microsecond."""
    when = START + timedelta(minutes=5, microseconds=250)
    first = [
        Order(
            f"MIX-{i}",
            when + timedelta(seconds=i),
            "IT-LAP-14",
            1,
            Decimal("10"),
            "KZT",
            "KZ",
            "kk",
            None,
        )
        for i in range(5)
    ]
    assert await store.add_orders(first[:3]) == 3
    changed = dataclasses.replace(first[1], qty=7)  # a conflict: the stored one stays
    assert await store.add_orders([first[0], changed, *first[3:]]) == 2
    assert await store.orders() == first
    assert await store.orders(since=when + timedelta(seconds=1)) == first[1:]
    assert await store.orders(until=when + timedelta(seconds=1)) == first[:1]
    assert await store.add_orders([]) == 0


async def test_orders_by_id_give_the_stored_orders_to_compare(store: SqlStore) -> None:
    orders = [
        Order(f"ORD-{i}", START, "IT-LAP-14", 1, Decimal("379.5"), "KZT", "KZ", "kk", None)
        for i in range(1200)  # more than one query's worth of ids
    ]
    assert await store.add_orders(orders) == 1200
    wanted = [f"ORD-{i}" for i in range(0, 1300, 3)]
    found = await store.orders_by_id(iter(wanted))
    assert sorted(found) == sorted(i for i in wanted if int(i[4:]) < 1200)
    assert found["ORD-999"] == orders[999]
    assert differences(orders[999], found["ORD-999"]) == []
    assert await store.orders_by_id([]) == {}


async def test_chat_and_mentions_are_stored_once(store: SqlStore) -> None:
    await _world(store)
    message = ChatMessage(
        show_id="kit-1120",
        id=1,
        ts=START + timedelta(minutes=1),
        lang="ru",
        user_id="u-1",
        user_name="Айгерим",
        role=Role.VIEWER,
        text="Сколько стоит ноут?",
    )
    second = ChatMessage(
        show_id="kit-1120",
        id=2,
        ts=START + timedelta(minutes=2),
        lang="kk",
        user_id="mod-kk",
        user_name="Дана",
        role=Role.MODERATOR,
        text="189 000 ₸",
        reply_to=1,
    )
    mention = Mention(
        show_id="kit-1120",
        sku="IT-LAP-14",
        source=MentionSource.CHAT,
        lang="ru",
        ts=message.ts,
        message_id=1,
    )
    assert await store.add_chat_messages([message, second]) == 2
    assert await store.add_chat_messages([message]) == 0
    assert await store.add_mentions([mention]) == 1
    assert await store.add_mentions([mention]) == 0
    assert await store.chat_messages("kit-1120") == [message, second]
    assert await store.chat_messages("kit-1120", after_id=1) == [second]
    assert await store.chat_messages("kit-1120", langs=["kk"]) == [second]
    assert await store.mentions("kit-1120") == [mention]
    assert await store.show_activity() == {"kit-1120": (2, 1)}


async def test_a_moved_message_and_its_mentions_take_the_new_language(store: SqlStore) -> None:
    await _world(store)
    unsure = ChatMessage(
        show_id="kit-1120",
        id=7,
        ts=START + timedelta(minutes=1),
        lang="kk",
        user_id="g-1",
        user_name="Гость",
        role=Role.VIEWER,
        text="noutbuk zor ekan",
        lang_unsure=True,
        script="Latn",
    )
    mention = Mention("kit-1120", "IT-LAP-14", MentionSource.CHAT, "kk", unsure.ts, 7)
    await store.add_chat_messages([unsure], [mention])
    assert await store.chat_messages("kit-1120") == [unsure]
    await store.move_chat_message("kit-1120", 7, "uz")
    assert await store.chat_messages("kit-1120") == [replace(unsure, lang="uz", lang_unsure=False)]
    assert [m.lang for m in await store.mentions("kit-1120")] == ["uz"]


async def test_exchange_rate_is_the_latest_on_or_before_the_day(store: SqlStore) -> None:
    rates = [
        ExchangeRate(date(2026, 11, 18), "CNY", "KZT", Decimal("0.0142")),
        ExchangeRate(date(2026, 11, 20), "CNY", "KZT", Decimal("0.0143")),
        ExchangeRate(date(2026, 11, 19), "CNY", "EUR", Decimal("7.71")),
    ]
    await store.put_exchange_rates(rates)
    on_21 = await store.exchange_rates("CNY", date(2026, 11, 21))
    assert {(r.currency, r.rate) for r in on_21} == {
        ("KZT", Decimal("0.0143")),
        ("EUR", Decimal("7.71")),
    }
    on_18 = await store.exchange_rates("CNY", date(2026, 11, 18))
    assert [(r.currency, r.rate) for r in on_18] == [("KZT", Decimal("0.0142"))]
    assert len(await store.exchange_rates("CNY")) == 3
    # Every currency named by a rate, on either side (and by a market, below).
    assert {"CNY", "KZT", "EUR"} <= await store.currencies()


async def test_currencies_are_those_of_markets_and_rates(store: SqlStore) -> None:
    known = await store.currencies()
    await store.put_exchange_rates([ExchangeRate(date(2026, 11, 18), "ABC", "XYZ", Decimal(2))])
    assert await store.currencies() == known | {"ABC", "XYZ"}


async def test_unknown_streamer_is_refused(store: SqlStore) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        await store.put_shows([replace(SHOW, streamer_id="nobody")])


async def test_unreachable_database_is_one_clear_error(tmp_path: object) -> None:
    url = f"postgresql://nobody@127.0.0.1:{refused_port()}/none"
    store = open_store(url)
    with pytest.raises(StoreError) as caught:
        await store.start()
    message = caught.value.message()
    assert message.startswith(f"database {url} is not usable:")
    assert "\n" not in message


async def test_password_never_appears_in_errors() -> None:
    store = open_store(f"postgresql://user:s3cret@127.0.0.1:{refused_port()}/none")
    with pytest.raises(StoreError) as caught:
        await store.start()
    assert "s3cret" not in caught.value.message()
    assert "***" in caught.value.message()


async def test_a_mention_is_one_event_per_message_or_moment(store: SqlStore) -> None:
    await _world(store)
    moment = START + timedelta(minutes=5)
    first = Mention("kit-1120", "IT-LAP-14", MentionSource.CHAT, "kk", moment, message_id=7)
    second = replace(first, message_id=8)  # another message in the same microsecond
    pin = Mention("kit-1120", "IT-LAP-14", MentionSource.PIN, "ru", moment)
    assert await store.add_mentions([first, second, pin]) == 3
    assert await store.add_mentions([first, second, pin]) == 0
    assert len(await store.mentions("kit-1120")) == 3
