"""`python -m livecommerce serve` in a subprocess of the test's own: its address, and
every line it writes (stdout and stderr) kept in `log`, so the pipes never fill up."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

START_TIMEOUT = 60.0


@dataclass
class Serving:
    process: asyncio.subprocess.Process
    base: str = ""
    log: list[str] = field(default_factory=list)
    _readers: list[asyncio.Task[None]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    async def address(self) -> str:
        """Wait until it serves (its `serving on http://…` line); its base URL."""
        async with asyncio.timeout(START_TIMEOUT):
            while True:
                for line in self.log:
                    if "serving on http://" in line:
                        self.base = line.split("serving on ", 1)[1].strip()
                        return self.base
                if self.process.returncode is not None:
                    raise AssertionError("serve stopped before serving: " + "".join(self.log))
                await asyncio.sleep(0.05)

    async def health(self) -> dict[str, Any]:
        async with aiohttp.ClientSession() as session, session.get(self.url("/healthz")) as r:
            body: dict[str, Any] = await r.json()
            return body

    async def metrics(self) -> str:
        async with aiohttp.ClientSession() as session, session.get(self.url("/metrics")) as r:
            return await r.text()

    async def stop(self, sig: signal.Signals = signal.SIGTERM, wait: float = 60) -> int:
        """Send `sig` (if it still runs) and wait for the end (SIGKILL past `wait`)."""
        if self.process.returncode is None:
            self.process.send_signal(sig)
        try:
            async with asyncio.timeout(wait):
                code = await self.process.wait()
        except TimeoutError:
            self.process.kill()
            code = await self.process.wait()
        await asyncio.gather(*self._readers)
        return code


async def start(env: dict[str, str], *args: str) -> Serving:
    """Start `serve` with `args` and these environment variables (over the test's own)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "livecommerce",
        "serve",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "LANG": "C.UTF-8", **env},
    )
    serving = Serving(process)

    async def keep(stream: asyncio.StreamReader | None) -> None:
        assert stream is not None
        async for line in stream:
            serving.log.append(line.decode("utf-8", "replace"))

    serving._readers = [
        asyncio.create_task(keep(process.stdout)),
        asyncio.create_task(keep(process.stderr)),
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
