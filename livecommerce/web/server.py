"""Run the server: open the store, seed a new one, serve until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
from collections.abc import Callable

from aiohttp import web

from livecommerce.config import Settings
from livecommerce.errors import PortInUseError, ServeError
from livecommerce.files import seeds
from livecommerce.services import show_jobs as show_scheduler
from livecommerce.store import open_store
from livecommerce.web.app import create_app, load_catalog

log = logging.getLogger(__name__)


async def serve(settings: Settings, announce: Callable[[str], None] = print) -> None:
    """Serve until a stop signal; then close connections and flush the store, and return."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    store = open_store(settings.resolved_database_url)
    runner: web.AppRunner | None = None
    jobs: show_scheduler.ShowScheduler | None = None
    try:
        await store.start()
        app = create_app(settings, store)
        runner = web.AppRunner(
            app, handle_signals=False, shutdown_timeout=settings.shutdown_timeout, access_log=None
        )
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port)
        try:
            await site.start()
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUseError(host=settings.host, port=settings.port) from None
            raise ServeError(
                host=settings.host, port=settings.port, reason=error.strerror or str(error)
            ) from None
        # Seed once the port is ours: a taken port fails fast, before the load.
        if settings.seed_on_start and not await store.shows():
            world = await seeds.load(store, settings.seeds_dir)
            log.info(
                "loaded the demo world: %d products, %d shows",
                len(world.products),
                len(world.shows),
            )
            await load_catalog(app)
        jobs = await show_scheduler.start(app)
        announce(_base_url(runner))
        await stop.wait()
    finally:
        if jobs is not None:
            await jobs.close()
        if runner is not None:
            await runner.cleanup()
        await store.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def _base_url(runner: web.AppRunner) -> str:
    """The address the server listens on (the real port when port 0 was asked)."""
    host, port = runner.addresses[0][:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
