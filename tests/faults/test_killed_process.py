"""One `serve` process killed with SIGKILL mid-show.

Two real `serve` processes share a PostgreSQL database of the test's own and the
machine's Redis (a key prefix of the test's own). Viewers are on both; two senders talk
without pause; process A is killed. What holds, counted:

- A's clients reconnect to B with `?since=` and get every message they missed: what each
  saw on A, then on B, is exactly what a reader on B saw all along in its languages, in
  order, with no gap and no duplicate;
- every message acknowledged to a sender is in the show's history (Redis), so in every
  replay, and in the store with its mentions, also those A acknowledged but had not
  written yet: B stores what it hears too (the store keeps one of each);
- every order A's webhook acknowledged before the kill is in the store (it is written
  before the answer), and the shop's retry on B stores nothing twice.

The second test makes the case certain: the database holds every chat write back while A
relays (it acknowledges nothing it has not committed), so A dies with all of them in its
writer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import aiohttp
import asyncpg
import pytest
from websockets.exceptions import ConnectionClosed

from tests.conftest import REDIS_TEST_URL
from tests.faults.processes import (
    Launcher,
    Reader,
    an_order,
    participant,
    post_orders,
    stored_eventually,
)
from tests.helpers.chat import Client
from tests.helpers.serve import Serving

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

LANGS = ("kk", "ru", "uz", "ky", "ug", "zh")
# Each names a product, so each acknowledged message also makes a mention.
KAZAKH = "Ноутбук бар ма? Бағасы қанша? №{n}"
RUSSIAN = "Сколько стоит роутер? №{n}"


async def talk(
    client: Client, template: str, lang: str, acked: list[int], stop: asyncio.Event
) -> None:
    """Send message after message until `stop` or the connection ends; keep the acked ids."""
    n = len(acked)
    with contextlib.suppress(ConnectionClosed):
        while not stop.is_set():
            ack = await client.say(template.format(n=n), lang=lang)
            assert ack["status"] == "sent", ack
            acked.append(ack["id"])
            n += 1
            await asyncio.sleep(0.01)


async def until(condition: Callable[[], bool], wait: float = 20.0) -> None:
    """Wait (bounded) for what the talkers count: they run in tasks of this loop."""
    async with asyncio.timeout(wait):
        while not condition():  # noqa: ASYNC110 - counters of the tasks beside
            await asyncio.sleep(0.01)


async def two_processes(
    launcher: Launcher, pg_url: str, redis_prefix: str
) -> tuple[Serving, Serving]:
    shared = {"database_url": pg_url, "redis_url": REDIS_TEST_URL, "redis_prefix": redis_prefix}
    a = await launcher.serve("a", **shared)  # seeds the new database
    b = await launcher.serve("b", seed_on_start=False, **shared)
    return a, b


async def test_clients_of_a_killed_process_resume_on_another_and_nothing_acknowledged_is_lost(
    launcher: Launcher, pg_url: str, redis_prefix: str
) -> None:
    a, b = await two_processes(launcher, pg_url, redis_prefix)
    reference = Reader(await participant(b, "u-reference", *LANGS))
    everything_a = Reader(await participant(a, "u-everything", *LANGS))
    kazakh_a = Reader(await participant(a, "u-kazakh", "kk"))
    sender_a = await participant(a, "u-sender-a", "kk")
    sender_b = await participant(b, "u-sender-b", "ru")
    acked_a: list[int] = []
    acked_b: list[int] = []
    stop = asyncio.Event()
    async with aiohttp.ClientSession() as session:
        status, body = await post_orders(session, a, [an_order(f"KILL-{n}") for n in range(20)])
        assert status == 201, body
        orders_acked = list(body["ids"])
        talk_b = asyncio.create_task(talk(sender_b, RUSSIAN, "ru", acked_b, stop))
        talk_a = asyncio.create_task(talk(sender_a, KAZAKH, "kk", acked_a, stop))
        await until(lambda: len(acked_a) >= 30 and len(acked_b) >= 30)
        status, body = await post_orders(session, a, [an_order("KILL-LAST", "IT-RTR-AX3")])
        assert status == 201, body
        orders_acked += body["ids"]
        await until(lambda: len(acked_a) >= 40)

        a.kill()
        await talk_a  # ends when the connection does
        assert await everything_a.ended() is not None
        assert await kazakh_a.ended() is not None
        # B's sender never stopped; A's clients come back on B from the last message seen.
        back_everything = Reader(
            await participant(b, "u-everything", *LANGS, since=everything_a.ids[-1])
        )
        back_kazakh = Reader(await participant(b, "u-kazakh", "kk", since=kazakh_a.ids[-1]))
        for back in (back_everything, back_kazakh):
            assert back.client.hello["recovered"] is True, back.client.hello
        sender_again = await participant(b, "u-sender-a", "kk")
        acked_again = [
            (await sender_again.say(KAZAKH.format(n=1000 + n), lang="kk"))["id"] for n in range(10)
        ]
        stop.set()
        await talk_b
        last = await sender_b.say("Рахмет, бәрі анық!", lang="kk")
        for reader in (reference, back_everything, back_kazakh):
            await reader.until_chat(last["id"])

        # The shop retries what it is unsure of on B: nothing is stored twice.
        status, body = await post_orders(session, b, [an_order("KILL-LAST", "IT-RTR-AX3")])
        assert (status, body["duplicates"]) == (200, 1)

    # Delivered: in order, each once, and a client of A missed nothing by moving to B.
    seen = reference.ids
    assert seen == sorted(set(seen))
    acknowledged = [*acked_a, *acked_b, *acked_again, last["id"]]
    assert set(acknowledged) <= set(seen)
    assert everything_a.ids + back_everything.ids == seen
    kazakh = [c["id"] for c in reference.chats if c["lang"] == "kk"]
    assert kazakh_a.ids + back_kazakh.ids == kazakh
    assert len(acked_a) >= 40
    assert len(acked_b) >= 30

    # Stored (while B runs on): every acknowledged message with its mentions, whichever
    # process wrote it (A's writer may have died holding its last ones), every order A
    # acknowledged, and nothing that was not delivered.
    mentioning = {*acked_a, *acked_b, *acked_again}
    stored = await stored_eventually(
        pg_url, lambda s: set(acknowledged) <= s.messages and mentioning <= s.mentioned
    )
    assert set(acknowledged) <= stored.messages
    assert mentioning <= stored.mentioned
    assert set(orders_acked) <= stored.orders
    assert stored.messages <= set(seen)

    for client in (sender_b, sender_again):
        await client.close()
    for reader in (reference, back_everything, back_kazakh):
        await reader.close()
    assert await b.stop() == 0


async def test_a_survivor_stores_what_a_killed_process_acknowledged_but_had_not_written(
    launcher: Launcher, pg_url: str, redis_prefix: str
) -> None:
    a, b = await two_processes(launcher, pg_url, redis_prefix)
    reference = Reader(await participant(b, "u-reference", *LANGS))
    sender = await participant(a, "u-sender-a", "kk")
    # Hold every chat write back (as a slow database would) while A acknowledges.
    lock = await asyncpg.connect(pg_url, timeout=5)
    held = lock.transaction()
    await held.start()
    await lock.execute("LOCK TABLE chat_messages, mentions IN SHARE MODE")
    try:
        texts = [KAZAKH.format(n=n) for n in range(5)]
        for n, text in enumerate(texts):
            await sender.send({"type": "chat", "text": text, "lang": "kk", "ref": f"r{n}"})
        heard = await reference.until(lambda f: f.get("text") == texts[-1])
        acked = [c["id"] for c in reference.chats if c["text"] in texts]
        assert len(acked) == 5  # B heard every one of them
        assert heard["id"] == acked[-1]
        # A may not acknowledge what it has not committed (docs/protocol.md, Durability).
        with pytest.raises(TimeoutError):
            await sender.recv_until("ack", wait=0.3)
        a.kill()
        await a.process.wait()
    finally:
        await held.rollback()
        await lock.close()
    stored = await stored_eventually(
        pg_url, lambda s: set(acked) <= s.messages and set(acked) <= s.mentioned
    )
    assert set(acked) <= stored.messages
    assert set(acked) <= stored.mentioned
    await reference.close()
    assert await b.stop() == 0
