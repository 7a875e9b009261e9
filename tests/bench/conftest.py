"""What the benchmark's tests share: a reference relay started in its own process."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator

START_TIMEOUT = 10.0


@contextlib.asynccontextmanager
async def started_relay(*argv: str) -> AsyncIterator[tuple[str, int]]:
    """`argv --port 0` in its own process until the block ends: the address it printed
    (`host:port`) and its pid."""
    process = await asyncio.create_subprocess_exec(
        *argv, "--port", "0", stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(START_TIMEOUT):
            line = (await process.stdout.readline()).decode()
        found = re.search(r"http://([0-9.]+:[0-9]+)", line)
        assert found, line
        yield found.group(1), process.pid
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()
