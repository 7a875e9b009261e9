"""A slow consumer and a flood of 10,000 bad frames on one process do not slow the room
on the other.

Two real `serve` processes share the show through Redis. On A: a viewer that stops
reading (its buffers fill until A closes it with 1013) and ten connections sending 1,000
malformed frames each (each answered with an `error`, the thousandth closing the
connection with 1008, `abuse_limit` being 999). Meanwhile on B two people talk in long
messages, and every message they send is acknowledged and reaches every reader on B,
and the healthy reader on A, in order.

"Does not slow" is counted, not timed: nothing is late enough to be dropped or closed,
and no reader misses a message. No latency is asserted (speed is the benchmarks' job).
"""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from tests.conftest import REDIS_TEST_URL
from tests.faults.processes import Launcher, Reader, participant
from tests.helpers.serve import Serving

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

ABUSERS = 10
FRAMES = 1000  # each abuser's: 10,000 in all
# Malformed every way the parser knows: not JSON, not an object, unknown type, missing
# or wrong fields, text over max_text, invalid UTF-8 in a binary frame.
BAD: list[str | bytes] = [
    "{nope",
    "[1, 2, 3]",
    json.dumps({"type": "dance"}),
    json.dumps({"type": "chat"}),
    json.dumps({"type": "chat", "text": 42}),
    json.dumps({"type": "chat", "text": "x" * 4001}),
    json.dumps({"type": "subscribe", "langs": "kk"}),
    b"\xff\xfe\xfd",
]
# Long messages of four-byte characters fill a stopped reader's buffers in a few
# hundred frames (a few megabytes on loopback).
TEXT = "😀" * 3990
ROUND = 10  # messages in flight at once from one sender


def _sample(metrics: str, name: str) -> float:
    """The sum of a metric's samples (over its labels) in Prometheus text."""
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith(name) and not line.startswith("#")
    )


async def metrics(session: aiohttp.ClientSession, server: Serving) -> str:
    async with session.get(server.url("/metrics")) as response:
        assert response.status == 200
        return await response.text()


async def abuse(server: Serving, user: str) -> tuple[int | None, int]:
    """Send FRAMES malformed frames; the close code and the `error` frames answered."""
    abuser = Reader(await participant(server, user, "kk"))
    for n in range(FRAMES):
        await abuser.client.send(BAD[n % len(BAD)])
    code = await abuser.ended(wait=30)
    return code, sum(1 for f in abuser.frames if f["type"] == "error")


async def test_a_slow_consumer_and_a_flood_on_one_process_do_not_slow_the_room_on_the_other(
    launcher: Launcher, pg_url: str, redis_prefix: str
) -> None:
    shared = {
        "database_url": pg_url,
        "redis_url": REDIS_TEST_URL,
        "redis_prefix": redis_prefix,
        "max_text": 4000,
        "chat_history": 100,
    }
    a = await launcher.serve("a", send_queue=20, abuse_limit=FRAMES - 1, **shared)
    b = await launcher.serve("b", seed_on_start=False, **shared)

    # A viewer on A that reads its hello and never again: websockets stops taking data
    # off its socket once one frame waits unread.
    slow = await participant(a, "u-slow", "kk", max_queue=1)
    healthy_a = Reader(await participant(a, "u-healthy-a", "kk"))
    readers_b = [Reader(await participant(b, f"u-reader-b{n}", "kk")) for n in range(2)]
    senders = [await participant(b, f"u-sender-b{n}", "kk") for n in range(2)]

    flood = [asyncio.create_task(abuse(a, f"u-abuser-{n}")) for n in range(ABUSERS)]
    acked: list[int] = []
    async with aiohttp.ClientSession() as session:
        for round_ in range(200):
            sender = senders[round_ % len(senders)]
            for n in range(ROUND):
                frame = {
                    "type": "chat",
                    "text": f"{n} {TEXT}",
                    "lang": "kk",
                    "ref": f"{round_}-{n}",
                }
                await sender.send(json.dumps(frame, ensure_ascii=False))
            for n in range(ROUND):
                ack = await sender.recv_until("ack", ref=f"{round_}-{n}")
                assert ack["status"] == "sent", ack
                acked.append(ack["id"])
            slowed = _sample(await metrics(session, a), "livecommerce_chat_slow_consumers_total")
            if slowed and all(task.done() for task in flood) and round_ >= 20:
                break
        else:
            pytest.fail("the slow consumer was never closed, or the flood never ended")
        flooded = [await task for task in flood]
        on_a = await metrics(session, a)
        on_b = await metrics(session, b)

    # Everyone but the slow one got every message of the conversation, in order.
    for reader in (*readers_b, healthy_a):
        await reader.until_chat(acked[-1], wait=20)
        assert reader.ids == acked
    assert len(acked) >= 200
    # A closed the slow consumer (1013) and each abuser at its thousandth bad frame (1008),
    # having answered each bad frame.
    code, _ = await slow.closed()
    assert code == 1013
    assert flooded == [(1008, FRAMES)] * ABUSERS
    assert _sample(on_a, "livecommerce_chat_slow_consumers_total") == 1
    assert _sample(on_a, "livecommerce_chat_rejected_total") == ABUSERS * FRAMES
    # B saw none of it: nobody was slow there and nothing was refused.
    assert _sample(on_b, "livecommerce_chat_slow_consumers_total") == 0
    assert _sample(on_b, "livecommerce_chat_rejected_total") == 0

    for client in senders:
        await client.close()
    for reader in (*readers_b, healthy_a):
        await reader.close()
