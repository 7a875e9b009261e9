"""Run the server around built services: seed a new store, serve until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
from collections.abc import Awaitable, Callable

from aiohttp import web

from livecommerce.config import Settings
from livecommerce.errors import PortInUseError, ServeError
from livecommerce.files import seeds
from livecommerce.services.collector import Collector
from livecommerce.services.process import Services
from livecommerce.web.app import create_app
from livecommerce.web.relay import RELAY

log = logging.getLogger(__name__)


async def _print(base: str) -> None:
    print(base)


async def serve(services: Services, announce: Callable[[str], Awaitable[None]] = _print) -> None:
    """Serve `services` until a stop signal; then close connections and flush what the
    rooms hold, and return (the store is its owner's to close). Once it listens and the
    store is seeded, `announce` is awaited with the base URL."""
    settings = services.settings
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    collector: Collector | None = None
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    app = create_app(services, show_jobs=True)
    runner = web.AppRunner(
        app,
        handle_signals=False,
        shutdown_timeout=settings.shutdown_timeout,
        access_log=None,
    )
    try:
        await runner.setup()
        await _listen(runner, settings)
        # Seed once the port is ours: a taken port fails fast, before the load.
        if settings.seed_on_start and not await services.store.shows():
            await _seed(services)
        collector = _collector(services, lambda: app[RELAY].connections.closed)
        await announce(_base_url(runner))
        await stop.wait()
    finally:
        await runner.cleanup()
        if collector is not None:
            # After the connections are closed and the rooms flushed: giving the frozen
            # heap back to the collector costs one full pass, which must not delay them.
            collector.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _listen(runner: web.AppRunner, settings: Settings) -> None:
    site = web.TCPSite(runner, settings.host, settings.port)
    try:
        await site.start()
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise PortInUseError(host=settings.host, port=settings.port) from None
        raise ServeError(
            host=settings.host, port=settings.port, reason=error.strerror or str(error)
        ) from None


async def _seed(services: Services) -> None:
    """Load the demo world into an empty store; the live parts and the show jobs take
    it in at once."""
    world = await seeds.load(services.store, services.settings.seeds_dir)
    log.info("loaded the demo world: %d products, %d shows", len(world.products), len(world.shows))
    await services.catalog.reload(services.store)
    await services.show_jobs.resync()


def _collector(services: Services, closed: Callable[[], int]) -> Collector | None:
    """The garbage collection policy of a serving process (`gc_settle`), started once
    start-up is done: what it built is frozen."""
    settings, metrics = services.settings, services.metrics
    if not settings.gc_settle:
        return None

    collector = Collector(
        lambda generation, seconds: metrics.gc_pause.labels(generation).observe(seconds),
        settle=settings.gc_settle,
        reclaim_connections=settings.gc_reclaim_connections,
        reclaim_seconds=settings.gc_reclaim_seconds,
        closed=closed,
    )
    collector.start()
    return collector


def _base_url(runner: web.AppRunner) -> str:
    """The address the server listens on (the real port when port 0 was asked)."""
    host, port = runner.addresses[0][:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
