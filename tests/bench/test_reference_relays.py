"""The benchmark's reference relays speak the bench's protocol alike: one contract run
against bench/reference_relay.py (aiohttp) and bench/reference_relay.js (Node.js, `ws`).

Each relay runs as its own process on a port the OS picks; real `websockets` clients
join language groups, chat, and check the acks and who gets what. The Node relay's case
is skipped when `node` or the `ws` package (`make bench-deps`, which `make test` runs) is
absent, and fails under CI=true like every other missing part.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from bench.relay import BENCH, node_missing
from tests.bench.conftest import started_relay
from tests.conftest import unavailable

TIMEOUT = 10.0  # the longest a test waits for the relay to start or for one frame
STREAM = "khorgos-it-2026-11-20"


@pytest.fixture(params=["aiohttp", "node"])
async def relay(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A reference relay in its own process: its websocket base URL."""
    if request.param == "node":
        missing = node_missing()
        if missing:
            unavailable(f"the Node.js reference relay cannot run on this machine: {missing}")
        argv = ["node", str(BENCH / "reference_relay.js")]
    else:
        argv = [sys.executable, str(BENCH / "reference_relay.py")]
    async with started_relay(*argv) as (address, _):
        yield f"ws://{address}/ws/streams/{STREAM}"


async def receive(client: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(TIMEOUT):
        frame: dict[str, Any] = json.loads(await client.recv())
    return frame


async def join(url: str, query: str) -> ClientConnection:
    client = await connect(f"{url}?{query}")
    hello = await receive(client)
    assert hello["type"] == "hello"
    return client


async def test_chat_is_acknowledged_and_reaches_only_its_language(relay: str) -> None:
    sender = await join(relay, "lang=kk,ru&name=Айгерим")
    russian = await join(relay, "lang=ru")
    unnamed = await join(relay, "")  # no language: ru
    kazakh = await join(relay, "lang=kk")
    chinese = await join(relay, "lang=zh")
    try:
        question = {"type": "chat", "text": "Сколько?", "lang": "ru", "ref": "a"}
        await sender.send(json.dumps(question))
        mine, ack = await receive(sender), await receive(sender)
        assert (mine["type"], mine["lang"], mine["text"]) == ("chat", "ru", "Сколько?")
        assert mine["user"]["name"] == "Айгерим"
        assert ack == {"type": "ack", "id": mine["id"], "status": "sent", "ref": "a"}
        for reader in (russian, unnamed):
            assert await receive(reader) == mine

        # Junk is ignored; a language the sender does not read goes to its first one; a
        # ref that is not a string is not echoed.
        await sender.send("{nope")
        await sender.send(b"\x00binary")
        await sender.send(json.dumps({"type": "chat", "text": "Қанша?", "lang": "zh", "ref": 7}))
        second, ack = await receive(sender), await receive(sender)
        assert second["lang"] == "kk"
        assert second["id"] > mine["id"]
        assert ack == {"type": "ack", "id": second["id"], "status": "sent"}
        # The Kazakh reader's first frame is the kk message: the ru one never came.
        assert await receive(kazakh) == second

        await chinese.send(json.dumps({"type": "chat", "text": "多少钱？", "lang": "zh"}))
        own = await receive(chinese)
        # The Chinese reader's first frame is its own: neither the ru nor the kk one came.
        assert (own["lang"], own["text"]) == ("zh", "多少钱？")
        assert own["id"] > second["id"]
        assert (await receive(chinese))["type"] == "ack"
    finally:
        for client in (sender, russian, unnamed, kazakh, chinese):
            await client.close()
