"""`livecommerce serve`: pages, API and chat on one port until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import sys

import click

from livecommerce.cli.console import l10n_for, with_settings
from livecommerce.config import Settings

PAGES = (
    ("/", "shows"),
    ("/healthz", "health"),
    ("/metrics", "metrics"),
    ("/api/streams", "API"),
)


@click.command()
@with_settings("host", "port")
def serve(settings: Settings) -> None:
    """Serve pages, API and chat until Ctrl-C or SIGTERM."""
    from livecommerce.app import running
    from livecommerce.web.server import serve as run

    l10n = l10n_for(settings)
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Migrations report each step at INFO; the server's own log is what matters here.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))

    def announce(base: str) -> None:
        click.echo(l10n.gettext("livecommerce is serving on {url}").format(url=base))
        for path, _name in PAGES:
            click.echo(f"  {base}{path}")
        click.echo(l10n.gettext("Press Ctrl-C to stop."))
        sys.stdout.flush()

    async def serving() -> None:
        async with running(settings) as services:
            await run(services, announce=announce)

    asyncio.run(serving())
    click.echo(l10n.gettext("Stopped."))
