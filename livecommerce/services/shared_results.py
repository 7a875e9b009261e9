"""Results shared by everyone who asks for the same thing at the same time.

`SharedResults.get(key, version, compute)` gives the result kept for `key` at `version`,
or the computation of it already on its way, or starts one (a task of its own: a caller
that gives up does not cancel what the others wait for). A computation that fails, is
cancelled, or returns what `keep` refuses is not kept: the next caller computes again.
At most `size` keys are kept; the least recently asked for goes first. The reports
(`services/reporting.py`, keyed by show, versioned by their data) and the shows a crowd
joins (`services/show_cache.py`, versioned by the second) are kept this way.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class SharedResults(Generic[T]):
    """Results by key, each with the version it was computed for."""

    def __init__(self, size: int, keep: Callable[[T], bool] = lambda _: True) -> None:
        self.size = size
        self.keep = keep
        self._entries: OrderedDict[Hashable, tuple[Hashable, asyncio.Task[T]]] = OrderedDict()
        self.computed = 0  # results computed rather than found: what the tests count

    async def get(self, key: Hashable, version: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        """The result of `key` at `version`: the one kept or being computed, else a new
        computation by `compute`."""
        entry = self._entries.get(key)
        if entry is None or entry[0] != version:
            task = asyncio.ensure_future(compute())
            self.computed += 1
            entry = (version, task)
            self._entries[key] = entry
            task.add_done_callback(lambda done: self._forget_unkept(key, done))
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        self._entries.move_to_end(key)
        return await asyncio.shield(entry[1])

    def _forget_unkept(self, key: Hashable, task: asyncio.Task[T]) -> None:
        if task.cancelled() or task.exception() is not None or not self.keep(task.result()):
            entry = self._entries.get(key)
            if entry is not None and entry[1] is task:
                del self._entries[key]
