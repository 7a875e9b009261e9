"""`livecommerce report SHOW`: the post-show review in the terminal, JSON, CSV or HTML."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from livecommerce import config
from livecommerce.cli.console import REPORT_WIDTH, check_zone, emit, l10n_for, with_settings
from livecommerce.config import Settings, opening
from livecommerce.errors import ShowNotFoundError


@click.command()
@with_settings("locale")
@click.argument("show_id", metavar="SHOW")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print one CSV row per product.")
@click.option(
    "--html",
    "html_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Write an HTML report with charts to this file (plotly.min.js beside it).",
)
@click.option(
    "--self-contained",
    is_flag=True,
    help="With --html: put plotly.js inside the file (one offline file, 4.8 MB bigger).",
)
@click.option(
    "--currency", default=None, help="Convert revenue into this currency (default: base_currency)."
)
@click.option("--zone", default=None, help="Show times in this zone (default: yours).")
def report(
    settings: Settings,
    show_id: str,
    as_json: bool,
    as_csv: bool,
    html_file: Path | None,
    self_contained: bool,
    currency: str | None,
    zone: str | None,
) -> None:
    """Review a show: orders, revenue, products, markets, languages, questions."""
    from rich.console import Console

    from livecommerce.files.output import write_output
    from livecommerce.files.reports import csvfile, data, html, terminal
    from livecommerce.files.reports.files import write_script
    from livecommerce.files.reports.view import build_view
    from livecommerce.services.reporting import review

    if currency is not None:
        settings = _with(settings, base_currency=currency.strip().upper())
    l10n = l10n_for(settings)
    if self_contained and html_file is None:
        raise click.BadParameter(
            l10n.gettext("It goes with --html FILE."), param_hint="--self-contained"
        )
    if zone is not None:
        check_zone(l10n, zone.strip(), "--zone")
        l10n = l10n_for(settings, zone.strip())

    async def load() -> tuple[Any, list[Any]]:
        from livecommerce.app import open_store  # the wiring: loaded when used

        store = open_store(settings.resolved_database_url)
        await store.start()
        try:
            window = timedelta(hours=settings.order_window_hours)
            found = await review(store, show_id, settings.base_currency, window, opening(settings))
            return found, await store.markets()
        finally:
            await store.close()

    with Console(stderr=True).status(l10n.gettext("Reviewing the show…")):
        found, markets = asyncio.run(load())
    if found is None:
        raise ShowNotFoundError(show=show_id)
    if as_json:
        emit(data.to_data(found))
    elif as_csv:
        click.echo(csvfile.to_csv(found, settings.locale.split("_")[0]), nl=False)
    else:
        view = build_view(found, l10n, markets)
        if html_file is not None:
            script = None if self_contained else html.PLOTLY_FILE
            page = html.to_html(found, view, l10n, markets, script_src=script)
            write_output(html_file, page)
            if script is not None:
                # The page loads plotly.js from its own folder: written there once.
                write_script(html_file.parent, write_output)
            click.echo(l10n.gettext("Report written to {path}").format(path=html_file))
        else:
            console = Console()
            if not console.is_terminal:
                # Into a file or a pipe nothing limits the width: print whole tables.
                console = Console(width=max(console.width, REPORT_WIDTH))
            terminal.render(view, console)


def _with(settings: Settings, **changes: str) -> Settings:
    """Settings with some values replaced, each checked like any other value."""
    rows = {row.name: row for row in config.table()}
    checked = {k: config.check(rows[k], v, f"--{k.split('_')[-1]}") for k, v in changes.items()}
    return dataclasses.replace(settings, **checked)
