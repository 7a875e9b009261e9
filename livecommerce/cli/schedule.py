"""`livecommerce schedule apply|list`: schedule files into the store, the shows to come."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from babel.dates import format_timedelta

from livecommerce.cli.console import REPORT_WIDTH, check_zone, emit, iso, l10n_for, with_settings
from livecommerce.config import Settings
from livecommerce.core.models import Market, Show, ShowStatus, Streamer
from livecommerce.files import schedules


@click.group()
def schedule() -> None:
    """Schedule files: load planned shows, list the upcoming ones."""


@schedule.command("apply")
@with_settings()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print what changed as JSON.")
def schedule_apply(settings: Settings, file: Path, as_json: bool) -> None:
    """Check a schedule file and load its shows into the store (twice changes nothing)."""
    l10n = l10n_for(settings)
    entries = schedules.read(file)

    async def run() -> dict[str, list[str]]:
        from livecommerce.app import open_store  # the wiring: loaded when used

        store = open_store(settings.resolved_database_url)
        await store.start()
        try:
            schedules.check(
                file,
                entries,
                await store.streamers(),
                await store.markets(),
                await store.products(),
            )
            stored = {s.id: s for s in await store.shows()}
            outcome: dict[str, list[str]] = {"added": [], "updated": [], "unchanged": []}
            changed = []
            for entry in entries:
                before = stored.get(entry.show.id)
                show = schedules.merge(entry, before)
                if before is None:
                    outcome["added"].append(show.id)
                elif before == show:
                    outcome["unchanged"].append(show.id)
                    continue
                else:
                    outcome["updated"].append(show.id)
                changed.append(show)
            await store.put_shows(changed)
            return outcome
        finally:
            await store.close()

    outcome = asyncio.run(run())
    if as_json:
        emit({"file": str(file), **outcome})
        return
    number = l10n.format_number
    click.echo(
        l10n.gettext("{file}: added {added} · updated {updated} · unchanged {unchanged}").format(
            file=file,
            added=number(len(outcome["added"])),
            updated=number(len(outcome["updated"])),
            unchanged=number(len(outcome["unchanged"])),
        )
    )


@schedule.command("list")
@with_settings("locale")
@click.option("--zone", default=None, help="Show start times in this zone (default: yours).")
@click.option("--json", "as_json", is_flag=True, help="Print the shows as JSON.")
def schedule_list(settings: Settings, zone: str | None, as_json: bool) -> None:
    """The upcoming shows: start in a zone and in every market's zone."""
    from rich.console import Console
    from rich.table import Table

    l10n = l10n_for(settings)
    if zone is not None:
        check_zone(l10n, zone.strip(), "--zone")
    shown_zone = zone.strip() if zone is not None else str(l10n.tzinfo.key)
    now = datetime.now(UTC)

    async def load() -> tuple[list[Show], list[Market], list[Streamer]]:
        from livecommerce.app import open_store  # the wiring: loaded when used

        store = open_store(settings.resolved_database_url)
        await store.start()
        try:
            # A show may start before now and still be on: ask from a day back.
            upcoming = await store.shows(
                starting_after=datetime.combine(now.date(), time(0), tzinfo=UTC) - timedelta(days=1)
            )
            return upcoming, await store.markets(), await store.streamers()
        finally:
            await store.close()

    found, markets, streamers = asyncio.run(load())
    upcoming = [
        s for s in found if s.ends_at > now and s.status in (ShowStatus.SCHEDULED, ShowStatus.LIVE)
    ]
    zones = {m.code: m.zones for m in markets}
    lang = l10n.locale.split("_")[0]
    if as_json:
        emit(
            [
                {
                    "id": s.id,
                    "code": s.code,
                    "streamer": s.streamer_id,
                    "status": s.status.value,
                    "title": s.title(lang),
                    "starts_at": iso(s.starts_at),
                    "ends_at": iso(s.ends_at),
                    "zone": shown_zone,
                    "local_start": s.starts_at.astimezone(ZoneInfo(shown_zone)).isoformat(
                        timespec="seconds"
                    ),
                    "markets": [
                        {
                            "market": code,
                            "zone": z,
                            "start": s.starts_at.astimezone(ZoneInfo(z)).isoformat(
                                timespec="seconds"
                            ),
                            "end": s.ends_at.astimezone(ZoneInfo(z)).isoformat(timespec="seconds"),
                        }
                        for code in s.markets
                        for z in zones.get(code, ())
                    ],
                    "languages": list(s.languages),
                    "featured": list(s.featured),
                    "moderators": {k: list(v) for k, v in s.moderators.items()},
                }
                for s in upcoming
            ]
        )
        return
    names = {s.id: s.names.get(lang) or s.name for s in streamers}
    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, REPORT_WIDTH))
    if not upcoming:
        click.echo(l10n.gettext("No upcoming shows."))
        return
    table = Table(title=l10n.gettext("Upcoming shows"))
    table.add_column(l10n.gettext("Show"))
    table.add_column(l10n.gettext("Streamer"))
    table.add_column(l10n.gettext("Starts ({clock})").format(clock=l10n.clock_name(shown_zone)))
    table.add_column(l10n.gettext("Length"), justify="right")
    table.add_column(l10n.gettext("In the markets"))
    for s in upcoming:
        local = [
            f"{code} {l10n.clock_times(s.starts_at, z, day=True)}"
            for code in s.markets
            for z in zones.get(code, ())
        ]
        table.add_row(
            f"{s.title(lang)}\n{s.id}",
            names.get(s.streamer_id, s.streamer_id),
            l10n.clock_times(s.starts_at, shown_zone, day=True),
            # Minutes below three hours: a 90-minute show is not «2 hours».
            format_timedelta(s.ends_at - s.starts_at, threshold=3, locale=l10n.locale),
            "\n".join(local),
        )
    console.print(table)
