"""The report of a large show over real HTTP: computed off the event loop (the server
keeps answering while it runs), kept until the show's data changes, and computed once
for concurrent requests."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import aiohttp

from livecommerce.core.models import MentionSource, Order
from livecommerce.services.reporting import cache_of
from tests.conftest import Server
from tests.web.test_reports import CODE, SHOW, STARTS, report

LARGE = 100_000


def orders(count: int, seed: int = 11, prefix: str = "BIG") -> list[Order]:
    """`count` orders of the show: most in its time, some by its code only."""
    rng = random.Random(seed)
    skus = ["IT-TAB-11", "IT-LAP-14", "IT-SSD-1T", "HOME-KET-01"]
    return [
        Order(
            id=f"{prefix}-{n}",
            ts=STARTS + timedelta(seconds=rng.uniform(0, 4 * 3600)),
            sku=rng.choice(skus),
            qty=rng.randint(1, 3),
            unit_price=Decimal(rng.randint(1000, 200000)),
            currency=rng.choice(["KZT", "RUB", "CNY", "UZS"]),
            buyer_country=rng.choice(["KZ", "RU", "CN", "UZ"]),
            buyer_lang=rng.choice(["kk", "ru", "zh", "uz"]),
            show_ref=CODE if rng.random() < 0.3 else None,
        )
        for n in range(count)
    ]


async def test_healthz_answers_while_a_large_report_is_computed(server: Server) -> None:
    store = server.services.store
    many = orders(LARGE)
    for start in range(0, LARGE, 10_000):
        await store.add_orders(many[start : start + 10_000])
    round_trips: list[float] = []
    async with aiohttp.ClientSession() as session:

        async def healthz() -> None:
            started = time.perf_counter()
            async with session.get(server.url("/healthz")) as response:
                assert response.status == 200
                await response.read()
            round_trips.append(time.perf_counter() - started)

        computing = asyncio.ensure_future(report(server))
        before_done = 0
        while not computing.done():
            await healthz()
            before_done += computing.done() is False
            await asyncio.sleep(0.02)
        body = await computing
    assert body["totals"]["orders"] >= LARGE * 0.3  # the coded ones at least
    # The server answered again and again while the report was being computed (on the
    # event loop, the first answer waited for the whole report), and promptly: the
    # issue's bound is 100 ms, held by the median; single answers on a loaded machine
    # (a garbage collection, another process on the core) are given slack.
    assert before_done >= 3, round_trips
    assert statistics.median(round_trips) < 0.1, round_trips
    assert max(round_trips) < 2.0, round_trips
    assert cache_of(store).computed == 1


async def test_a_second_request_is_served_from_the_cache(server: Server) -> None:
    cache = cache_of(server.services.store)
    first = await report(server)
    computed = cache.computed
    assert await report(server) == first
    assert cache.computed == computed


async def test_concurrent_requests_share_one_computation(server: Server) -> None:
    cache = cache_of(server.services.store)
    bodies = await asyncio.gather(*(report(server) for _ in range(5)))
    assert all(body == bodies[0] for body in bodies)
    assert cache.computed == 1


async def test_a_new_order_or_mention_makes_a_new_report(server: Server) -> None:
    cache = cache_of(server.services.store)
    first = await report(server)
    [late] = orders(1, seed=3, prefix="LATE")
    await server.services.store.add_orders([late])
    second = await report(server)
    assert second["totals"]["orders"] == first["totals"]["orders"] + 1
    server.services.mentions.record(
        SHOW, ["IT-TAB-11"], MentionSource.PIN, "ru", STARTS + timedelta(minutes=91)
    )
    third = await report(server)
    assert cache.computed == 3
    assert _pins(third) == _pins(second) + 1
    # Another currency is another report.
    await report(server, "?currency=EUR")
    assert cache.computed == 4


def _pins(body: dict[str, Any]) -> int:
    line = {p["sku"]: p for p in body["products"]}["IT-TAB-11"]
    pins: int = line["mentions"].get("pin", 0)
    return pins
