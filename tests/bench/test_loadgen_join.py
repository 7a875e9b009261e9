"""The load generator's join phase, run in-process against the aiohttp reference relay:
every joiner connects and is timed to its `hello`, while the audience's step delivers
every frame."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator

import pytest

from bench.loadgen import Config, LoadGen
from bench.relay import BENCH, LANGUAGES
from tests.bench.conftest import started_relay

TIMEOUT = 10.0


@pytest.fixture
async def reference() -> AsyncIterator[tuple[str, int]]:
    """The aiohttp reference relay in its own process: its URL and pid."""
    async with started_relay(sys.executable, str(BENCH / "reference_relay.py")) as (address, pid):
        yield f"http://{address}", pid


async def test_joiners_are_timed_to_their_hello_while_the_audience_chats(
    reference: tuple[str, int],
) -> None:
    url, pid = reference
    config = Config(
        url=url,
        stream="khorgos-it-2026-11-20",
        label="reference",
        server_pid=pid,
        viewers=40,
        languages=LANGUAGES,
        moderators=[{"langs": ["kk"]}],
        rates=[],
        join=60,
        join_rate=20,
        join_seconds=1.2,
        drain_seconds=2.0,
        cpu=None,
    )
    result = await LoadGen(config).run()
    join = result["join"]
    assert join["joined"] == 60
    assert join["failures"] == {}
    assert join["closed"] == 0
    hello = join["hello_ms"]
    assert 0 < hello["p50"] <= hello["p99"] <= hello["max"] < TIMEOUT * 1000
    assert len(join["hello_p99_ms_by_fifth"]) == 5
    assert join["rss_joined_kib"] >= join["rss_before_kib"] > 0
    step = join["step"]
    assert step["sent"] == 24  # 20 msg/s for the join's 1.2 s
    assert step["lost"] == 0, step["reason"]
    assert step["received"] == step["expected_deliveries"] > 0
