"""Two servers share a show through the machine's Redis, as two `serve` processes would:
a viewer on one and a moderator on the other are in the same room.

Each server has its own bus (its own process id), so everything that crosses between them
goes through Redis: message ids, delivery, history for resume and moderation state."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from livecommerce.config import Settings
from livecommerce.core.models import MentionSource
from livecommerce.store import SqlStore
from tests.conftest import NOW, REDIS_TEST_URL, Server
from tests.helpers.chat import SHOW, Client, moderator, running, streamer, viewer
from tests.helpers.detectors import Reader

pytestmark = pytest.mark.redis


@contextlib.asynccontextmanager
async def cluster(
    settings: Settings, store: SqlStore, prefix: str, **changes: object
) -> AsyncIterator[tuple[Server, Server]]:
    shared = {"redis_url": REDIS_TEST_URL, "redis_prefix": prefix, **changes}
    async with running(settings, store, **shared) as a, running(settings, store, **shared) as b:
        yield a, b


async def test_a_message_on_one_process_reaches_the_room_on_the_other(
    settings: Settings, seeded_store: SqlStore, redis_prefix: str
) -> None:
    async with cluster(settings, seeded_store, redis_prefix) as (a, b):
        writer = await viewer(a, "u-aigerim", "kk")
        reader = await viewer(b, "u-dana", "kk")
        mod = await moderator(b, "mod-kk", "kk")
        other = await viewer(b, "u-ivan", "ru")
        ack = await writer.say("Раковина қанша тұрады?", lang="kk")
        assert ack["status"] == "sent"
        for client in (reader, mod, writer):
            chat = await client.recv_until("chat")
            assert chat["id"] == ack["id"]
            assert chat["text"] == "Раковина қанша тұрады?"
        await other.assert_silent(ignore=("presence", "notice"))
        for client in (writer, reader, mod, other):
            await client.close()


async def test_ids_grow_in_one_order_across_processes_and_resume_anywhere(
    settings: Settings, seeded_store: SqlStore, redis_prefix: str
) -> None:
    async with cluster(settings, seeded_store, redis_prefix) as (a, b):
        on_a, on_b = await viewer(a, "u-a", "kk"), await viewer(b, "u-b", "kk")
        watch_a, watch_b = await viewer(a, "u-wa", "kk"), await viewer(b, "u-wb", "kk")
        acks = []
        for n in range(10):
            sender = on_a if n % 2 else on_b
            acks.append(await sender.say(f"Сұрақ {n}", lang="kk"))
        ids = [ack["id"] for ack in acks]
        assert ids == sorted(ids)
        assert len(set(ids)) == 10
        seen_a = [c["id"] for c in await watch_a.chats(10)]
        seen_b = [c["id"] for c in await watch_b.chats(10)]
        assert seen_a == seen_b == ids
        # The reader on A drops after the fourth message and comes back on B.
        await watch_a.close()
        back = await Client.open(b, token=watch_a_token(a), lang="kk", since=ids[3])
        assert back.hello["recovered"] is True
        replay = [c["text"] for c in await back.chats(6)]
        assert replay == [f"Сұрақ {n}" for n in range(4, 10)]
        for client in (on_a, on_b, watch_b, back):
            await client.close()


def watch_a_token(server: Server) -> str:
    from tests.helpers.chat import make_token

    return make_token(server, "u-wa", "viewer", ["kk"])


async def test_moderation_on_one_process_applies_on_the_other(
    settings: Settings, seeded_store: SqlStore, redis_prefix: str
) -> None:
    async with cluster(settings, seeded_store, redis_prefix, hold_links=True) as (a, b):
        guest = await viewer(a, "u-guest", "kk")
        reader = await viewer(a, "u-reader", "kk")
        mod = await moderator(b, "mod-kk", "kk")
        # Held on A, approved on B: the author on A gets the approval, the room the message.
        held_ack = await guest.say("Қараңыз https://shop.kz/sink", lang="kk")
        assert held_ack["status"] == "held"
        held = await mod.recv_until("held")
        assert held["id"] == held_ack["id"]
        await mod.send({"type": "approve", "id": held["id"], "ref": "ok"})
        await mod.recv_until("mod", ref="ok")
        approved = await guest.recv_until("ack", held_id=held["id"])
        chat = await reader.recv_until("chat")
        assert chat["id"] == approved["id"]
        assert chat["text"] == "Қараңыз https://shop.kz/sink"
        # Deleted on B: gone on A.
        await mod.send({"type": "delete", "id": chat["id"], "ref": "del"})
        assert (await reader.recv_until("deleted"))["id"] == chat["id"]
        # Slow mode set on B holds back a viewer on A.
        await mod.send({"type": "slow", "lang": "kk", "seconds": 60, "ref": "slow"})
        await mod.recv_until("mod", ref="slow")
        assert (await reader.recv_until("notice", code="slow_mode"))["seconds"] == 60
        first = await reader.say("Бірінші", lang="kk")
        assert first["status"] == "sent"
        await reader.send({"type": "chat", "text": "Екінші", "lang": "kk", "ref": "again"})
        assert (await reader.recv_until("error", ref="again"))["code"] == "slow_mode"
        # Banned on B: closed on A.
        await mod.send({"type": "ban", "user": "u-guest", "ref": "ban"})
        await mod.recv_until("mod", ref="ban")
        code, _ = await guest.closed()
        assert code == 1008
        for client in (reader, mod):
            await client.close()


async def test_a_move_on_one_process_routes_and_teaches_on_the_other(
    settings: Settings, seeded_store: SqlStore, redis_prefix: str
) -> None:
    async with cluster(settings, seeded_store, redis_prefix) as (a, b):
        readers = {a: Reader(), b: Reader()}  # every text unsure: placed by the priors
        for server, reader in readers.items():
            server.services.rooms.identify = reader
        writer = await viewer(a, "u-writer", "kk")
        kk = await viewer(a, "u-kk", "kk")
        uz = await viewer(a, "u-uz", "uz")
        mod = await moderator(b, "mod-kk", "kk")
        message = (await writer.say("zor ekan"))["id"]
        assert (await mod.recv_until("chat", id=message))["lang_unsure"] is True
        await mod.send({"type": "move", "id": message, "lang": "uz", "ref": "mv"})
        await mod.recv_until("mod", ref="mv")
        assert (await kk.recv_until("moved", id=message))["lang"] == "uz"
        assert (await uz.recv_until("chat", id=message))["lang"] == "uz"
        await writer.say("ok")
        assert readers[a].calls[-1][2].history == ("uz",)
        for client in (writer, kk, uz, mod):
            await client.close()


async def test_a_streamer_on_one_process_reaches_every_language_on_the_other(
    settings: Settings, seeded_store: SqlStore, redis_prefix: str
) -> None:
    async with cluster(settings, seeded_store, redis_prefix) as (a, b):
        boss = await streamer(a)
        readers = {lang: await viewer(b, f"u-{lang}", lang) for lang in ("kk", "ru", "zh")}
        ack = await boss.say("Жеңілдік! Скидка! 折扣!")
        for reader in readers.values():
            chat = await reader.recv_until("chat")
            assert chat["id"] == ack["id"]
            assert chat.get("broadcast") is True
        for client in (boss, *readers.values()):
            await client.close()


async def test_a_pin_on_one_process_shows_on_the_other_and_to_later_joiners(
    settings: Settings, seeded_store: SqlStore, redis_prefix: str
) -> None:
    async with cluster(settings, seeded_store, redis_prefix) as (a, b):
        host = await streamer(a)
        kk = await viewer(b, "u-kk", "kk")
        await host.send({"type": "pin", "sku": "IT-LAP-14"})
        shown = await kk.recv_until("product")
        assert shown["sku"] == "IT-LAP-14"
        assert "₸" in shown["prices"][0]["display"]
        late = await viewer(b, "u-late", "uz")
        assert (await late.recv_until("product"))["sku"] == "IT-LAP-14"
        await host.send({"type": "unpin", "sku": "IT-LAP-14"})
        assert (await kk.recv_until("product"))["action"] == "unpin"
        # The pin is logged once, by the process that decided it.
        for server in (a, b):
            await server.services.mentions.writer.drain()
        pins = [m for m in await seeded_store.mentions(SHOW) if m.source is MentionSource.PIN]
        assert [m.sku for m in pins if m.ts >= NOW] == ["IT-LAP-14"]
        for client in (host, kk, late):
            await client.close()


async def test_presence_and_coverage_count_every_process(
    settings: Settings, seeded_store: SqlStore, redis_prefix: str
) -> None:
    async with cluster(settings, seeded_store, redis_prefix, presence_interval=0.2) as (a, b):
        ru_mod = await moderator(a, "mod-ru", "ru")  # ru is the show's fallback language
        writer = await viewer(a, "u-writer", "kk")
        kk_viewers = [await viewer(b, f"u-kk-{n}", "kk") for n in range(2)]
        kk_mod = await moderator(b, "mod-kk", "kk")
        # Within a few presence rounds, A counts B's viewers and moderator.
        async with asyncio.timeout(10):
            while True:
                frame = await ru_mod.recv_until("presence")
                if frame["viewers"]["kk"] == 3 and frame["moderators"]["kk"] == 1:
                    break
        assert "kk" not in frame["uncovered"]
        # kk is covered on B, so A does not hand kk messages to its fallback moderator.
        ack = await writer.say("Сіз Алматыдансыз ба?", lang="kk")
        assert (await kk_mod.recv_until("chat"))["id"] == ack["id"]
        await ru_mod.assert_silent(ignore=("presence", "notice"))
        # When the kk moderator leaves B, A's fallback moderator covers kk again.
        await kk_mod.close()
        notice = await ru_mod.recv_until("notice", code="uncovered", wait=10)
        assert notice["language"] == "kk"
        ack = await writer.say("Бағасы қанша?", lang="kk")
        fallback = await ru_mod.recv_until("chat")
        assert fallback["id"] == ack["id"]
        assert fallback["fallback"] is True
        for client in (ru_mod, writer, *kk_viewers):
            await client.close()


async def test_coverage_crosses_at_once_not_at_the_next_presence_round(
    settings: Settings, seeded_store: SqlStore, redis_prefix: str
) -> None:
    # No presence round comes during the test: what moves coverage is the join itself.
    async with cluster(settings, seeded_store, redis_prefix, presence_interval=3600) as (a, b):
        ru_mod = await moderator(a, "mod-ru", "ru")  # the fallback language
        writer = await viewer(a, "u-writer", "kk")
        kk_mod = await moderator(b, "mod-kk", "kk")
        notice = await ru_mod.recv_until("notice", code="covered", language="kk")
        assert notice["message"]
        ack = await writer.say("Жеткізу қашан?", lang="kk")
        assert (await kk_mod.recv_until("chat"))["id"] == ack["id"]
        await ru_mod.assert_silent(ignore=("presence", "notice"))
        await kk_mod.close()
        await ru_mod.recv_until("notice", code="uncovered", language="kk")
        ack = await writer.say("Кепілдік бар ма?", lang="kk")
        fallback = await ru_mod.recv_until("chat")
        assert fallback["id"] == ack["id"]
        assert fallback["fallback"] is True
        for client in (ru_mod, writer):
            await client.close()


async def test_a_bus_that_cannot_keep_up_refuses_chat_rather_than_queueing_without_end(
    settings: Settings,
    seeded_store: SqlStore,
    redis_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Redis stalls (CLIENT PAUSE: every write waits): the changes waiting for it stop at
    the bound, a chat beyond it is answered `busy` and never acknowledged, and everything
    acknowledged reaches the room once Redis answers again."""
    import redis.asyncio as aioredis

    from livecommerce.services import rooms

    monkeypatch.setattr(rooms, "BUS_BACKLOG", 3)
    async with cluster(settings, seeded_store, redis_prefix) as (a, _b):
        writer, reader = await viewer(a, "u-writer", "kk"), await viewer(a, "u-reader", "kk")
        admin = aioredis.from_url(REDIS_TEST_URL)
        try:
            await admin.execute_command("CLIENT", "PAUSE", "1500", "WRITE")
            for n in range(8):
                frame = {"type": "chat", "text": f"Сұрақ {n}", "lang": "kk", "ref": f"r{n}"}
                await writer.send(frame)
            # While Redis is paused, only refusals come back: acks wait for the commit.
            # The first is being published, three wait (fewer if a presence round
            # queued too): the rest are refused. Acks wait for Redis, errors do not.
            first = await writer.recv_until("error", wait=1.0)
            kept = int(first["ref"][1:])
            busy = [first] + [await writer.recv_until("error", wait=1.0) for _ in range(7 - kept)]
        finally:
            await admin.execute_command("CLIENT", "UNPAUSE")
            await admin.aclose()
        assert 1 <= kept <= 4
        assert {frame["code"] for frame in busy} == {"busy"}
        assert [frame["ref"] for frame in busy] == [f"r{n}" for n in range(kept, 8)]
        acks = [await writer.recv_until("ack", ref=f"r{n}") for n in range(kept)]
        assert [ack["status"] for ack in acks] == ["sent"] * kept
        seen = [chat["text"] for chat in await reader.chats(kept)]
        assert seen == [f"Сұрақ {n}" for n in range(kept)]
        await reader.assert_silent(ignore=("presence", "notice"))
        for client in (writer, reader):
            await client.close()
