"""`livecommerce seed`: the demo world from the seeds folder into the store."""

from __future__ import annotations

import asyncio

import click

from livecommerce.cli.console import emit, l10n_for, with_settings
from livecommerce.config import Settings
from livecommerce.files import seeds


@click.command()
@with_settings()
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def seed(settings: Settings, as_json: bool) -> None:
    """Load the demo world from the seeds folder (twice changes nothing)."""
    l10n = l10n_for(settings)

    async def load() -> dict[str, int]:
        from livecommerce.app import open_store  # the wiring: loaded when used
        from livecommerce.store.sqlite import locked_or

        store = open_store(settings.resolved_database_url)
        await store.start()
        try:
            await seeds.load(store, settings.seeds_dir)
            return await store.counts()
        except Exception as error:
            raise locked_or(store, error) from None
        finally:
            await store.close()

    counts = asyncio.run(load())
    if as_json:
        emit(counts)
        return
    labels = {
        "markets": l10n.gettext("Markets"),
        "streamers": l10n.gettext("Streamers"),
        "products": l10n.gettext("Products"),
        "shows": l10n.gettext("Shows"),
        "chat_messages": l10n.gettext("Chat messages"),
        "mentions": l10n.gettext("Product mentions"),
        "orders": l10n.gettext("Orders"),
        "exchange_rates": l10n.gettext("Exchange rates"),
    }
    click.echo(l10n.gettext("The demo world is loaded."))
    for table, label in labels.items():
        click.echo(f"  {label}: {l10n.format_number(counts.get(table, 0))}")
