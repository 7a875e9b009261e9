"""The durability contract (docs/protocol.md, "Durability"): an ack follows the commit,
ids never repeat across restarts, and a resume the server cannot vouch for says so.

The first test kills a real `serve` process with SIGKILL right after a burst was
acknowledged and starts it again on the same data folder; the others drive the writer of
a real server against a real SQLite file that the test locks or breaks.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from livecommerce.app import open_store
from livecommerce.core.effects import Deliver
from livecommerce.core.models import ChatMessage, Mention, MentionSource, Role
from livecommerce.core.room import Room
from livecommerce.errors import StoreError
from livecommerce.metrics import Metrics
from livecommerce.services.chat_records import ID_BLOCK, Ack, ChatRecords, Sequences, Write
from livecommerce.store import SqlStore
from tests.conftest import NOW, Server
from tests.faults.processes import SHOW, Launcher, participant
from tests.helpers.chat import KAZAKH, Client, Frame, make_token
from tests.helpers.read_only import read_only

BURST = 120  # per sender
# Names a product: each acknowledged message also makes a mention.
LAPTOP = "Ноутбук бар ма? Бағасы қанша? №{n}"
QUESTION = "Сколько стоит роутер? №{n}"


@pytest.fixture
async def launcher(tmp_path: Path) -> AsyncIterator[Launcher]:
    started = Launcher(tmp_path)
    try:
        yield started
    finally:
        await started.close()


async def burst(client: Client, template: str, lang: str) -> list[Frame]:
    """Send BURST messages without waiting, then collect every answer (ack or error)."""
    refs = [f"{lang}-{n}" for n in range(BURST)]
    for n, ref in enumerate(refs):
        await client.send({"type": "chat", "text": template.format(n=n), "lang": lang, "ref": ref})
    return [await client.recv_until("ack", wait=30, ref=ref) for ref in refs]


async def stored(folder: Path) -> tuple[list[ChatMessage], dict[int, set[str]]]:
    """What the data folder's database holds of the show: its chat, and the skus
    mentioned by each message."""
    store = open_store(f"sqlite:///{folder / 'livecommerce.db'}")
    await store.start()
    try:
        chat = await store.chat_messages(SHOW, limit=100_000)
        mentioned: dict[int, set[str]] = {}
        for mention in await store.mentions(SHOW):
            if mention.message_id is not None:
                mentioned.setdefault(mention.message_id, set()).add(mention.sku)
        return chat, mentioned
    finally:
        await store.close()


async def test_acknowledged_chat_survives_sigkill_and_ids_never_repeat(
    launcher: Launcher, tmp_path: Path
) -> None:
    a = await launcher.serve("a")
    watcher = await participant(a, "watcher", "kk", "ru")
    kazakh = await participant(a, "aigerim", "kk")
    russian = await participant(a, "ivan", "ru")
    before = int(watcher.hello["last_id"])
    acks = await asyncio.gather(burst(kazakh, LAPTOP, "kk"), burst(russian, QUESTION, "ru"))
    a.kill()  # right after the last ack: nothing flushed, nothing closed
    await a.process.wait()
    for client in (watcher, kazakh, russian):
        await client.close()
    pairs = zip(("kk", "ru"), acks, strict=True)
    acked = {int(f["id"]): lang for lang, frames in pairs for f in frames}
    assert all(f["status"] == "sent" for frames in acks for f in frames)
    seen = [int(f["id"]) for f in watcher.backlog if f["type"] == "chat"]
    last_seen = max([*seen, *acked])

    # Every acknowledged message is in the store, with its mention.
    chat, mentioned = await stored(tmp_path / "a")
    kept = {m.id for m in chat}
    assert set(acked) <= kept, f"lost {len(set(acked) - kept)} acknowledged messages"
    laptops = [i for i, lang in acked.items() if lang == "kk"]
    assert all(mentioned.get(i) for i in laptops), "acknowledged mentions were lost"

    # Restarted on the same folder: new messages get ids above every earlier one.
    a = await launcher.serve("a")
    again = await participant(a, "aigerim", "kk")
    fresh = [int((await again.say(KAZAKH, lang="kk"))["id"]) for _ in range(2 * BURST)]
    assert min(fresh) > last_seen, (min(fresh), last_seen)

    # A client resuming from before the kill gets what it missed, or is told it cannot.
    for since in (before, last_seen):
        back = await participant(a, "watcher", "kk", "ru", since=since)
        if back.hello["recovered"]:
            replayed = {int(f["id"]) for f in await back.chats(len(fresh))}
            assert set(fresh) <= replayed, f"a silent gap after since={since}"
        await back.close()
    await again.close()


# -- the writer of one server ------------------------------------------------------------


def sqlite_file(server: Server) -> str:
    url = server.services.store.url
    return url.removeprefix("sqlite:///")


async def test_the_ack_waits_for_the_commit_and_readers_do_not(server: Server) -> None:
    reader = await Client.open(server, lang="kk", token=make_token(server, "reader", langs=["kk"]))
    sender = await Client.open(server, lang="kk", token=make_token(server, "sender", langs=["kk"]))
    lock = sqlite3.connect(sqlite_file(server), timeout=5)
    lock.execute("BEGIN IMMEDIATE")  # the database takes no write until it is released
    try:
        await sender.send({"type": "chat", "text": "Бағасы қанша?", "ref": "held-back"})
        chat = await reader.recv_until("chat")  # readers may see it before the commit
        await asyncio.sleep(0.3)  # the writer is blocked on the lock meanwhile
        assert not [f for f in sender.backlog if f["type"] == "ack"]
        with pytest.raises(TimeoutError):
            await sender.recv_until("ack", wait=0.2)
    finally:
        lock.rollback()
        lock.close()
    ack = await sender.recv_until("ack", ref="held-back")
    assert ack == {"type": "ack", "id": chat["id"], "status": "sent", "ref": "held-back"}
    stored_ids = {m.id for m in await server.services.store.chat_messages(SHOW, limit=10_000)}
    assert chat["id"] in stored_ids  # the ack came after the commit
    await reader.close()
    await sender.close()


async def test_a_failing_commit_answers_store_unavailable_not_an_ack(server: Server) -> None:
    sender = await Client.open(
        server, lang="kk", locale="ru", token=make_token(server, "sender", langs=["kk"])
    )
    broken = sqlite3.connect(sqlite_file(server), timeout=5)
    broken.execute("ALTER TABLE chat_messages RENAME TO chat_messages_away")
    broken.commit()
    try:
        await sender.send({"type": "chat", "text": "Сәлем!", "ref": "lost"})
        error = await sender.recv_until("error", wait=10)
    finally:
        broken.execute("ALTER TABLE chat_messages_away RENAME TO chat_messages")
        broken.commit()
        broken.close()
    assert error["code"] == "store_unavailable"
    assert error["ref"] == "lost"
    assert "сохранить" in error["message"]  # translated for the sender
    assert not [f for f in sender.backlog if f["type"] == "ack"]
    # The writer tries again: the message is kept once the database is back, and no
    # ack follows the error.
    await server.services.rooms.writer.drain()
    stored_ids = {m.id for m in await server.services.store.chat_messages(SHOW, limit=10_000)}
    assert error["id"] in stored_ids
    with pytest.raises(TimeoutError):
        await sender.recv_until("ack", wait=0.3)
    await sender.close()


# -- id reservation --------------------------------------------------------------------------


async def test_ids_are_reserved_in_committed_blocks(seeded_store: SqlStore) -> None:
    top = await seeded_store.reserve_chat_ids(SHOW, 126, ID_BLOCK)
    assert top == 126 + ID_BLOCK
    assert (await seeded_store.chat_sequence(SHOW)).clean is False
    # Never backwards: a lower floor still advances from the mark.
    assert await seeded_store.reserve_chat_ids(SHOW, 5, 10) == top + 10
    await seeded_store.release_chat_ids(SHOW, 130)
    sequence = await seeded_store.chat_sequence(SHOW)
    assert (sequence.reserved, sequence.clean) == (130, True)


def a_room() -> Room:
    return Room(SHOW, ("kk", "ru"), ("ru",))


def message(n: int) -> ChatMessage:
    return ChatMessage(SHOW, n, NOW, "kk", "u", "U", Role.VIEWER, "hi")


async def test_a_room_after_a_crash_starts_above_the_mark_and_cannot_vouch(
    seeded_store: SqlStore,
) -> None:
    await seeded_store.reserve_chat_ids(SHOW, 126, 50)  # a process reserved to 176, died
    room = a_room()
    room.restore([message(120), message(126)])
    await Sequences(seeded_store).open(room)
    assert room.next_id == 177
    _, recovered = room.replay(126, ["kk"])
    assert recovered is False  # ids 127..176 may have been handed out and lost
    assert (await seeded_store.chat_sequence(SHOW)).reserved == 176 + ID_BLOCK


async def test_a_room_after_a_clean_stop_vouches_for_what_it_stored(
    seeded_store: SqlStore,
) -> None:
    await seeded_store.reserve_chat_ids(SHOW, 126, 50)
    await seeded_store.release_chat_ids(SHOW, 126)  # a clean stop, everything written
    room = a_room()
    room.restore([message(120), message(126)])
    await Sequences(seeded_store).open(room)
    assert room.next_id == 127
    missed, recovered = room.replay(120, ["kk"])
    assert recovered is True
    assert [m.id for m in missed] == [126]


async def test_a_failing_reservation_warns_once_per_episode_and_is_counted(
    seeded_store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    """While the database refuses writes every message tries to reserve again: the log
    says so once (and once when it works again), /metrics counts every failure."""
    metrics = Metrics()
    sequences = Sequences(seeded_store, metrics)
    room = a_room()
    room.restore([message(126)])

    async def hand_out(count: int) -> None:
        for _ in range(count):
            room.next_id += 1  # a message took an id
            sequences.check(room)
            await asyncio.gather(*sequences._reserving.values())

    caplog.set_level(logging.INFO, logger="livecommerce.services.chat_records")
    await read_only(seeded_store, True)
    await sequences.open(room)
    await hand_out(5)
    records = [r.getMessage() for r in caplog.records]
    assert len([r for r in records if r.startswith("could not reserve ids")]) == 1
    assert len([r for r in records if "past its reservation" in r]) == 1
    assert len(records) == 2, records
    failures = "livecommerce_chat_id_reservation_failures_total 6.0"
    assert failures in metrics.render().decode().splitlines()

    caplog.clear()
    await read_only(seeded_store, False)
    await hand_out(3)
    assert [r.getMessage() for r in caplog.records] == [
        f"ids of show {SHOW} are reserved again (up to {room.next_id - 3 + ID_BLOCK})"
    ]
    assert sequences.reserved[SHOW] >= room.next_id + ID_BLOCK - 3
    assert failures in metrics.render().decode().splitlines()

    # A second episode is warned of again.
    caplog.clear()
    await read_only(seeded_store, True)
    room.next_id = sequences.reserved[SHOW] - 10  # near the mark: the next block is due
    await hand_out(2)
    assert len([r for r in caplog.records if r.getMessage().startswith("could not")]) == 1
    await read_only(seeded_store, False)


async def test_a_write_lifts_the_mark_over_the_ids_it_stores(seeded_store: SqlStore) -> None:
    await seeded_store.add_chat_messages([message(5000)])
    assert (await seeded_store.chat_sequence(SHOW)).reserved >= 5000


# -- the writer's records ------------------------------------------------------------------


async def test_records_release_acks_after_the_commit_and_errors_when_it_fails(
    seeded_store: SqlStore,
) -> None:
    delivered: list[tuple[frozenset[int], dict[str, object]]] = []
    stored_at_delivery: list[set[int]] = []

    async def deliver_later() -> None:
        chat = await seeded_store.chat_messages(SHOW, limit=10_000)
        stored_at_delivery.append({m.id for m in chat})

    pending: list[asyncio.Task[None]] = []

    def deliver(to: frozenset[int], frame: dict[str, object]) -> None:
        delivered.append((to, frame))
        pending.append(asyncio.create_task(deliver_later()))

    records = ChatRecords(seeded_store, deliver)
    ok = Ack(Deliver(frozenset({7}), {"type": "ack", "id": 500, "status": "sent", "ref": "a"}))
    mention = Mention(SHOW, "IT-LAP-14", MentionSource.CHAT, "kk", NOW, 500)
    await records.write([Write(SHOW, "message", message(500), (mention,), ok)])
    await asyncio.gather(*pending)
    assert delivered == [(frozenset({7}), ok.deliver.frame)]
    assert 500 in stored_at_delivery[0]  # the commit came first
    mentions = await seeded_store.mentions(SHOW)
    assert [m.sku for m in mentions if m.message_id == 500] == ["IT-LAP-14"]

    # The database goes away: the sender hears store_unavailable once, never an ack.
    lost = Ack(Deliver(frozenset({8}), {"type": "ack", "id": 501, "status": "sent", "ref": "b"}))
    await seeded_store.close()
    for _ in range(2):  # the writer tries again: still one answer
        with pytest.raises(StoreError):
            await records.write([Write(SHOW, "message", message(501), (), lost)])
    frames = [frame for to, frame in delivered if to == frozenset({8})]
    assert [(f["type"], f["code"], f["id"], f["ref"]) for f in frames] == [
        ("error", "store_unavailable", 501, "b")
    ]
