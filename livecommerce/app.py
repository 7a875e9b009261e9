"""The wiring: what one process runs, built once from the settings.

`build_services(settings, store)` makes the services around a started store and chooses
the concrete backends (the Redis bus, the Redis or PostgreSQL election); `open_store(url)`
chooses the store (SQLite or PostgreSQL) by its URL. `running(settings)` opens and
migrates the store, yields the services and closes the store.

Nothing else in the package chooses a backend: the command line calls these functions,
and the rest of the package sees only the interfaces (`Bus`, `Election`, `SqlStore`);
the import contract `backends-chosen-by-wiring` (pyproject.toml) holds it so. The web
adapter (`livecommerce.web.app.create_app`) receives the `Services` object
(`livecommerce.services.process`) and never imports this module; the background work
starts and stops through `live_rooms` and `leading_show_jobs` there, which the web app
wraps in aiohttp's `cleanup_ctx`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from livecommerce.config import Settings, opening
from livecommerce.core.messages import Text
from livecommerce.core.moderation import HoldPolicy
from livecommerce.core.protocol import Limits
from livecommerce.core.room import RoomRules
from livecommerce.i18n import Localizer
from livecommerce.metrics import Metrics
from livecommerce.services.bus import Bus
from livecommerce.services.catalog import Catalog
from livecommerce.services.elections import PostgresElection, RedisElection
from livecommerce.services.leader import Election, Leadership, LocalElection, lock_name
from livecommerce.services.mentions import MentionLog
from livecommerce.services.process import Clock, Services, utc_now
from livecommerce.services.products import ProductFrames
from livecommerce.services.redis_bus import RedisBus
from livecommerce.services.rooms import Rooms
from livecommerce.services.secret import load_secret
from livecommerce.services.webhooks import WebhookSender
from livecommerce.store.sql import SqlStore


def build_services(settings: Settings, store: SqlStore, *, clock: Clock = utc_now) -> Services:
    """The services of one process around `store` (started or not: nothing here touches
    it); no background work starts until `live_rooms` and `leading_show_jobs` run."""
    metrics = Metrics()
    catalog = Catalog()
    mentions = MentionLog(store, metrics)
    return Services(
        settings=settings,
        store=store,
        clock=clock,
        metrics=metrics,
        catalog=catalog,
        mentions=mentions,
        rooms=_rooms(settings, store, metrics, clock, catalog, mentions),
        secret=load_secret(settings),
        leadership=Leadership(election(settings), settings.leader_ttl),
        webhook=WebhookSender.from_settings(settings, metrics),
    )


@contextlib.asynccontextmanager
async def running(settings: Settings, *, clock: Clock = utc_now) -> AsyncIterator[Services]:
    """Open (and migrate) the store of `settings`, yield the services around it, and
    close the store afterwards."""
    store = open_store(settings.resolved_database_url)
    await store.start()
    try:
        yield build_services(settings, store, clock=clock)
    finally:
        await store.close()


# -- the concrete backends ---------------------------------------------------------------


def open_store(url: str) -> SqlStore:
    """The store for a database URL (`sqlite:///FILE` or `postgresql://…`), not yet started."""
    if url.startswith("sqlite://"):
        from livecommerce.store.sqlite import SqliteStore

        return SqliteStore(url)
    from livecommerce.store.postgres import PostgresStore

    return PostgresStore(url)


def election(settings: Settings) -> Election:
    """The leader lock of this deployment: Redis when set, else PostgreSQL's advisory
    lock, else none needed (SQLite: one process)."""
    database = settings.resolved_database_url
    if settings.redis_url:
        name = lock_name(settings.redis_prefix, database)
        return RedisElection(settings.redis_url, name, settings.leader_ttl)
    if database.startswith(("postgresql://", "postgres://")):
        return PostgresElection(database, settings.leader_ttl)
    return LocalElection()


def bus(settings: Settings) -> Bus | None:
    """The Redis bus that shares rooms between processes, when `redis_url` is set."""
    if not settings.redis_url:
        return None
    return RedisBus(
        settings.redis_url, prefix=settings.redis_prefix, keep=settings.chat_history * 8
    )


def _render(text: Text, locale: str) -> str:
    return Localizer(locale).render(text.template, text.params)


def _rooms(
    settings: Settings,
    store: SqlStore,
    metrics: Metrics,
    clock: Clock,
    catalog: Catalog,
    mentions: MentionLog,
) -> Rooms:
    rules = RoomRules(
        history=settings.chat_history,
        rate=settings.chat_rate,
        burst=settings.chat_burst,
        abuse_limit=settings.abuse_limit,
        hold=HoldPolicy(
            links=settings.hold_links, first_time_guests=settings.hold_first_time_guests
        ),
        opening=opening(settings),
        held_max=settings.held_max,
        held_per_sender=settings.held_per_sender,
        held_page=settings.held_page,
    )
    return Rooms(
        store,
        rules,
        _render,
        ProductFrames(catalog),
        metrics,
        limits=Limits(max_text=settings.max_text),
        blocked=catalog.blocked,
        match=catalog.mentioned,
        clock=clock,
        presence_interval=settings.presence_interval,
        mentions=mentions,
        bus=bus(settings),
    )
