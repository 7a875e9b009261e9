"""The event loop's lag: a deliberate blocking call shows up, a quiet loop stays small."""

from __future__ import annotations

import asyncio
import re
import time

import aiohttp
import pytest

from livecommerce.services.loop_lag import LoopLagMonitor, watching
from tests.conftest import Server


async def test_a_blocking_call_is_measured_as_lag() -> None:
    seen: list[float] = []
    async with watching(seen.append, interval=0.01):
        await asyncio.sleep(0.05)
        time.sleep(0.3)  # noqa: ASYNC251 - holds the loop, as a blocking call would
        await asyncio.sleep(0.05)
    assert max(seen) >= 0.25
    # Only the sample the block delayed is late; the others run about on time.
    assert sorted(seen)[-2] < 0.25


async def test_a_stopped_monitor_observes_nothing_more() -> None:
    seen: list[float] = []
    monitor = LoopLagMonitor(seen.append, interval=0.01)
    monitor.start()
    await asyncio.sleep(0.05)
    monitor.stop()
    count = len(seen)
    assert count >= 1
    await asyncio.sleep(0.05)
    assert len(seen) == count


def test_an_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        LoopLagMonitor(lambda lag: None, interval=0)


def _over(body: str, bound: str) -> float:
    """The count of samples later than `bound` seconds in the /metrics text."""
    total = float(re.search(r"livecommerce_event_loop_lag_seconds_count (\S+)", body)[1])  # type: ignore[index]
    below = float(
        re.search(rf'livecommerce_event_loop_lag_seconds_bucket{{le="{bound}"}} (\S+)', body)[1]  # type: ignore[index]
    )
    return total - below


async def test_the_server_reports_a_stall_on_metrics(server: Server) -> None:
    async def metrics() -> str:
        async with aiohttp.ClientSession() as session, session.get(server.url("/metrics")) as r:
            return await r.text()

    await asyncio.sleep(0.2)
    before = _over(await metrics(), "0.25")
    time.sleep(0.4)  # noqa: ASYNC251 - the server shares this loop: its timer is late
    await asyncio.sleep(0.1)
    after = _over(await metrics(), "0.25")
    assert after == before + 1
