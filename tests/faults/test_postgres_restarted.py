"""PostgreSQL restarted during a show.

One `serve` process on a PostgreSQL of the test's own (initdb into a temporary folder,
on a free port; stopped with `pg_ctl stop -m fast` and started again on the same port).
While the database is down the chat goes on for readers, but a sender gets
`store_unavailable` instead of an ack (nothing is promised that is not committed), an
order the shop posts is refused with 503 (not acknowledged, so the shop retries), and
`/healthz` says degraded with 503. Once it is back, every acknowledged message, its
mentions and every acknowledged order are in the database: the writes were retried.

The second test cuts the database off instead (a network partition: nothing refused,
nothing answered): `/healthz` and the order webhook still answer 503 in time instead of
hanging, and once the link is back every acknowledged message is stored.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from tests.faults.processes import (
    Launcher,
    Partition,
    PrivatePostgres,
    Reader,
    an_order,
    participant,
    post_orders,
    stored_eventually,
)
from tests.helpers.chat import Client
from tests.helpers.serve import Serving

pytestmark = pytest.mark.postgres

KAZAKH = "Ноутбук бар ма? Бағасы қанша? №{n}"
RUSSIAN = "Сколько стоит роутер? №{n}"
# How long a request may take before it counts as hanging: far above the server's own
# limits (2 s for a health check, 5 s for storing orders), far below forever.
PATIENCE = 20.0


async def health(session: aiohttp.ClientSession, server: Serving) -> tuple[int, Any]:
    async with session.get(server.url("/healthz")) as response:
        return response.status, await response.json()


async def healthy_again(session: aiohttp.ClientSession, server: Serving) -> None:
    """Wait (bounded) until /healthz says ok: the pool reconnects on its next use."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while (await health(session, server))[0] != 200:
        assert loop.time() < deadline, "healthz never said ok again"
        await asyncio.sleep(0.2)


async def say(client: Client, template: str, lang: str, numbers: range) -> list[int]:
    acked = []
    for n in numbers:
        ack = await client.say(template.format(n=n), lang=lang)
        assert ack["status"] == "sent", ack
        acked.append(ack["id"])
    return acked


async def refused(client: Client, template: str, lang: str, numbers: range) -> list[int]:
    """Send while the database is away: the chat goes on for readers, but no sender gets
    an ack for what is not committed, only `store_unavailable` (docs/protocol.md,
    Durability). The ids of the refused messages."""
    refs = [f"{lang}-down-{n}" for n in numbers]
    for n, ref in zip(numbers, refs, strict=True):
        await client.send({"type": "chat", "text": template.format(n=n), "lang": lang, "ref": ref})
    ids = []
    for ref in refs:
        error = await client.recv_until("error", wait=PATIENCE, ref=ref)
        assert error["code"] == "store_unavailable", error
        ids.append(error["id"])
    assert not [f for f in client.backlog if f["type"] == "ack"]
    return ids


async def test_postgres_restarted_mid_show_loses_nothing_acknowledged(launcher: Launcher) -> None:
    async with PrivatePostgres.running() as pg, aiohttp.ClientSession() as session:
        server = await launcher.serve("one", database_url=pg.url)
        reader = Reader(await participant(server, "u-reader", "kk", "ru"))
        kazakh = await participant(server, "u-kazakh", "kk")
        russian = await participant(server, "u-russian", "ru")
        status, body = await health(session, server)
        assert (status, body["status"], body["checks"]) == (200, "ok", {"database": "ok"})

        acked = await say(kazakh, KAZAKH, "kk", range(10))
        status, body = await post_orders(session, server, [an_order(f"PG-{n}") for n in range(5)])
        assert status == 201, body
        orders_acked = list(body["ids"])

        await pg.stop()
        # The chat goes on for readers; senders are told nothing is kept; the rest says
        # the database is down.
        sent = list(acked)
        sent += await refused(russian, RUSSIAN, "ru", range(20))
        sent += await refused(kazakh, KAZAKH, "kk", range(10, 20))
        status, body = await health(session, server)
        assert status == 503
        assert body["status"] == "degraded"
        assert body["checks"] == {"database": "unreachable"}
        down = [an_order(f"PG-DOWN-{n}") for n in range(3)]
        answer: dict[str, str] = {}
        status, body = await post_orders(session, server, down, answer)
        assert status == 503, body
        assert body["error"]["code"] == "store_unavailable"
        assert answer["Retry-After"] == "5"
        sent += await refused(russian, RUSSIAN, "ru", range(20, 30))

        await pg.start()
        await healthy_again(session, server)
        # The shop retries what was refused; now it is acknowledged.
        status, body = await post_orders(session, server, down)
        assert status == 201, body
        orders_acked += body["ids"]
        acked += await say(kazakh, KAZAKH, "kk", range(20, 25))
        sent += acked[-5:]
        await reader.until_chat(acked[-1])
        assert reader.ids == sent  # every message reached the room, in order

        stored = await stored_eventually(
            pg.url, lambda s: set(acked) <= s.messages and set(acked) <= s.mentioned
        )
        assert set(acked) <= stored.messages
        assert set(acked) <= stored.mentioned
        assert set(orders_acked) <= stored.orders
        assert len(orders_acked) == 8

        for client in (kazakh, russian):
            await client.close()
        await reader.close()
        assert server.alive
        assert await server.stop() == 0
    log = server.output()
    assert "Traceback" not in log, log[-3000:]


async def test_a_database_that_stops_answering_is_reported_in_time(
    launcher: Launcher, pg_url: str
) -> None:
    # The database is the test's own on the machine's PostgreSQL, reached through a relay
    # the test can cut: nothing is refused, nothing answers.
    target = urlsplit(pg_url)
    async with (
        Partition.running(target.hostname or "127.0.0.1", target.port or 5432) as link,
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=PATIENCE)) as session,
    ):
        via = pg_url.replace(f"{target.hostname}:{target.port}", f"127.0.0.1:{link.port}", 1)
        server = await launcher.serve("one", database_url=via)
        reader = Reader(await participant(server, "u-reader", "kk"))
        kazakh = await participant(server, "u-kazakh", "kk")
        acked = await say(kazakh, KAZAKH, "kk", range(5))
        assert (await health(session, server))[0] == 200

        link.cut()
        sent = acked + await refused(kazakh, KAZAKH, "kk", range(5, 10))
        status, body = await health(session, server)
        assert (status, body["status"], body["checks"]) == (
            503,
            "degraded",
            {"database": "unreachable"},
        )
        status, body = await post_orders(session, server, [an_order("CUT-1")])
        assert status == 503, body
        assert body["error"]["code"] == "store_unavailable"

        link.heal()
        await healthy_again(session, server)
        status, body = await post_orders(session, server, [an_order("CUT-1")])
        assert status == 201, body
        await reader.until_chat(sent[-1])  # readers had the refused ones too
        stored = await stored_eventually(pg_url, lambda s: set(acked) <= s.messages)
        assert set(acked) <= stored.messages
        assert "CUT-1" in stored.orders
        await kazakh.close()
        await reader.close()
        assert await server.stop() == 0
