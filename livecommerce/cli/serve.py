"""`livecommerce serve`: pages, API and chat on one port until Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import datetime

import click

from livecommerce.cli.console import l10n_for, with_settings
from livecommerce.config import Settings
from livecommerce.core.models import Show
from livecommerce.i18n import Localizer


def pages(l10n: Localizer, base: str, shows: list[Show], now: datetime) -> list[str]:
    """The lines `serve` prints once it listens: every page a user needs, with its
    address: the shows, the planner, the chat and moderation of the live or next show,
    the report of the last one that ended, and the machine endpoints."""
    lines = [
        (l10n.gettext("Shows"), "/"),
        (l10n.gettext("Plan shows"), "/plan"),
    ]
    coming = [s for s in shows if s.ends_at > now]
    past = [s for s in shows if s.ends_at <= now]
    if coming:
        show = coming[0]
        lines += [
            (l10n.gettext("Chat of {show}").format(show=show.id), f"/streams/{show.id}/chat"),
            (
                l10n.gettext("Moderation of {show}").format(show=show.id),
                f"/streams/{show.id}/moderate",
            ),
        ]
    if past:
        show = past[-1]
        lines.append(
            (l10n.gettext("Report of {show}").format(show=show.id), f"/streams/{show.id}/report")
        )
    lines += [
        (l10n.gettext("Health"), "/healthz"),
        (l10n.gettext("Metrics"), "/metrics"),
        ("API", "/api/streams"),
    ]
    width = max(len(label) for label, _ in lines)
    printed = [f"  {label.ljust(width)}  {base}{path}" for label, path in lines]
    if coming:
        printed.append(
            l10n.gettext("A moderator's token: {command}").format(
                command="livecommerce token create --role moderator --name NAME "
                f"--langs {','.join(coming[0].languages)} --stream {coming[0].id}"
            )
        )
    return printed


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
    # Migrations report each step at INFO, APScheduler every job it adds, runs and
    # finishes; the server's own log is what matters here, theirs is for debugging.
    quiet = max(logging.WARNING, logging.getLogger().level)
    logging.getLogger("alembic").setLevel(quiet)
    debugging = logging.getLogger().isEnabledFor(logging.DEBUG)
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if debugging else quiet)

    async def serving() -> None:
        async with running(settings) as services:

            async def announce(base: str) -> None:
                shows = await services.store.shows()
                click.echo(l10n.gettext("livecommerce is serving on {url}").format(url=base))
                for line in pages(l10n, base, shows, services.clock()):
                    click.echo(line)
                click.echo(l10n.gettext("Press Ctrl-C to stop."))
                sys.stdout.flush()

            await run(services, announce=announce)

    asyncio.run(serving())
    click.echo(l10n.gettext("Stopped."))
