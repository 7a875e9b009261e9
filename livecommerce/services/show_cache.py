"""The shows a crowd is joining, read from the store once a second instead of once a viewer.

Every chat connection starts by looking its show up. When thousands of viewers arrive in
a minute, a read each (a thread hop to SQLite or a round trip to PostgreSQL, while the
chat writer holds the same database) made a new viewer wait up to seconds for its
`hello` (docs/performance.md, "10,000 connections"). `ShowCache` keeps what a read
returned for the rest of the `ttl`-long stretch of time it was read in, and lets the
lookups that arrive while one read is on its way wait for that read rather than start
their own (`SharedResults`). A show changed in the store is seen at most `ttl` seconds
late, which only the opening of a chat connection depends on; a
show that is not there is looked for again at the next lookup.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable

from livecommerce.core.models import Show
from livecommerce.services.shared_results import SharedResults

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
        self.clock = clock
        # A show is kept for the `ttl`-long stretch of time it was read in; a show that
        # is not there is not kept, so one created a moment later is found at once.
        self._shows: SharedResults[Show | None] = SharedResults(size, keep=lambda s: s is not None)

    async def get(self, show_id: str) -> Show | None:
        stretch = math.floor(self.clock() / self.ttl)
        return await self._shows.get(show_id, stretch, lambda: self.read(show_id))
