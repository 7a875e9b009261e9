"""Batched, durable writing off the hot path.

Items are queued without waiting; a background task writes them in batches. A failed
write, or one that hangs past `write_timeout`, is retried with backoff and nothing is
lost, as long as the bounded buffer holds; past its bound new items are dropped,
counted and logged, never silently. A write given up that did reach the database is
written again: chat messages, erasures and mentions are keyed, so that is harmless
(an audit entry could appear twice). `close` flushes what is pending.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from livecommerce.errors import brief
from livecommerce.services.retry import Retry, until_done

T = TypeVar("T")
log = logging.getLogger(__name__)


class BatchWriter(Generic[T]):
    def __init__(
        self,
        name: str,
        flush: Callable[[list[T]], Awaitable[None]],
        *,
        max_batch: int = 500,
        max_delay: float = 0.1,
        max_buffer: int = 100_000,
        retry_first: float = 0.1,
        retry_max: float = 5.0,
        write_timeout: float = 30.0,
        on_change: Callable[[int, int, int], None] | None = None,
    ) -> None:
        self.name = name
        self._flush = flush
        self.max_batch = max_batch
        self.max_delay = max_delay
        self.max_buffer = max_buffer
        self.retry_first = retry_first
        self.retry_max = retry_max
        # A write that hangs (a database cut off without a reset) is given up and retried.
        self.write_timeout = write_timeout
        self._on_change = on_change  # (pending, dropped since last, failures since last)
        self._items: deque[T] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0
        self.failures = 0
        self.written = 0
        # Why the last write failed, while the writes fail (None once one succeeds).
        self.failing: str | None = None

    @property
    def pending(self) -> int:
        return len(self._items)

    @property
    def health(self) -> str | None:
        """None while the writes succeed; else why they fail, in one line (the error's
        kind and first line: no SQL, no values), for /healthz."""
        return None if self.failing is None else f"{self.name}: {self.failing}"

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"writer-{self.name}")

    def put(self, item: T) -> bool:
        """Queue an item; False (and counted) when the buffer is full."""
        if len(self._items) >= self.max_buffer:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.error("%s: write buffer full, %d records dropped", self.name, self.dropped)
            self._report(dropped=1)
            return False
        self._items.append(item)
        self._idle.clear()
        self._wake.set()
        return True

    async def drain(self) -> None:
        """Wait until everything queued so far is written."""
        await self._idle.wait()

    async def close(self, grace: float = 10.0) -> None:
        """Write what is pending (retrying within `grace` seconds), then stop."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), grace)
            except TimeoutError:
                log.error("%s: %d records not written at shutdown", self.name, self.pending)
                self._task.cancel()

    def _report(self, dropped: int = 0, failures: int = 0) -> None:
        if self._on_change is not None:
            self._on_change(len(self._items), dropped, failures)

    async def _run(self) -> None:
        while True:
            if not self._items:
                self._idle.set()
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            if len(self._items) < self.max_batch and not self._closing:
                # Let a batch gather: one write for many records.
                await asyncio.sleep(self.max_delay)
            written = await self._write()
            for _ in range(written):
                self._items.popleft()
            self.written += written
            self._report()

    async def _write(self) -> int:
        """Write the next batch, trying again until it is written (any failure of the
        database: keep and retry); the number of records written."""
        batch: list[T] = []

        def failed(retry: Retry) -> None:
            self.failures += 1
            error = retry.error
            self.failing = brief(error)
            log.warning(
                "%s: writing %d records failed (%s); retrying in %.1fs",
                self.name,
                len(batch),
                str(error).splitlines()[0][:200] if str(error) else type(error).__name__,
                retry.delay,
            )
            self._report(failures=1)

        async def attempt() -> None:
            nonlocal batch
            # Taken again at each try: what arrived meanwhile goes along.
            batch = [self._items[i] for i in range(min(self.max_batch, len(self._items)))]
            async with asyncio.timeout(self.write_timeout):
                await self._flush(batch)

        await until_done(attempt, self.retry_first, self.retry_max, on_retry=failed)
        if self.failing is not None:
            log.info("%s: writing works again", self.name)
            self.failing = None
        return len(batch)
