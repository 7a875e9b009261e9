"""A server on a SQLite file that turns read-only while it runs (issue 11, item 5): loud,
and it acknowledges nothing it did not store.

How the file is made read-only: tests may run as root, and root writes through a
`chmod 0444` (and a chmod never reaches a file an open connection already writes), so the
store's writer connection is put under SQLite's own `PRAGMA query_only`. Every write
then fails as on a read-only file (SQLITE_READONLY, "attempt to write a readonly
database") while reads go on, which is the case to show: a database that answers but
does not store. The pragma is set on each new writer connection and the pool is emptied,
so the store's next write opens a read-only one; emptied again without it, the file
takes writes again.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import aiohttp
import pytest
from sqlalchemy import event

from livecommerce.app import build_services
from livecommerce.config import Settings
from livecommerce.store import SqlStore
from livecommerce.web.app import create_app
from livecommerce.web.orders import signature
from tests.conftest import NOW, Server, serving
from tests.helpers.chat import KAZAKH, SHOW, eventually, viewer
from tests.web.test_orders import SECRET, SHOP, an_order


def _query_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


async def read_only(store: SqlStore, on: bool) -> None:
    """Make the store's SQLite file read-only for the store's writes (or writable again)."""
    writer = store._writer  # the one connection that writes, in the test's hands
    assert writer is not None
    if on:
        event.listen(writer.sync_engine, "connect", _query_only)
    else:
        event.remove(writer.sync_engine, "connect", _query_only)
    await writer.dispose()  # the next write opens a new connection, with the pragma or not


@pytest.fixture
async def shop(settings: Settings, seeded_store: SqlStore) -> AsyncIterator[Server]:
    services = build_services(
        replace(settings, seed_on_start=False, shop_secrets={SHOP: SECRET}),
        seeded_store,
        clock=lambda: NOW,
    )
    async with serving(create_app(services)) as server:
        yield server


async def _health(server: Server) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url("/healthz")) as response,
    ):
        return response.status, await response.json()


async def _post_order(server: Server, order: dict[str, Any]) -> tuple[int, str, str | None]:
    body = json.dumps(order).encode()
    headers = {"X-Shop": SHOP, "X-Signature": signature(SECRET, body)}
    async with (
        aiohttp.ClientSession() as session,
        session.post(server.url("/api/orders"), data=body, headers=headers) as response,
    ):
        return response.status, await response.text(), response.headers.get("Retry-After")


async def test_a_read_only_sqlite_file_is_loud_and_nothing_unstored_is_acknowledged(
    shop: Server, seeded_store: SqlStore
) -> None:
    kazakh = await viewer(shop, "u-aigerim", "kk", locale="ru")
    try:
        kept = await kazakh.say(KAZAKH)
        assert kept["status"] == "sent"
        assert (await _health(shop))[0] == 200

        await read_only(seeded_store, True)
        # Chat: refused with a clear, translated error in place of the ack.
        await kazakh.send({"type": "chat", "text": "Бағасы қанша?", "ref": "ro-1"})
        error = await kazakh.recv_until("error", ref="ro-1", wait=15)
        assert error["code"] == "store_unavailable"
        assert "сохранить" in error["message"]

        # /healthz: 503 degraded, with the reason in one line (no SQL, no data).
        async def degraded() -> bool:
            return (await _health(shop))[0] == 503

        await eventually(degraded)
        status, body = await _health(shop)
        assert (status, body["status"]) == (503, "degraded")
        assert body["checks"] == {"database": "ok", "writes": "failing"}
        assert "readonly database" in body["reason"]
        assert "\n" not in body["reason"]
        assert "Бағасы" not in body["reason"]

        # The order webhook: 503 with Retry-After, no traceback, nothing stored.
        status, text, retry_after = await _post_order(shop, an_order(id="RO-SQLITE-1"))
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
            return (await _health(shop))[0] == 200

        await eventually(healthy)
        status, _, _ = await _post_order(shop, an_order(id="RO-SQLITE-1"))
        assert status == 201
    finally:
        await kazakh.close()
