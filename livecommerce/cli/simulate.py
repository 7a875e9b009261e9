"""`livecommerce simulate SHOW`: a whole show played against a running server.

Viewers chat in the show's languages, one moderator per language acts, the streamer pins
and speaks, a shop posts signed orders, all in compressed time (`--speed`), with a live
display; at the end the counts and the address of the report. The simulator signs its
chat tokens with the server's key and its orders with a shop's secret, so it runs with
the same settings as `serve` (like `token create`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import click

from livecommerce.cli.console import emit, l10n_for, with_settings
from livecommerce.config import Settings
from livecommerce.i18n import Localizer

MAX_VIEWERS = 40  # with a moderator per language and the streamer: under connections_per_ip


@click.command()
@with_settings("locale")
@click.argument("show_id", metavar="SHOW")
@click.option(
    "--url", default="http://127.0.0.1:8080", show_default=True, help="The running server."
)
@click.option(
    "--speed",
    type=click.FloatRange(min=1, max=3600),
    default=60.0,
    show_default=True,
    help="Show time per real time: 60 plays a show minute in a second.",
)
@click.option(
    "--minutes",
    type=click.IntRange(min=1, max=600),
    default=30,
    show_default=True,
    help="Length of the simulated show, in show minutes.",
)
@click.option(
    "--viewers",
    type=click.IntRange(min=1, max=MAX_VIEWERS),
    default=21,
    show_default=True,
    help="Viewers, spread over the show's languages.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the randomness.")
@click.option("--shop", default=None, help="The shop that posts the orders (of shop_secrets).")
@click.option("--json", "as_json", is_flag=True, help="No live display; print the counts as JSON.")
def simulate(
    settings: Settings,
    show_id: str,
    url: str,
    speed: float,
    minutes: int,
    viewers: int,
    seed: int,
    shop: str | None,
    as_json: bool,
) -> None:
    """Play a whole show against a running server: chat, moderation, pins, orders."""
    from livecommerce.errors import ShowNotFoundError
    from livecommerce.services.secret import load_secret
    from livecommerce.services.simulation import script as scripts
    from livecommerce.services.simulation.errors import NoShopSecretError, UnknownShopError
    from livecommerce.services.simulation.runner import Setup, Simulation

    l10n = l10n_for(settings)
    base = _base(url, l10n)
    secrets = settings.shop_secrets
    if not secrets:
        raise NoShopSecretError()
    if shop is not None and shop not in secrets:
        raise UnknownShopError(shop=shop, known=", ".join(sorted(secrets)))
    chosen = shop if shop is not None else sorted(secrets)[0]
    world = asyncio.run(_world(settings, show_id))
    if world is None:
        raise ShowNotFoundError(show=show_id)
    options = scripts.Options(minutes=minutes, viewers=viewers, seed=seed)
    script = scripts.write(world, options)
    setup = Setup(base, load_secret(settings), chosen, secrets[chosen], speed)
    simulation = Simulation(world, script, minutes, setup)
    if as_json:
        tally = asyncio.run(simulation.run(lambda snapshot: None))
    else:
        from livecommerce.cli.simulation_display import live

        tally = live(simulation, l10n)
    report = f"{base}/streams/{world.show.id}/report"
    if as_json:
        emit(
            {
                "show": world.show.id,
                "sent": tally.sent,
                "acknowledged": len(tally.acknowledged),
                "held": len(tally.held),
                "resent": tally.resent,
                "mentions": {
                    "chat": tally.chat_mention_count(),
                    "transcript": tally.transcript_mentions,
                    "pins": tally.pins,
                },
                "orders": {
                    "accepted": len(tally.orders_accepted),
                    "duplicates": tally.orders_duplicates,
                    "refused": tally.orders_refused,
                },
                "moderation": dict(tally.moderation),
                "reconnects": tally.reconnects,
                "unconfirmed": tally.unconfirmed,
                "report": report,
                "ledger": tally.ledger(),
            }
        )
    else:
        from livecommerce.cli.simulation_display import summary

        for line in summary(tally, l10n, report):
            click.echo(line)
    if tally.unconfirmed or tally.orders_refused:
        raise SystemExit(1)


def _base(url: str, l10n: Localizer) -> str:
    """`url` as http(s)://host:port, or a usage error naming --url."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        port, parts = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or port == 0:
        raise click.BadParameter(
            l10n.gettext("{value}: expected the server's address, such as {example}").format(
                value=repr(url[:80]), example="http://127.0.0.1:8080"
            ),
            param_hint="--url",
        )
    return f"{parts.scheme}://{parts.netloc}"


async def _world(settings: Settings, show_id: str) -> Any:
    """The show, the products and the markets, read from the server's database."""
    from livecommerce.app import open_store
    from livecommerce.services.simulation.script import World

    store = open_store(settings.resolved_database_url)
    await store.start()
    try:
        show = await store.show(show_id)
        if show is None:
            return None
        return World(show, tuple(await store.products()), tuple(await store.markets()))
    finally:
        await store.close()
