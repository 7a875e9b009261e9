"""The totals of many past shows at once (the home page, the list of past shows,
`shows list --past`): each from the show's report (`reporting.review`, kept until the
show's data changes), a few computed at a time so that the event loop, the database and
the worker threads keep serving everyone else."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import timedelta

from livecommerce.core.hours import Opening
from livecommerce.core.models import Show
from livecommerce.core.report import Totals
from livecommerce.services.reporting import review
from livecommerce.store import SqlStore

# Reports computed at the same time: each is a few queries and a worker thread's work.
AT_ONCE = 4


async def totals_of(
    store: SqlStore,
    shows: Sequence[Show],
    base_currency: str,
    window: timedelta,
    opening: Opening | None = None,
    *,
    at_once: int = AT_ONCE,
    done: Callable[[], None] | None = None,
) -> dict[str, Totals]:
    """The totals of each of `shows` that is still in the store, by show id, at most
    `at_once` reports computed at a time; `done` is called as each one is ready."""
    gate = asyncio.Semaphore(at_once)

    async def one(show: Show) -> tuple[str, Totals | None]:
        async with gate:
            found = await review(store, show.id, base_currency, window, opening)
        if done is not None:
            done()
        return show.id, found.totals if found is not None else None

    pairs = await asyncio.gather(*(one(show) for show in shows))
    return {show_id: totals for show_id, totals in pairs if totals is not None}
