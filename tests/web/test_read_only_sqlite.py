"""A server on a SQLite file that turns read-only while it runs (issue 11, item 5): loud,
and it acknowledges nothing it did not store.

The file is made read-only with SQLite's `PRAGMA query_only` on the store's writer
connection, not with chmod: tests may run as root, who writes through a `chmod 0444`
(see tests/helpers/read_only.py). Writes fail exactly as on a read-only file while reads
go on: a database that answers but does not store.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from livecommerce.config import Settings
from livecommerce.store import SqlStore
from tests.conftest import Server
from tests.helpers.chat import KAZAKH, SHOW, eventually, viewer
from tests.helpers.read_only import read_only
from tests.helpers.shop import health, post_order, shop_server
from tests.web.test_orders import an_order


@pytest.fixture
async def shop(settings: Settings, seeded_store: SqlStore) -> AsyncIterator[Server]:
    async with shop_server(settings, seeded_store) as server:
        yield server


async def test_a_read_only_sqlite_file_is_loud_and_nothing_unstored_is_acknowledged(
    shop: Server, seeded_store: SqlStore
) -> None:
    kazakh = await viewer(shop, "u-aigerim", "kk", locale="ru")
    try:
        kept = await kazakh.say(KAZAKH)
        assert kept["status"] == "sent"
        assert (await health(shop))[0] == 200

        await read_only(seeded_store, True)
        # Chat: refused with a clear, translated error in place of the ack.
        await kazakh.send({"type": "chat", "text": "Бағасы қанша?", "ref": "ro-1"})
        error = await kazakh.recv_until("error", ref="ro-1", wait=15)
        assert error["code"] == "store_unavailable"
        assert "сохранить" in error["message"]

        # /healthz: 503 degraded, with the reason in one line (no SQL, no data).
        async def degraded() -> bool:
            return (await health(shop))[0] == 503

        await eventually(degraded)
        status, body = await health(shop)
        assert (status, body["status"]) == (503, "degraded")
        assert body["checks"] == {"database": "ok", "writes": "failing"}
        assert "readonly database" in body["reason"]
        assert "\n" not in body["reason"]
        assert "Бағасы" not in body["reason"]

        # The order webhook: 503 with Retry-After, no traceback, nothing stored.
        status, text, retry_after = await post_order(shop, an_order(id="RO-SQLITE-1"))
        assert (status, json.loads(text)["error"]["code"], retry_after) == (
            503,
            "store_unavailable",
            "5",
        )
        assert "Traceback" not in text
        assert not await seeded_store.orders_by_id(["RO-SQLITE-1"])

        # Every ack names a stored message; the refused one got no ack.
        acks = [f for f in kazakh.backlog if f["type"] == "ack"]
        assert [a["id"] for a in acks if a["id"] == error["id"]] == []
        stored = {m.id for m in await seeded_store.chat_messages(SHOW, limit=10_000)}
        assert kept["id"] in stored
        assert error["id"] not in stored

        # Writable again: healthy, and the shop's retry is taken.
        await read_only(seeded_store, False)

        async def healthy() -> bool:
            return (await health(shop))[0] == 200

        await eventually(healthy)
        status, _, _ = await post_order(shop, an_order(id="RO-SQLITE-1"))
        assert status == 201
    finally:
        await kazakh.close()
