"""The application factory: one aiohttp app serves pages, API and chat on one port.

`create_app(services)` receives what the process runs (a `Services`, built by
`livecommerce.app`); the background work starts and stops with the app through
`cleanup_ctx`, one generator per concern: the loop-lag monitor and the live rooms
always, the show jobs when asked (`serve` asks; a test's app does not).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from livecommerce.services import loop_lag
from livecommerce.services.process import Services, leading_show_jobs, live_rooms
from livecommerce.services.show_cache import ShowCache
from livecommerce.web import (
    announcements,
    api,
    mentions,
    orders,
    pages,
    past_shows,
    plan,
    relay,
    reports,
)
from livecommerce.web.context import SERVICES, TEMPLATES
from livecommerce.web.middlewares import (
    error_middleware,
    locale_middleware,
    metrics_middleware,
    proxy_middleware,
)
from livecommerce.web.relay import RELAY, Relay
from livecommerce.web.rendering import environment

STATIC = Path(__file__).resolve().parent / "static"
MAX_BODY = 1024 * 1024


async def rooms_context(app: web.Application) -> AsyncIterator[None]:
    """The catalog, the language model, the rooms and the mention log at work while the
    app runs; what they hold is written when it stops."""
    async with live_rooms(app[SERVICES]):
        yield


async def loop_lag_context(app: web.Application) -> AsyncIterator[None]:
    """The event loop's lag measured while the app runs (/metrics)."""
    async with loop_lag.watching(app[SERVICES].metrics.loop_lag.observe):
        yield


async def show_jobs_context(app: web.Application) -> AsyncIterator[None]:
    """The show jobs while the app runs: campaigning for the cluster's leader lock,
    given up when it stops."""
    async with leading_show_jobs(app[SERVICES]):
        yield


async def close_chats(app: web.Application) -> None:
    """Say goodbye (1001) to every chat connection as the server starts shutting down,
    so their handlers end before the server waits for them; the rooms themselves stop
    afterwards, in `rooms_context`."""
    for connection in list(app[SERVICES].rooms.connections.values()):
        connection.close(1001, "server shutting down")


async def favicon(request: web.Request) -> web.FileResponse:
    """The site's icon where browsers ask for it by themselves (pages name the SVG)."""
    return web.FileResponse(
        STATIC / "favicon.svg",
        headers={"Content-Type": "image/svg+xml", "Cache-Control": "max-age=86400"},
    )


def create_app(services: Services, *, show_jobs: bool = False) -> web.Application:
    """The app around `services` (whose store its owner starts and closes); with
    `show_jobs`, it runs the show jobs too."""
    app = web.Application(
        middlewares=[proxy_middleware, locale_middleware, metrics_middleware, error_middleware],
        client_max_size=MAX_BODY,
    )
    app[SERVICES] = services
    app[TEMPLATES] = environment()
    app[RELAY] = Relay(
        services.rooms,
        services.secret,
        ShowCache(services.store.show),
        relay.Coalescer(services.settings.send_coalesce, services.metrics),
    )
    app.cleanup_ctx.append(loop_lag_context)
    app.cleanup_ctx.append(rooms_context)
    if show_jobs:
        app.cleanup_ctx.append(show_jobs_context)
    app.on_shutdown.append(close_chats)
    app.add_routes(api.routes)
    app.add_routes(pages.routes)
    app.add_routes(past_shows.routes)
    app.add_routes(plan.routes)
    app.add_routes(relay.routes)
    app.add_routes(orders.routes)
    app.add_routes(mentions.routes)
    app.add_routes(reports.routes)
    app.add_routes(announcements.routes)
    app.router.add_static("/static", STATIC)
    app.router.add_get("/favicon.ico", favicon)
    return app
