"""The store's queries behind the report, on every backend: the orders of a show's
window and code read back exactly, and the version that tells a cached report is stale."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from livecommerce.core.models import Mention, MentionSource, Order
from livecommerce.store import SqlStore
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
