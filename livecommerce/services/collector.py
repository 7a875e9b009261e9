"""The cyclic garbage collector, kept from stalling the event loop.

CPython's collector pauses the whole process; a full pass examines every object it
tracks. A served process tracks about 160,000 objects once started (modules, the
language model's tables, catalogs, the seeds) and about 100 more per open chat
connection (aiohttp's request, protocol, transport, reader and writer, the tasks and
coroutine frames of its handler, the room's member): with 3,000 viewers a full pass
took 280 ms and came every 30 s or so under a steady chat, and one came at every 25 %
of growth while an audience connected (docs/performance.md, "At audience scale: stalls removed").

`Collector` keeps full passes small:

- **Start-up is frozen** (`gc.freeze`): what start-up built is never examined again.
- **Survivors settle**: every `settle` seconds, a collection of the young objects
  (everything not frozen, so it costs in proportion to what arrived since the last
  settle), then a freeze of what survived. An object that outlived one settle is
  frozen; if it dies later by its reference count (history entries, pending writes,
  acks), it is freed as before. The automatic passes in between only ever see what
  arrived since the last settle.
- **Reclaim**: what dies in a reference cycle *after* it was frozen is not freed until
  the permanent generation is examined again. The chat's own per-message objects form
  no cycles, but aiohttp and asyncio leave each closed connection in cycles (about 33
  objects, 7–10 KB). So after `reclaim_connections` closed connections, or after
  `reclaim_seconds`, the collector unfreezes everything and makes one full pass (the one
  pause left, as long as a full pass was before), then freezes again.

Each pass's pause is observed (`observe(generation, seconds)`, by a `gc.callbacks`
hook, whoever triggered it) under its generation, "0" to "2"; a reclaim's under
"reclaim".
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from typing import Any

# How many net new tracked objects start a young collection (CPython: 700). Higher
# means fewer collections, so fewer short-lived objects (a frame waiting for the
# coalescing window, an ack waiting for its commit) are caught alive and promoted.
YOUNG_THRESHOLD = 10_000
# The label a reclaim's pause is observed under (a collection's is its generation).
RECLAIM = "reclaim"


class Collector:
    """The process's garbage collection policy while started (see the module)."""

    def __init__(
        self,
        observe: Callable[[str, float], None],
        *,
        settle: float = 0.25,
        reclaim_connections: int = 5000,
        reclaim_seconds: float = 3600.0,
        closed: Callable[[], int] = lambda: 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if settle <= 0:
            raise ValueError("settle must be positive")
        self.observe = observe
        self.settle_every = settle
        self.reclaim_connections = reclaim_connections
        self.reclaim_seconds = reclaim_seconds
        self.closed = closed
        self.clock = clock
        self.settles = 0
        self.reclaims = 0
        self._started = 0.0
        self._reclaimed_at = 0.0
        self._closed_at_reclaim = 0
        self._thresholds: tuple[int, int, int] | None = None
        self._handle: asyncio.TimerHandle | None = None

    # -- life --------------------------------------------------------------------------

    def start(self) -> None:
        """Freeze what start-up built, raise the young threshold, settle periodically."""
        gc.callbacks.append(self._callback)
        self._thresholds = gc.get_threshold()
        young, middle, old = self._thresholds
        gc.set_threshold(max(young, YOUNG_THRESHOLD), middle, old)
        self._reclaimed_at = self.clock()
        self._closed_at_reclaim = self.closed()
        self._collect_and_freeze()
        self._schedule()

    def stop(self) -> None:
        """Back to CPython's defaults: nothing frozen, its own thresholds."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None
        gc.unfreeze()

    # -- the policy --------------------------------------------------------------------

    def tick(self) -> None:
        """One settle, or a reclaim when it is due."""
        if self.reclaim_due():
            gc.unfreeze()
            began = time.perf_counter()
            self._collect_and_freeze(observed=False)
            self.observe(RECLAIM, time.perf_counter() - began)
            self.reclaims += 1
            self._reclaimed_at = self.clock()
            self._closed_at_reclaim = self.closed()
        else:
            self._collect_and_freeze()
            self.settles += 1

    def reclaim_due(self) -> bool:
        closed = self.closed() - self._closed_at_reclaim
        return (
            closed >= self.reclaim_connections
            or self.clock() - self._reclaimed_at >= self.reclaim_seconds
        )

    def _collect_and_freeze(self, observed: bool = True) -> None:
        """A full pass over what is not frozen, then a freeze of what survived it."""
        if not observed:
            gc.callbacks.remove(self._callback)
        try:
            gc.collect()
        finally:
            if not observed:
                gc.callbacks.append(self._callback)
        gc.freeze()

    def _schedule(self) -> None:
        loop = asyncio.get_running_loop()
        self._handle = loop.call_later(self.settle_every, self._run)

    def _run(self) -> None:
        self.tick()
        self._schedule()

    # -- measuring ---------------------------------------------------------------------

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.observe(str(info["generation"]), time.perf_counter() - self._started)
