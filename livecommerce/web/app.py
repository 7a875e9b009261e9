"""The application factory: one aiohttp app serves pages, API and chat on one port."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from livecommerce.config import Settings
from livecommerce.store import SqlStore
from livecommerce.web import api, pages
from livecommerce.web.context import CLOCK, METRICS, SETTINGS, STORE, TEMPLATES
from livecommerce.web.metrics import Metrics
from livecommerce.web.middlewares import error_middleware, locale_middleware, metrics_middleware
from livecommerce.web.rendering import environment

STATIC = Path(__file__).resolve().parent / "static"
MAX_BODY = 1024 * 1024


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings, store: SqlStore, clock: Callable[[], datetime] = utc_now
) -> web.Application:
    """Build the app around a started store; the caller owns the store's life cycle."""
    app = web.Application(
        middlewares=[locale_middleware, metrics_middleware, error_middleware],
        client_max_size=MAX_BODY,
    )
    app[SETTINGS] = settings
    app[STORE] = store
    app[METRICS] = Metrics()
    app[TEMPLATES] = environment()
    app[CLOCK] = clock
    app.add_routes(api.routes)
    app.add_routes(pages.routes)
    app.router.add_static("/static", STATIC)
    return app
