"""What one process runs: the `Services` object and its background work.

`livecommerce.app` builds a `Services` from the settings (it alone chooses the concrete
backends); the web adapter and the CLI receive it. `live_rooms` and `leading_show_jobs`
run the background work for the length of a block (the web app wraps them in aiohttp's
`cleanup_ctx`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from livecommerce.config import Settings
from livecommerce.core.langid import default_identifier
from livecommerce.metrics import Metrics
from livecommerce.services.catalog import Catalog
from livecommerce.services.leader import Leadership
from livecommerce.services.mentions import MentionLog
from livecommerce.services.rooms import Rooms
from livecommerce.services.show_jobs import ShowScheduler
from livecommerce.services.webhooks import WebhookSender
from livecommerce.store import SqlStore

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    """Everything a served process runs, built once (`build_services`) and handed to
    the web app and the CLI. The store's life is its owner's (`running` opens it)."""

    settings: Settings
    store: SqlStore
    clock: Clock
    metrics: Metrics
    catalog: Catalog
    mentions: MentionLog
    rooms: Rooms
    # The key that signs chat tokens (`secret` setting, else data_dir/secret).
    secret: bytes
    # Whether this process leads the cluster's show jobs (campaigning once started).
    leadership: Leadership
    # Where show events are posted (`show_webhook_url`), if anywhere.
    webhook: WebhookSender | None
    # The show jobs act on the services above: built from them, once.
    show_jobs: ShowScheduler = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "show_jobs", ShowScheduler(self))


# -- background work -------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def live_rooms(services: Services) -> AsyncIterator[None]:
    """The live parts at work for the block: the catalog and the language model loaded,
    the rooms and the mention log started; afterwards every chat connection is closed
    and what the rooms and the log still hold is written (within `shutdown_timeout`)."""
    await services.catalog.reload(services.store)
    identifier = await asyncio.get_running_loop().run_in_executor(None, default_identifier)
    services.rooms.identify = identifier.identify
    await services.rooms.start()
    services.mentions.start()
    try:
        yield
    finally:
        grace = services.settings.shutdown_timeout
        await services.rooms.close(grace)
        await services.mentions.close(grace)


@contextlib.asynccontextmanager
async def leading_show_jobs(services: Services) -> AsyncIterator[ShowScheduler]:
    """The show jobs for the block: campaigning for the cluster's leader lock and run
    while this process holds it (see `ShowScheduler.lead`); afterwards the lock is given
    up and APScheduler shut down."""
    jobs = services.show_jobs
    await jobs.start_leading(services.leadership)
    try:
        yield jobs
    finally:
        await jobs.close()
