"""`livecommerce shows list [--past]`: the shows in the store, and the past ones with the
totals of their reports, in the reader's language and zone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import click

from livecommerce.cli.console import REPORT_WIDTH, check_zone, emit, iso, l10n_for, with_settings
from livecommerce.config import Settings, opening
from livecommerce.core.messages import N_
from livecommerce.core.models import Show
from livecommerce.core.report import Totals
from livecommerce.core.shows import split_by_time
from livecommerce.files.reports.data import money

# Where a show stands, as the table says it (JSON says `live`, `upcoming`, `past`).
STATUS = {"live": N_("Live"), "upcoming": N_("Upcoming"), "past": N_("Past")}


@click.group()
def shows() -> None:
    """The shows: live, upcoming and past, with the totals of past ones."""


@shows.command("list")
@with_settings("locale")
@click.option("--past", is_flag=True, help="Only past shows, with their orders and revenue.")
@click.option("--zone", default=None, help="Show start times in this zone (default: yours).")
@click.option("--json", "as_json", is_flag=True, help="Print the shows as JSON.")
def shows_list(settings: Settings, past: bool, zone: str | None, as_json: bool) -> None:
    """Every show: id, title, start and whether it is live, upcoming or past."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    l10n = l10n_for(settings)
    if zone is not None:
        check_zone(l10n, zone.strip(), "--zone")
        l10n = l10n_for(settings, zone.strip())
    now = datetime.now(UTC)
    stderr = Console(stderr=True)

    async def load() -> tuple[list[tuple[str, Show]], dict[str, Totals]]:
        from livecommerce.app import open_store  # the wiring: loaded when used
        from livecommerce.services.past_shows import totals_of

        store = open_store(settings.resolved_database_url)
        await store.start()
        try:
            timeline = split_by_time(await store.shows(), now)
            listed = [("past", s) for s in timeline.past]
            if not past:
                listed = [
                    *(("live", s) for s in timeline.live),
                    *(("upcoming", s) for s in timeline.upcoming),
                    *listed,
                ]
                return listed, {}
            # Progress goes to stderr, so it never mixes into --json on stdout.
            with Progress(console=stderr, transient=True, disable=not stderr.is_terminal) as bar:
                task = bar.add_task(l10n.gettext("Reviewing the shows…"), total=len(listed))
                totals = await totals_of(
                    store,
                    timeline.past,
                    settings.base_currency,
                    timedelta(hours=settings.order_window_hours),
                    opening(settings),
                    done=lambda: bar.advance(task),
                )
            return listed, totals
        finally:
            await store.close()

    listed, totals = asyncio.run(load())
    lang = l10n.locale.split("_")[0]
    currency = settings.base_currency
    if as_json:
        emit(
            [_row(status, s, lang, l10n.tzinfo.key, totals, currency, past) for status, s in listed]
        )
        return
    if not listed:
        empty = N_("No shows have taken place yet.") if past else N_("No shows are planned yet.")
        click.echo(l10n.gettext(empty))
        return
    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, REPORT_WIDTH))
    table = Table(title=l10n.gettext(N_("Past shows") if past else N_("Shows")))
    table.add_column(l10n.gettext("Show"))
    table.add_column(l10n.gettext("Starts ({clock})").format(clock=l10n.clock_name()))
    if past:
        table.add_column(l10n.gettext("Orders"), justify="right")
        table.add_column(l10n.gettext("Revenue"), justify="right")
    else:
        table.add_column(l10n.gettext("Status"))
    for status, s in listed:
        cells = [f"{s.title(lang)}\n{s.id}", l10n.clock_times(s.starts_at, day=True)]
        if past:
            found = totals.get(s.id)
            cells += (
                [l10n.format_number(found.orders), l10n.format_money(found.revenue, currency)]
                if found is not None
                else ["—", "—"]
            )
        else:
            cells.append(l10n.gettext(STATUS[status]))
        table.add_row(*cells)
    console.print(table)


def _row(
    status: str,
    show: Show,
    lang: str,
    zone: str,
    totals: dict[str, Totals],
    currency: str,
    past: bool,
) -> dict[str, object]:
    """A show as `--json` prints it: times in UTC and in the reader's zone."""
    row: dict[str, object] = {
        "id": show.id,
        "title": show.title(lang),
        "status": status,
        "starts_at": iso(show.starts_at),
        "ends_at": iso(show.ends_at),
        "zone": zone,
        "local_start": show.starts_at.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds"),
    }
    found = totals.get(show.id)
    if past and found is not None:
        row.update(
            orders=found.orders,
            units=found.units,
            revenue=money(found.revenue),
            currency=currency,
        )
    return row
