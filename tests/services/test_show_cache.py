"""The show cache: one read per show a second however many lookups, shared while on its
way, a failed or missing read never kept."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from livecommerce.core.models import Show, ShowStatus
from livecommerce.services.show_cache import ShowCache


class Store:
    """Reads counted; each waits for `gate` when one is set."""

    def __init__(self, shows: dict[str, Show]) -> None:
        self.shows = shows
        self.reads = 0
        self.gate: asyncio.Event | None = None
        self.fail: Exception | None = None

    async def show(self, show_id: str) -> Show | None:
        self.reads += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return self.shows.get(show_id)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def show() -> Show:
    starts = datetime(2026, 12, 10, 9, tzinfo=UTC)
    return Show(
        "show-1",
        "KHG",
        "seller",
        starts,
        starts + timedelta(hours=2),
        ("kz",),
        ("kk", "ru"),
        ShowStatus.SCHEDULED,
    )


async def test_a_show_is_read_once_a_ttl(show: Show) -> None:
    store, clock = Store({show.id: show}), Clock()
    cache = ShowCache(store.show, ttl=1.0, clock=clock)
    for _ in range(50):
        assert await cache.get(show.id) == show
    assert store.reads == 1
    changed = replace(show, titles={"en": "renamed"})
    store.shows[show.id] = changed
    clock.now += 0.99
    assert await cache.get(show.id) is show
    clock.now += 0.01
    assert await cache.get(show.id) is changed
    assert store.reads == 2


async def test_lookups_during_a_read_share_it(show: Show) -> None:
    store = Store({show.id: show})
    store.gate = asyncio.Event()
    cache = ShowCache(store.show)
    lookups = [asyncio.create_task(cache.get(show.id)) for _ in range(20)]
    await asyncio.sleep(0.01)
    store.gate.set()
    assert await asyncio.gather(*lookups) == [show] * 20
    assert store.reads == 1


async def test_a_cancelled_lookup_does_not_cancel_the_shared_read(show: Show) -> None:
    store = Store({show.id: show})
    store.gate = asyncio.Event()
    cache = ShowCache(store.show)
    first = asyncio.create_task(cache.get(show.id))
    second = asyncio.create_task(cache.get(show.id))
    await asyncio.sleep(0.01)
    first.cancel()
    store.gate.set()
    assert await second == show
    with pytest.raises(asyncio.CancelledError):
        await first
    assert store.reads == 1


async def test_an_unknown_show_is_looked_for_again(show: Show) -> None:
    store = Store({})
    cache = ShowCache(store.show)
    assert await cache.get(show.id) is None
    store.shows[show.id] = show
    assert await cache.get(show.id) == show
    assert store.reads == 2


async def test_a_failed_read_fails_its_waiters_and_is_not_kept(show: Show) -> None:
    store = Store({show.id: show})
    store.gate = asyncio.Event()
    store.fail = ConnectionError("database down")
    cache = ShowCache(store.show)
    lookups = [asyncio.create_task(cache.get(show.id)) for _ in range(3)]
    await asyncio.sleep(0.01)
    store.gate.set()
    results = await asyncio.gather(*lookups, return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    store.fail = None
    assert await cache.get(show.id) == show
    assert store.reads == 2


async def test_the_least_recently_read_go_first(show: Show) -> None:
    shows = {f"s{n}": replace(show, id=f"s{n}") for n in range(4)}
    store = Store(shows)
    cache = ShowCache(store.show, size=3)
    for n in range(4):
        await cache.get(f"s{n}")
    assert store.reads == 4
    await cache.get("s3")
    await cache.get("s1")
    assert store.reads == 4
    await cache.get("s0")  # pushed out by s3
    assert store.reads == 5
