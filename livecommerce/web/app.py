"""The application factory: one aiohttp app serves pages, API and chat on one port."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from livecommerce.config import Settings
from livecommerce.core.langid import default_identifier
from livecommerce.core.messages import Text
from livecommerce.core.moderation import HoldPolicy
from livecommerce.core.protocol import Limits
from livecommerce.core.room import RoomRules
from livecommerce.i18n import Localizer
from livecommerce.metrics import Metrics
from livecommerce.services.bus import Bus, RedisBus
from livecommerce.services.catalog import Catalog
from livecommerce.services.leader import Leadership
from livecommerce.services.mentions import MentionLog
from livecommerce.services.rooms import Rooms
from livecommerce.services.secret import load_secret
from livecommerce.store import SqlStore
from livecommerce.web import announcements, api, mentions, orders, pages, plan, relay, reports
from livecommerce.web.context import (
    CATALOG,
    CLOCK,
    LEADERSHIP,
    MENTIONS,
    METRICS,
    SETTINGS,
    STORE,
    TEMPLATES,
)
from livecommerce.web.middlewares import (
    error_middleware,
    locale_middleware,
    metrics_middleware,
    proxy_middleware,
)
from livecommerce.web.products import ProductFrames
from livecommerce.web.relay import RELAY, Relay
from livecommerce.web.rendering import environment

STATIC = Path(__file__).resolve().parent / "static"
MAX_BODY = 1024 * 1024


def utc_now() -> datetime:
    return datetime.now(UTC)


async def load_catalog(app: web.Application) -> None:
    """(Re)load what the live parts match against: products, markets, blocked terms.

    Called at start-up and whenever the catalog changes (after seeding, say)."""
    await app[CATALOG].reload(app[STORE])


async def _start_relay(app: web.Application) -> None:
    """Load the catalog and the language model, and start the rooms' background work."""
    await load_catalog(app)
    identifier = await asyncio.get_running_loop().run_in_executor(None, default_identifier)

    def identify(text: str, declared: str, allowed: Collection[str]) -> tuple[str, bool]:
        detection = identifier.identify(text, declared, allowed)
        return detection.lang, detection.confident

    app[RELAY].rooms.identify = identify
    await app[RELAY].rooms.start()
    app[MENTIONS].start()


async def _stop_relay(app: web.Application) -> None:
    """Close every chat connection and write what the rooms still hold."""
    grace = app[SETTINGS].shutdown_timeout
    await app[RELAY].rooms.close(grace)
    await app[MENTIONS].close(grace)


def _render(text: Text, locale: str) -> str:
    return Localizer(locale).render(text.template, text.params)


def _rooms(
    settings: Settings,
    store: SqlStore,
    metrics: Metrics,
    clock: Callable[[], datetime],
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
        bus=_bus(settings),
    )


def _bus(settings: Settings) -> Bus | None:
    """The Redis bus that shares rooms between processes, when `redis_url` is set."""
    if not settings.redis_url:
        return None
    return RedisBus(
        settings.redis_url, prefix=settings.redis_prefix, keep=settings.chat_history * 8
    )


def create_app(
    settings: Settings, store: SqlStore, clock: Callable[[], datetime] = utc_now
) -> web.Application:
    """Build the app around a started store; the caller owns the store's life cycle."""
    app = web.Application(
        middlewares=[proxy_middleware, locale_middleware, metrics_middleware, error_middleware],
        client_max_size=MAX_BODY,
    )
    app[SETTINGS] = settings
    app[STORE] = store
    app[METRICS] = Metrics()
    app[TEMPLATES] = environment()
    app[CLOCK] = clock
    app[LEADERSHIP] = Leadership.from_settings(settings)  # campaigns once serve starts it
    app[CATALOG] = catalog = Catalog()
    app[MENTIONS] = mention_log = MentionLog(store, app[METRICS])
    app[RELAY] = Relay(
        _rooms(settings, store, app[METRICS], clock, catalog, mention_log),
        load_secret(settings),
        relay.Coalescer(settings.send_coalesce, app[METRICS]),
    )
    app.on_startup.append(_start_relay)
    app.on_shutdown.append(_stop_relay)
    app.add_routes(api.routes)
    app.add_routes(pages.routes)
    app.add_routes(plan.routes)
    app.add_routes(relay.routes)
    app.add_routes(orders.routes)
    app.add_routes(mentions.routes)
    app.add_routes(reports.routes)
    app.add_routes(announcements.routes)
    app.router.add_static("/static", STATIC)
    return app
