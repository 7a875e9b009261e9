"""`python -m livecommerce serve` in subprocesses of the test's own: the one way tests
start `serve`. It listens where the caller says (`--port 0`: a port the OS picks) and
prints `serving on http://host:port`; every line it writes (stdout and stderr) is kept in
`log`, so the pipes never fill up and a failing test can show what it said.

    async with served(env, "--port", "0", ...) as server:   # one, stopped with SIGTERM
    servers = Servers(); a = await servers.serving(env, ...)  # several, reaped by close()

The server's settings are the test's alone: the environment is the test's own minus
every LIVECOMMERCE_* variable (an unknown one would stop `serve`), plus `env`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

START_TIMEOUT = 60.0  # `serve` seeding a new PostgreSQL database on a busy machine
STOP_TIMEOUT = 60.0
ADDRESS = re.compile(r"https?://[^\s/]+")  # the first on stdout: where it serves


@dataclass
class Serving:
    """One `serve` process: its base URL once it serves, and what it wrote so far."""

    process: asyncio.subprocess.Process
    name: str = "serve"
    base: str = ""
    log: list[str] = field(default_factory=list)
    _first_address: str = ""
    _news: asyncio.Condition = field(default_factory=asyncio.Condition)
    _open_pipes: int = 2
    _readers: list[asyncio.Task[None]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    def output(self) -> str:
        """Everything it wrote so far, stdout and stderr lines in the order they came."""
        return "".join(self.log)

    def tail(self, lines: int = 30) -> str:
        return "".join(self.log[-lines:])

    async def address(self, wait: float = START_TIMEOUT) -> str:
        """Wait until it serves (it prints its address); its base URL, `http://host:port`."""
        try:
            async with asyncio.timeout(wait), self._news:
                await self._news.wait_for(lambda: bool(self._first_address) or not self._open_pipes)
        except TimeoutError:
            raise AssertionError(
                f"{self.name} did not serve within {wait} s; its output ends:\n{self.tail()}"
            ) from None
        self.base = self._first_address
        if not self.base:
            raise AssertionError(f"{self.name} stopped before serving:\n{self.output()}")
        return self.base

    async def printed(self, needle: str, wait: float = START_TIMEOUT) -> str:
        """Wait until a line it wrote contains `needle`; everything it wrote so far."""
        try:
            async with asyncio.timeout(wait), self._news:
                await self._news.wait_for(
                    lambda: any(needle in line for line in self.log) or not self._open_pipes
                )
        except TimeoutError:
            raise AssertionError(
                f"{self.name} did not print {needle!r} within {wait} s:\n{self.tail()}"
            ) from None
        if not any(needle in line for line in self.log):
            raise AssertionError(f"{self.name} ended without printing {needle!r}:\n{self.output()}")
        return self.output()

    async def health(self) -> dict[str, Any]:
        async with aiohttp.ClientSession() as session, session.get(self.url("/healthz")) as r:
            body: dict[str, Any] = await r.json()
            return body

    async def metrics(self) -> str:
        async with aiohttp.ClientSession() as session, session.get(self.url("/metrics")) as r:
            return await r.text()

    def kill(self) -> None:
        """SIGKILL, now: no shutdown, nothing flushed; its sockets close with it."""
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGKILL)

    async def stop(self, sig: signal.Signals = signal.SIGTERM, wait: float = STOP_TIMEOUT) -> int:
        """Send `sig` (if it still runs) and wait for the end (SIGKILL past `wait`); the
        exit code (negative: the signal that ended it)."""
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(sig)
        try:
            async with asyncio.timeout(wait):
                code = await self.process.wait()
        except TimeoutError:
            self.kill()
            code = await self.process.wait()
        await asyncio.gather(*self._readers)
        return code

    async def _keep(self, stream: asyncio.StreamReader | None, stdout: bool) -> None:
        assert stream is not None
        try:
            async for raw in stream:
                line = raw.decode("utf-8", "replace")
                async with self._news:
                    self.log.append(line)
                    found = ADDRESS.search(line) if stdout else None
                    if found and not self._first_address:
                        self._first_address = found.group(0)
                    self._news.notify_all()
        finally:
            async with self._news:
                self._open_pipes -= 1
                self._news.notify_all()


def environment(env: dict[str, str]) -> dict[str, str]:
    """The test's environment without its LIVECOMMERCE_* settings, then `env`."""
    own = {k: v for k, v in os.environ.items() if not k.startswith("LIVECOMMERCE_")}
    # The demo world chats in its finished show: opening hours off unless `env` says.
    hours = {"LIVECOMMERCE_CHAT_OPENING_HOURS": "false"}
    return {**own, "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1", **hours, **env}


async def start(env: dict[str, str], *args: str, name: str = "serve") -> Serving:
    """Start `serve` with `args` and these environment variables; it may not serve yet
    (`await serving.address()`)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "livecommerce",
        "serve",
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environment(env),
    )
    serving = Serving(process, name)
    serving._readers = [
        asyncio.create_task(serving._keep(process.stdout, stdout=True)),
        asyncio.create_task(serving._keep(process.stderr, stdout=False)),
    ]
    return serving


@contextlib.asynccontextmanager
async def served(env: dict[str, str], *args: str) -> AsyncIterator[Serving]:
    """`serve` for the block's duration, once it serves; stopped with SIGTERM."""
    serving = await start(env, *args)
    try:
        await serving.address()
        yield serving
    finally:
        await serving.stop(signal.SIGTERM, wait=30)


@dataclass
class Servers:
    """The `serve` processes of one test, however many: `close()` kills and collects
    whichever still run (a test's clean-up, after it stopped the ones it checks)."""

    started: list[Serving] = field(default_factory=list)

    async def start(self, env: dict[str, str], *args: str, name: str = "serve") -> Serving:
        serving = await start(env, *args, name=name)
        self.started.append(serving)
        return serving

    async def serving(self, env: dict[str, str], *args: str, name: str = "serve") -> Serving:
        """Start one and return once it serves."""
        serving = await self.start(env, *args, name=name)
        await serving.address()
        return serving

    async def close(self) -> None:
        for serving in self.started:
            await serving.stop(signal.SIGKILL, wait=STOP_TIMEOUT)


@contextlib.asynccontextmanager
async def group() -> AsyncIterator[Servers]:
    """`Servers` for the block's duration."""
    servers = Servers()
    try:
        yield servers
    finally:
        await servers.close()
