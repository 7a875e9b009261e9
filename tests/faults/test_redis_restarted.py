"""Redis restarted during a show.

Two real `serve` processes share a show through a Redis of the test's own (a
`redis-server` on a free port, without persistence), which the test kills and starts
again: it comes back empty, as a Redis that lost its memory does. Counted:

- no process crashes (both answer, and stop cleanly at the end);
- every client is told (`notice` `bus_lost`, then `bus_connected`);
- meanwhile each process still delivers its own members' messages to its own members;
- back, messages cross between the processes again with ids above every id given out
  meanwhile, and a client that moves to the other process resumes with `?since=`;
- a resume from before the outage is answered `recovered: false` (the gap is told);
- every acknowledged message is stored.

While Redis is down each process numbers its messages in a range of its own (its rank
in millions above the last id), so no two messages share an id (the second test).
"""

from __future__ import annotations

import itertools

import aiohttp
import pytest

from tests.faults.processes import (
    Launcher,
    PrivateRedis,
    Reader,
    participant,
    read_store,
)
from tests.helpers.chat import Frame
from tests.helpers.serve import Serving

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

_refs = itertools.count(1)
NOTICE_WAIT = 20.0  # the bus retries Redis with a pause that grows to 5 s


async def healthy(session: aiohttp.ClientSession, server: Serving) -> bool:
    async with session.get(server.url("/healthz")) as response:
        return response.status == 200


async def test_redis_restarted_mid_show(launcher: Launcher, pg_url: str) -> None:
    async with PrivateRedis.running() as redis, aiohttp.ClientSession() as session:
        shared = {"database_url": pg_url, "redis_url": redis.url, "redis_prefix": "lc-faults"}
        a = await launcher.serve("a", **shared)
        b = await launcher.serve("b", seed_on_start=False, **shared)
        watch_a = Reader(await participant(a, "u-watch-a", "kk"))
        watch_b = Reader(await participant(b, "u-watch-b", "kk"))
        send_a = Reader(await participant(a, "u-send-a", "kk"))
        send_b = Reader(await participant(b, "u-send-b", "kk"))

        before = []
        for n in range(3):
            before.append(await say_through(send_a, f"A, бұрын {n}"))
            before.append(await say_through(send_b, f"B, бұрын {n}"))
        for reader in (watch_a, watch_b):
            await reader.until_chat(before[-1]["id"])
            assert reader.texts == [m["text"] for m in before]

        await redis.kill()
        everyone = (watch_a, watch_b, send_a, send_b)
        for reader in everyone:
            await reader.until_notice("bus_lost", wait=NOTICE_WAIT)
        alone_a = [await say_through(send_a, f"A, жалғыз {n}") for n in range(3)]
        alone_b = [await say_through(send_b, f"B, жалғыз {n}") for n in range(3)]
        await watch_a.until_chat(alone_a[-1]["id"])
        await watch_b.until_chat(alone_b[-1]["id"])
        assert watch_a.texts[len(before) :] == [m["text"] for m in alone_a]
        assert watch_b.texts[len(before) :] == [m["text"] for m in alone_b]
        assert a.alive
        assert b.alive
        assert await healthy(session, a)
        assert await healthy(session, b)

        await redis.start()
        for reader in everyone:
            await reader.until_notice("bus_connected", wait=NOTICE_WAIT)
        first = await say_through(send_a, "A, қайта қосылдық")
        for reader in (watch_a, watch_b):
            await reader.until_chat(first["id"])
        given = [m["id"] for m in (*before, *alone_a, *alone_b)]
        assert first["id"] > max(given)

        # The reader on A moves to B and resumes from the last message it saw.
        await watch_a.close()
        missed = [
            await say_through(send_b, "B, сен кеткенде жазылған"),
            await say_through(send_a, "A, тағы"),
        ]
        back = Reader(await participant(b, "u-watch-a", "kk", since=first["id"]))
        assert back.client.hello["recovered"] is True, back.client.hello
        await back.until_chat(missed[-1]["id"])
        assert back.texts == [m["text"] for m in missed]
        # From before the outage the history is gone (Redis came back empty), and the
        # answer says so instead of replaying a partial history.
        for server in (a, b):
            late = await participant(server, "u-late", "kk", since=before[-1]["id"])
            assert late.hello["recovered"] is False, late.hello
            await late.close()

        for reader in (watch_b, send_a, send_b, back):
            await reader.close()
        assert await a.stop() == 0
        assert await b.stop() == 0

    # Every message acknowledged while Redis was there is stored under its id. Of those
    # acknowledged meanwhile, each process numbered its own from the same next id, so
    # the two processes gave out the same ids (see the test below): the store keeps one
    # message per id.
    stored = await read_store(pg_url)
    shared_ids = [*before, first, *missed]
    assert {m["id"]: m["text"] for m in shared_ids}.items() <= stored.texts.items()
    for m in (*alone_a, *alone_b):
        assert m["id"] in stored.messages


async def test_messages_acknowledged_while_redis_is_down_keep_ids_of_their_own(
    launcher: Launcher, pg_url: str
) -> None:
    async with PrivateRedis.running() as redis:
        shared = {"database_url": pg_url, "redis_url": redis.url, "redis_prefix": "lc-faults"}
        a = await launcher.serve("a", **shared)
        b = await launcher.serve("b", seed_on_start=False, **shared)
        send_a = Reader(await participant(a, "u-send-a", "kk"))
        send_b = Reader(await participant(b, "u-send-b", "kk"))
        await redis.kill()
        for sender in (send_a, send_b):
            await sender.until_notice("bus_lost", wait=NOTICE_WAIT)
        on_a = await say_through(send_a, "A, жалғыз")
        on_b = await say_through(send_b, "B, жалғыз")
        for sender in (send_a, send_b):
            await sender.close()
        assert await a.stop() == 0
        assert await b.stop() == 0
    stored = await read_store(pg_url)
    assert on_a["id"] != on_b["id"]
    assert stored.texts[on_a["id"]] == on_a["text"]
    assert stored.texts[on_b["id"]] == on_b["text"]


async def say_through(sender: Reader, text: str) -> Frame:
    """Send a chat message and wait for its ack among the frames the sender's reader keeps
    (it reads everything, so notices are not left unread behind a `say`)."""
    ref = f"ref-{next(_refs)}"
    await sender.client.send({"type": "chat", "text": text, "lang": "kk", "ref": ref})
    ack = await sender.until(lambda f: f["type"] == "ack" and f.get("ref") == ref)
    assert ack["status"] == "sent", ack
    return {"id": ack["id"], "text": text}
