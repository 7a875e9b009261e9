"""/healthz and the order webhook on a database that answers but does not store.

A real PostgreSQL database of the test's own, set read-only with
`default_transaction_read_only` (new sessions take it): reads work, every write fails.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import asyncpg
import pytest

from livecommerce.app import open_store
from livecommerce.config import Settings
from livecommerce.files import seeds
from livecommerce.store import SqlStore
from livecommerce.web.orders import not_storing
from tests.conftest import PG_ADMIN_URL, SEEDS, Server
from tests.helpers.chat import KAZAKH, eventually, viewer
from tests.helpers.shop import health, post_order, shop_server
from tests.web.test_orders import an_order

pytestmark = pytest.mark.postgres


async def _read_only(pg_url: str, on: bool) -> None:
    """Set the test's database read-only (or writable again) for new sessions, and end
    the sessions open now so that the store's pool reconnects with the new setting."""
    name = pg_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await admin.execute(
            f'ALTER DATABASE "{name}" SET default_transaction_read_only = {"on" if on else "off"}'
        )
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
    finally:
        await admin.close()


@pytest.fixture
async def pg_store(pg_url: str) -> AsyncIterator[SqlStore]:
    store = open_store(pg_url)
    await store.start()
    await seeds.load(store, SEEDS)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
async def shop(settings: Settings, pg_store: SqlStore) -> AsyncIterator[Server]:
    async with shop_server(settings, pg_store) as server:
        yield server


async def test_a_read_only_database_gets_the_order_webhook_a_503_with_retry_after(
    shop: Server, pg_url: str
) -> None:
    await _read_only(pg_url, True)
    status, text, retry_after = await post_order(shop, an_order(id="RO-1"))
    assert (status, json.loads(text)["error"]["code"], retry_after) == (
        503,
        "store_unavailable",
        "5",
    )
    assert "Traceback" not in text

    await _read_only(pg_url, False)
    status, text, _ = await post_order(shop, an_order(id="RO-1"))
    assert status in (201, 503)  # the first write after the sessions ended may reconnect
    if status == 503:
        status, text, _ = await post_order(shop, an_order(id="RO-1"))
    assert (status, json.loads(text)["accepted"]) == (201, 1)


async def test_healthz_is_degraded_with_the_reason_while_writes_fail(
    shop: Server, pg_url: str
) -> None:
    assert (await health(shop))[0] == 200
    await _read_only(pg_url, True)
    kazakh = await viewer(shop, "aigerim", "kk")
    try:
        await kazakh.send({"type": "chat", "text": KAZAKH, "ref": "ro-1"})

        async def degraded() -> bool:
            return (await health(shop))[0] == 503

        await eventually(degraded)
        status, body = await health(shop)
        assert (status, body["status"]) == (503, "degraded")
        assert body["checks"] == {"database": "ok", "writes": "failing"}
        assert "read-only" in body["reason"]
        assert "\n" not in body["reason"]
        assert "[SQL" not in body["reason"]  # no SQL
        assert KAZAKH not in body["reason"]  # no data

        await _read_only(pg_url, False)

        async def healthy() -> bool:
            return (await health(shop))[0] == 200

        await eventually(healthy)
        assert (await health(shop))[1]["status"] == "ok"
    finally:
        await kazakh.ws.close()


def test_a_fault_of_ours_is_not_taken_for_a_database_that_does_not_store() -> None:
    assert not not_storing(ValueError("a bug"))
    assert not not_storing(KeyError("sku"))
