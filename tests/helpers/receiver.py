"""A real webhook receiver for the tests: an aiohttp server on a loopback port the OS
picks, answering a given sequence of statuses and keeping every request it got."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from tests.helpers.chat import TIMEOUT
from tests.helpers.ports import refused_port


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes


class Receiver:
    """Answers each POST with the next status of `statuses` (then 200), `delay` seconds
    after it arrived, and records it."""

    def __init__(self, statuses: Iterable[int] = (), delay: float = 0.0) -> None:
        self.statuses = list(statuses)
        self.delay = delay
        self.received: list[Received] = []
        self.url = ""
        self._arrived = asyncio.Condition()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        status = self.statuses.pop(0) if self.statuses else 200
        async with self._arrived:
            self.received.append(Received(dict(request.headers), body))
            self._arrived.notify_all()
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.Response(status=status, text="ok" if status < 300 else "no")

    async def wait_for(self, count: int, within: float = TIMEOUT) -> list[Received]:
        """The requests once at least `count` have arrived (within `within` seconds)."""
        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(lambda: len(self.received) >= count)
        return list(self.received)


@asynccontextmanager
async def receiving(statuses: Iterable[int] = (), delay: float = 0.0) -> AsyncIterator[Receiver]:
    receiver = Receiver(statuses, delay)
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    # A client that gives up cancels its handler: cleanup need not wait out a delay.
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    receiver.url = f"http://{host}:{port}/hook"
    try:
        yield receiver
    finally:
        await runner.cleanup()


def unreachable_url() -> str:
    """A loopback URL where a connection is refused (a port held, never listening)."""
    return f"http://127.0.0.1:{refused_port()}/hook"
