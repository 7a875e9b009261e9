"""The store's queries behind the report, on every backend: the orders of a show's
window and code read back exactly, and the version that tells a cached report is stale."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from livecommerce.core.models import Mention, MentionSource, Order
from livecommerce.store import SqlStore, tallies
from livecommerce.store import schema as t
from tests.store.test_contract import SHOW, START, _world


def _order(oid: str, minutes: int, ref: str | None = None) -> Order:
    return Order(
        oid, START + timedelta(minutes=minutes), "LAP", 2, Decimal("1.25"), "KZT", "KZ", "kk", ref
    )


async def test_orders_of_the_window_and_the_code_read_back(store: SqlStore) -> None:
    await _world(store)
    inside, coded_late, coded_inside, other = (
        _order("in", 10),
        _order("late", 60 * 24, ref=SHOW.code),
        _order("coded", 20, ref=SHOW.id),
        _order("other", 60 * 24),
    )
    await store.add_orders([inside, coded_late, coded_inside, other])
    since, until = START, START + timedelta(hours=3)
    assert await store.orders(since=since, until=until) == [inside, coded_inside]
    assert await store.orders_for_show(SHOW.code, SHOW.id) == [coded_inside, coded_late]
    # Outside the window only: the coded orders the window's read did not already hold.
    outside = await store.orders_for_show(SHOW.code, SHOW.id, outside=(since, until))
    assert outside == [coded_late]


async def test_the_report_version_changes_with_orders_mentions_and_chat(
    store: SqlStore,
) -> None:
    await _world(store)
    first = await store.report_version(SHOW.id)
    assert await store.report_version(SHOW.id) == first  # nothing written: the same
    await store.add_orders([_order("a", 5)])
    second = await store.report_version(SHOW.id)
    assert second != first
    await store.add_orders([_order("a", 5)])  # a duplicate adds nothing
    assert await store.report_version(SHOW.id) == second
    await store.add_mentions([Mention(SHOW.id, "LAP", MentionSource.PIN, "ru", START)])
    third = await store.report_version(SHOW.id)
    assert third != second


async def test_the_version_of_a_show_counts_its_orders_only(store: SqlStore) -> None:
    await _world(store)
    refs, span = (SHOW.code, SHOW.id), (START, START + timedelta(hours=3))
    first = await store.report_version(SHOW.id, refs, span)
    await store.add_orders([_order("elsewhere", 60 * 24)])  # after the window, no code
    assert await store.report_version(SHOW.id, refs, span) == first
    await store.add_orders([_order("coded-late", 60 * 48, ref=SHOW.code)])
    second = await store.report_version(SHOW.id, refs, span)
    assert second != first
    await store.add_orders([_order("inside", 10)])
    third = await store.report_version(SHOW.id, refs, span)
    assert third != second
    await store.add_orders([_order("inside", 10)])  # a retry adds nothing
    assert await store.report_version(SHOW.id, refs, span) == third


async def test_the_currencies_of_the_window_and_the_code(store: SqlStore) -> None:
    await _world(store)

    def paid(oid: str, minutes: float, currency: str, ref: str | None = None) -> Order:
        moment = START + timedelta(minutes=minutes)
        return replace(_order(oid, 0, ref), ts=moment, currency=currency)

    await store.add_orders(
        [
            paid("a", 30, "KZT"),
            paid("b", 30, "EUR", ref="OTHER"),  # in the window: read, whatever its show
            paid("c", 5 / 60, "USD"),  # in the minute `since` cuts, before it
            paid("d", 0.5, "RUB"),  # in the minute `since` cuts, after it
            paid("e", 60 * 24, "CNY", ref=SHOW.code),  # coded, a day later
            paid("f", 60 * 24, "KGS"),  # a day later, no code
        ]
    )
    since, until = START + timedelta(seconds=10), START + timedelta(hours=3)
    found = await store.currencies_paid_in((SHOW.code, SHOW.id), since, until)
    assert found == {"KZT", "EUR", "RUB", "CNY"}


async def test_the_migration_tallies_the_stored_orders_as_add_orders_does(
    store: SqlStore,
) -> None:
    prices = ["189000", "12.5", "379.990000", "0.000001", "1000000000000"]
    await store.add_orders(
        replace(_order(f"b{k}", k % 7, ref=[None, SHOW.code][k % 2]), unit_price=Decimal(p))
        for k, p in enumerate(prices * 4)
    )
    assert store._writer is not None
    async with store._writer.begin() as conn:
        kept = (await conn.execute(sa.select(t.order_tallies))).all()
        await conn.execute(t.order_tallies.delete())
        await conn.run_sync(tallies.backfill)
        rebuilt = (await conn.execute(sa.select(t.order_tallies))).all()
    assert sorted(rebuilt) == sorted(kept)
    assert len(kept) > 4
