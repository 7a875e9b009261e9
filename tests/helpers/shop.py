"""A server that takes a shop's orders, and the two requests tests of a failing database
make to it: `/healthz`, and one signed order to the webhook."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import aiohttp

from livecommerce.app import build_services
from livecommerce.config import Settings
from livecommerce.store import SqlStore
from livecommerce.web.app import create_app
from livecommerce.web.orders import signature
from tests.conftest import NOW, Server, serving

SHOP = "khorgos-shop"
SECRET = "s3cr3t-of-the-khorgos-shop-0123456789"


@contextlib.asynccontextmanager
async def shop_server(settings: Settings, store: SqlStore) -> AsyncIterator[Server]:
    """A server on `store` that takes the orders SHOP signs with SECRET."""
    services = build_services(
        replace(settings, seed_on_start=False, shop_secrets={SHOP: SECRET}),
        store,
        clock=lambda: NOW,
    )
    async with serving(create_app(services)) as server:
        yield server


async def health(server: Server) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url("/healthz")) as response,
    ):
        return response.status, await response.json()


async def post_order(server: Server, order: dict[str, Any]) -> tuple[int, str, str | None]:
    """POST one order signed by SHOP: the status, the body as text, the Retry-After."""
    body = json.dumps(order).encode()
    headers = {"X-Shop": SHOP, "X-Signature": signature(SECRET, body)}
    async with (
        aiohttp.ClientSession() as session,
        session.post(server.url("/api/orders"), data=body, headers=headers) as response,
    ):
        return response.status, await response.text(), response.headers.get("Retry-After")
