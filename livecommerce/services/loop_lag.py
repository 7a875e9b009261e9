"""How late the event loop runs: a timer that measures its own lateness.

A callback is scheduled every `interval` seconds; when it runs, how much later than
asked it ran is the loop's lag at that moment: the time some other callback held the
loop (a blocking call, a garbage collection, a long computation). Each lateness is
observed in a histogram, so a stall is a number on /metrics, not a guess. The cost is
one timer callback per interval (20 a second by default), nothing per message.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

# How often the loop is sampled. A stall shorter than this may fall between samples, but
# one longer than it always delays the next sample by its whole length.
INTERVAL = 0.05


class LoopLagMonitor:
    """Calls `observe(seconds_late)` about every `interval` seconds while started."""

    def __init__(self, observe: Callable[[float], None], interval: float = INTERVAL) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.observe = observe
        self.interval = interval
        self._handle: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._schedule(self._loop.time())

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _schedule(self, now: float) -> None:
        assert self._loop is not None
        due = now + self.interval
        self._handle = self._loop.call_at(due, self._tick, due)

    def _tick(self, due: float) -> None:
        assert self._loop is not None
        now = self._loop.time()
        self.observe(max(0.0, now - due))
        self._schedule(now)


@contextlib.asynccontextmanager
async def watching(
    observe: Callable[[float], None], interval: float = INTERVAL
) -> AsyncIterator[LoopLagMonitor]:
    """The running loop's lag observed for the length of the block."""
    monitor = LoopLagMonitor(observe, interval)
    monitor.start()
    try:
        yield monitor
    finally:
        monitor.stop()
