"""The shows a crowd is joining, read from the store once a second instead of once a viewer.

Every chat connection starts by looking its show up. When thousands of viewers arrive in
a minute, a read each (a thread hop to SQLite or a round trip to PostgreSQL, while the
chat writer holds the same database) made a new viewer wait up to seconds for its
`hello` (docs/performance.md, "10,000 connections"). `ShowCache` keeps what a read
returned for `ttl` seconds, and lets the lookups that arrive while one read is on its
way wait for that read rather than start their own. A show changed in the store is seen
at most `ttl` seconds late, which only the opening of a chat connection depends on; a
show that is not there is looked for again at the next lookup.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from livecommerce.core.models import Show

TTL = 1.0
# Shows kept at most (the least recently read go first): the live ones and a few more.
SIZE = 256


class ShowCache:
    """`get(show_id)`: the show as the store had it at most `ttl` seconds ago, or None
    when the store has no such show now."""

    def __init__(
        self,
        read: Callable[[str], Awaitable[Show | None]],
        *,
        ttl: float = TTL,
        size: int = SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.read = read
        self.ttl = ttl
        self.size = size
        self.clock = clock
        self.reads = 0
        self._kept: OrderedDict[str, tuple[float, Show | None]] = OrderedDict()
        self._reading: dict[str, asyncio.Task[Show | None]] = {}

    async def get(self, show_id: str) -> Show | None:
        kept = self._kept.get(show_id)
        if kept is not None and self.clock() - kept[0] < self.ttl:
            return kept[1]
        reading = self._reading.get(show_id)
        if reading is None:
            # A task of its own: a lookup given up (its client went away) does not stop
            # the read the others wait for.
            reading = asyncio.create_task(self._read(show_id), name=f"show-{show_id}")
            self._reading[show_id] = reading
            reading.add_done_callback(lambda done: self._done(show_id, done))
        return await asyncio.shield(reading)

    def forget(self, show_id: str) -> None:
        """Read `show_id` again at its next lookup."""
        self._kept.pop(show_id, None)

    async def _read(self, show_id: str) -> Show | None:
        read_at = self.clock()
        self.reads += 1
        show = await self.read(show_id)
        if show is not None:  # a show created a moment later is found at once
            self._kept[show_id] = (read_at, show)
            self._kept.move_to_end(show_id)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return show

    def _done(self, show_id: str, done: asyncio.Task[Show | None]) -> None:
        del self._reading[show_id]
        if not done.cancelled():
            done.exception()  # a failed read fails its waiters; none may be left to see it
