"""Chat participants over real websockets, and what tests of the relay share."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from livecommerce.app import build_services
from livecommerce.config import Settings
from livecommerce.core import tokens
from livecommerce.core.models import Role
from livecommerce.store import SqlStore
from livecommerce.web.app import create_app
from tests.conftest import NOW, Server, serving

SHOW = "khorgos-it-2026-11-20"  # kk ru uz ky ug zh, fallback moderators: ru
SEEDED_LAST_ID = 126  # the seeded chat of that show
TIMEOUT = 5.0  # the longest a test waits for one frame
HOUR = 3600

KAZAKH = "Сәлеметсіз бе, бұл ноутбуктың бағасы қанша болады?"
RUSSIAN = "Добрый вечер, а доставка в Алматы есть?"

Frame = dict[str, Any]
# What staff hear besides chat: presence counts and who covers which language.
STAFF_CHATTER = ("presence", "notice")
_refs = itertools.count(1)


# -- helpers -----------------------------------------------------------------------------


def make_token(
    server: Server,
    user: str,
    role: str = "viewer",
    langs: Iterable[str] = (),
    *,
    name: str | None = None,
    stream: str | None = SHOW,
    expires: int | None = None,
) -> str:
    """A token signed with the test server's secret."""
    identity = tokens.Identity(
        user=user,
        name=name or user,
        role=Role(role),
        langs=tuple(langs),
        stream=stream,
        expires=int(NOW.timestamp()) + HOUR if expires is None else expires,
    )
    return tokens.issue(server.services.secret, identity)


def ws_url(server: Server, stream: str = SHOW, **query: Any) -> str:
    """The relay's URL; a list value repeats its parameter (`lang=kk&lang=ru`)."""
    params = {k: v for k, v in query.items() if v is not None}
    base = server.base.replace("http://", "ws://", 1)
    return f"{base}/ws/streams/{quote(stream, safe='')}?{urlencode(params, doseq=True)}"


class Client:
    """One chat participant over a real websocket.

    Frames arrive in one order and tests look for them in another: a frame that
    `recv_until` passes over is kept in `backlog`, and later reads look there first.
    """

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.hello: Frame = {}
        self.backlog: list[Frame] = []

    @classmethod
    async def open(
        cls,
        server: Server,
        *,
        stream: str = SHOW,
        lang: str | list[str] | None = None,
        token: str | None = None,
        name: str | None = None,
        since: int | None = None,
        locale: str | None = None,
        hello: bool = True,
        **options: Any,
    ) -> Client:
        """Connect with these query parameters and (unless `hello=False`) read `hello`."""
        url = ws_url(server, stream, lang=lang, token=token, name=name, since=since, locale=locale)
        ws = await connect(url, open_timeout=TIMEOUT, close_timeout=TIMEOUT, **options)
        client = cls(ws)
        if hello:
            client.hello = await client.recv()
            assert client.hello["type"] == "hello", client.hello
        return client

    async def send(self, frame: Frame | str | bytes) -> None:
        await self.ws.send(json.dumps(frame) if isinstance(frame, dict) else frame)

    async def _read(self, wait: float) -> Frame:
        raw = await asyncio.wait_for(self.ws.recv(), wait)
        frame = json.loads(raw)
        assert isinstance(frame, dict), frame
        return frame

    async def recv(self, wait: float = TIMEOUT) -> Frame:
        """The next frame: the oldest in the backlog, else the next off the wire."""
        if self.backlog:
            return self.backlog.pop(0)
        return await self._read(wait)

    async def recv_until(self, kind: str, wait: float = TIMEOUT, **fields: Any) -> Frame:
        """The first frame of type `kind` (whose `fields` match), within `wait` seconds."""

        def wanted(frame: Frame) -> bool:
            return frame["type"] == kind and all(frame.get(k) == v for k, v in fields.items())

        for index, frame in enumerate(self.backlog):
            if wanted(frame):
                return self.backlog.pop(index)
        async with asyncio.timeout(wait):
            while True:
                frame = await self._read(wait)
                if wanted(frame):
                    return frame
                self.backlog.append(frame)

    async def chats(self, count: int) -> list[Frame]:
        return [await self.recv_until("chat") for _ in range(count)]

    async def say(self, text: str, **fields: Any) -> Frame:
        """Send a chat message and wait for its `ack`."""
        ref = f"say-{next(_refs)}"
        await self.send({"type": "chat", "text": text, "ref": ref, **fields})
        return await self.recv_until("ack", ref=ref)

    async def assert_silent(self, seconds: float = 0.3, ignore: tuple[str, ...] = ()) -> None:
        """Nothing but frames of the `ignore`d types is waiting or arrives within `seconds`."""
        leftover = [f for f in self.backlog if f["type"] not in ignore]
        assert not leftover, f"expected silence, had {leftover}"
        self.backlog.clear()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (left := deadline - loop.time()) > 0:
            try:
                frame = await self._read(left)
            except TimeoutError:
                return
            assert frame["type"] in ignore, f"expected silence, got {frame}"

    async def closed(self, wait: float = TIMEOUT) -> tuple[int | None, list[Frame]]:
        """Read until the server closes: the close code and the frames before it."""
        frames, self.backlog = self.backlog, []
        async with asyncio.timeout(wait):
            with contextlib.suppress(ConnectionClosed):
                while True:
                    frames.append(json.loads(await self.ws.recv()))
        return self.ws.close_code, frames

    async def close(self) -> None:
        await self.ws.close()


async def refused(
    server: Server, stream: str = SHOW, headers: dict[str, str] | None = None, **query: Any
) -> tuple[int, Frame]:
    """A connection the relay refuses before the upgrade: its status and JSON body."""
    with pytest.raises(InvalidStatus) as caught:
        async with connect(
            ws_url(server, stream, **query), open_timeout=TIMEOUT, additional_headers=headers
        ):
            pass
    response = caught.value.response
    return response.status_code, json.loads(response.body or b"{}")


@contextlib.asynccontextmanager
async def running(
    settings: Settings,
    store: SqlStore,
    clock: Callable[[], datetime] = lambda: NOW,
    **changes: Any,
) -> AsyncIterator[Server]:
    """A second server like the `server` fixture, with some settings (or its clock) changed."""
    services = build_services(replace(settings, seed_on_start=False, **changes), store, clock=clock)
    async with serving(create_app(services)) as server:
        yield server


async def get_json(server: Server, path: str) -> Any:
    async with aiohttp.ClientSession() as session, session.get(server.url(path)) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def get_text(server: Server, path: str) -> str:
    async with aiohttp.ClientSession() as session, session.get(server.url(path)) as response:
        assert response.status == 200, await response.text()
        return await response.text()


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Wait (bounded) until `check` holds. For what the server does a moment after the
    client is done, such as counting a connection's end: no event reaches the client."""
    async with asyncio.timeout(TIMEOUT):
        while not await check():  # noqa: ASYNC110 - the server's state, seen over HTTP
            await asyncio.sleep(0.02)


async def metric_settles(server: Server, line: str) -> None:
    """Wait until /metrics shows `line`."""

    async def shown() -> bool:
        return line in (await get_text(server, "/metrics")).splitlines()

    await eventually(shown)


async def audit_actions(server: Server) -> list[dict[str, Any]]:
    """The show's moderation audit log, once the writer has written what it holds."""
    rooms = server.services.rooms
    await rooms.writer.drain()
    return await rooms.store.audit_log(SHOW)


async def viewer(server: Server, user: str, lang: str, **options: Any) -> Client:
    return await Client.open(
        server, token=make_token(server, user, "viewer", [lang]), lang=lang, **options
    )


async def moderator(server: Server, user: str, *langs: str, **options: Any) -> Client:
    return await Client.open(server, token=make_token(server, user, "moderator", langs), **options)


async def streamer(server: Server, **options: Any) -> Client:
    return await Client.open(
        server, token=make_token(server, "streamer-khorgos", "streamer"), **options
    )
