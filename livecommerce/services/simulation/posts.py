"""The simulator's HTTP requests: the shop's signed orders, the streamer's transcript and
pins. Each is sent until the server answers it (a dropped connection or a 5xx while the
server restarts is tried again), since an order or a mention is kept only once answered.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from livecommerce.services.webhooks import signature

RETRY = (0.2, 2.0)  # first and longest wait between tries


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


class Unanswered(Exception):
    """The server gave no usable answer before the simulation gave up."""


async def post(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: dict[str, str],
    stop: asyncio.Event,
) -> Answer:
    """POST `body` until the server answers with anything but a 5xx; `Unanswered` once
    `stop` is set and a try failed."""
    attempt = 0
    while True:
        try:
            async with session.post(url, data=body, headers=headers) as response:
                if response.status < 500:
                    try:
                        data = await response.json(content_type=None)
                    except ValueError:
                        data = {}
                    return Answer(response.status, data if isinstance(data, dict) else {})
        except (aiohttp.ClientError, TimeoutError, OSError):
            pass
        if stop.is_set():
            raise Unanswered(url)
        attempt += 1
        await asyncio.sleep(min(RETRY[1], RETRY[0] * 2 ** min(attempt, 6)))


def json_body(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def order(
    session: aiohttp.ClientSession,
    base: str,
    shop: str,
    secret: str,
    data: dict[str, Any],
    stop: asyncio.Event,
) -> Answer:
    """One order through the webhook, signed with the shop's secret."""
    body = json_body(data)
    headers = {
        "X-Shop": shop,
        "X-Signature": signature(secret, body),
        "Content-Type": "application/json",
    }
    return await post(session, f"{base}/api/orders", body, headers, stop)


async def as_streamer(
    session: aiohttp.ClientSession,
    base: str,
    path: str,
    token: str,
    data: dict[str, Any],
    stop: asyncio.Event,
) -> Answer:
    """A transcript line or a pin, with the streamer's token."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return await post(session, f"{base}{path}", json_body(data), headers, stop)
