"""The garbage collection policy: start-up frozen, survivors settled, cycles reclaimed
after closed connections or time; every pause observed. Each test stops its collector,
which gives the test process back CPython's own settings."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from websockets.asyncio.client import connect

from livecommerce.services.collector import RECLAIM, YOUNG_THRESHOLD, Collector
from tests.conftest import SEEDS
from tests.helpers import serve


class Node:
    """An object that can sit in a reference cycle."""

    other: Node | None = None


def cycle() -> tuple[Node, weakref.ref[Node]]:
    """Two objects referring to each other; the weak reference says when they are freed."""
    a, b = Node(), Node()
    a.other, b.other = b, a
    return a, weakref.ref(b)


def examined(obj: object) -> bool:
    """Whether the collector still examines `obj` (it is not frozen)."""
    return any(o is obj for o in gc.get_objects())


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def pauses() -> list[tuple[str, float]]:
    return []


@pytest.fixture
def stopped() -> Iterator[list[Collector]]:
    """Collectors the test started, stopped whatever happens."""
    started: list[Collector] = []
    yield started
    for collector in started:
        collector.stop()
    assert gc.get_freeze_count() == 0


async def test_start_freezes_what_exists_and_settles_survivors(
    pauses: list[tuple[str, float]], stopped: list[Collector]
) -> None:
    before = Node()
    collector = Collector(lambda g, s: pauses.append((g, s)), settle=3600)
    stopped.append(collector)
    collector.start()
    assert not examined(before)
    assert gc.get_threshold()[0] >= YOUNG_THRESHOLD

    after = Node()
    assert examined(after)
    collector.tick()
    assert not examined(after)
    assert collector.settles == 1
    # The start's pass and the settle's were observed as full (generation 2) passes.
    assert [g for g, _ in pauses if g == "2"] == ["2", "2"]
    assert all(seconds >= 0 for _, seconds in pauses)


async def test_a_settle_frees_cycles_that_died_before_it(stopped: list[Collector]) -> None:
    collector = Collector(lambda g, s: None, settle=3600)
    stopped.append(collector)
    collector.start()
    node, ref = cycle()
    del node
    assert ref() is not None  # a cycle is not freed by its reference count
    collector.tick()
    assert ref() is None


async def test_a_frozen_object_still_dies_by_its_reference_count(
    stopped: list[Collector],
) -> None:
    collector = Collector(lambda g, s: None, settle=3600)
    stopped.append(collector)
    collector.start()
    node = Node()
    ref = weakref.ref(node)
    collector.tick()
    assert not examined(node)
    del node
    assert ref() is None


async def test_closed_connections_bring_a_reclaim_of_frozen_cycles(
    pauses: list[tuple[str, float]], stopped: list[Collector]
) -> None:
    closed = [0]
    collector = Collector(
        lambda g, s: pauses.append((g, s)),
        settle=3600,
        reclaim_connections=3,
        closed=lambda: closed[0],
    )
    stopped.append(collector)
    collector.start()
    node, ref = cycle()
    collector.tick()  # frozen while alive
    del node
    collector.tick()
    assert ref() is not None, "a frozen cycle waits for a reclaim"
    closed[0] = 2
    collector.tick()
    assert ref() is not None
    assert collector.reclaims == 0
    closed[0] = 3
    assert collector.reclaim_due()
    collector.tick()
    assert ref() is None
    assert collector.reclaims == 1
    assert [g for g, _ in pauses].count(RECLAIM) == 1
    # Counted again from the reclaim on; the heap is frozen once more.
    assert not collector.reclaim_due()
    assert gc.get_freeze_count() > 0


async def test_time_brings_a_reclaim_too(stopped: list[Collector]) -> None:
    clock = Clock()
    collector = Collector(lambda g, s: None, settle=3600, reclaim_seconds=600, clock=clock)
    stopped.append(collector)
    collector.start()
    node, ref = cycle()
    collector.tick()
    del node
    clock.now += 599
    collector.tick()
    assert ref() is not None
    clock.now += 1
    collector.tick()
    assert ref() is None
    assert collector.reclaims == 1


async def test_it_settles_on_its_own_every_period(stopped: list[Collector]) -> None:
    collector = Collector(lambda g, s: None, settle=0.02)
    stopped.append(collector)
    collector.start()
    await asyncio.sleep(0.2)
    assert collector.settles >= 3
    collector.stop()
    settles = collector.settles
    await asyncio.sleep(0.1)
    assert collector.settles == settles


async def test_stop_gives_back_pythons_own_settings() -> None:
    thresholds = gc.get_threshold()
    collector = Collector(lambda g, s: None, settle=3600)
    collector.start()
    collector.stop()
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == 0
    assert collector._callback not in gc.callbacks


def test_a_settle_period_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Collector(lambda g, s: None, settle=0)


def _args(data: Path, *more: str) -> tuple[str, ...]:
    return ("--port", "0", "--set", "data_dir", str(data), "--set", "seeds_dir", str(SEEDS), *more)


async def _metrics(server: serve.Serving) -> str:
    async with aiohttp.ClientSession() as session, session.get(server.url("/metrics")) as r:
        return await r.text()


def _passes(metrics: str, generation: str) -> float:
    line = f'livecommerce_gc_pause_seconds_count{{generation="{generation}"}} '
    found = [row for row in metrics.splitlines() if row.startswith(line)]
    return float(found[0].split()[-1]) if found else 0.0


async def test_serve_settles_and_reports_the_pauses(tmp_path: Path) -> None:
    async with serve.served({}, *_args(tmp_path / "var", "--set", "gc_settle", "0.1")) as server:
        first = _passes(await _metrics(server), "2")
        await asyncio.sleep(0.5)
        second = _passes(await _metrics(server), "2")
    assert first >= 1  # start-up's pass before the freeze
    assert second >= first + 3  # a settle every 0.1 s


async def test_serve_without_settling_keeps_pythons_collector(tmp_path: Path) -> None:
    async with serve.served({}, *_args(tmp_path / "var", "--set", "gc_settle", "0")) as server:
        await asyncio.sleep(0.3)
        metrics = await _metrics(server)
    assert "livecommerce_gc_pause_seconds" in metrics  # described, not observed
    assert _passes(metrics, "2") == 0


async def test_serve_reclaims_after_closed_chat_connections(tmp_path: Path) -> None:
    args = _args(
        tmp_path / "var",
        *("--set", "gc_settle", "0.1", "--set", "gc_reclaim_connections", "3"),
    )
    async with serve.served({}, *args) as server:
        url = server.url("/ws/streams/khorgos-it-2026-11-20?lang=ru").replace("http", "ws", 1)
        await asyncio.sleep(0.3)
        assert _passes(await _metrics(server), RECLAIM) == 0
        for _ in range(3):
            async with connect(url) as ws:
                await ws.recv()  # hello
        await asyncio.sleep(0.5)
        assert _passes(await _metrics(server), RECLAIM) == 1
