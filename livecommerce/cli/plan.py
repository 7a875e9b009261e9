"""`livecommerce plan`: when to go live, by the buyers' evenings in each market.

The shows it writes are loaded by `schedule apply` (livecommerce/cli/schedule.py).
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click
from babel.numbers import format_percent

from livecommerce.cli.console import (
    check_zone,
    emit,
    iso,
    l10n_for,
    screen_console,
    with_settings,
)
from livecommerce.config import Settings
from livecommerce.core.models import Market, Streamer
from livecommerce.core.plan_errors import PlanError
from livecommerce.core.planner import Coverage, ZoneFit, compare_zones
from livecommerce.core.values import MomentError, parse_day
from livecommerce.errors import CannotPlanError, UnknownStreamerError
from livecommerce.files import schedules, seeds
from livecommerce.files.seeds import Bad
from livecommerce.i18n import Localizer
from livecommerce.services.planning import (
    COMPARE_ZONES,
    Planned,
    World,
    choose_markets,
    coverage_lines,
    load_world,
    local_times,
    make_plan,
    planned_shows,
)

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text


def clock() -> datetime:
    """Now, in UTC: the plan starts after it and learns from the orders before it."""
    return datetime.now(UTC)


async def _world(settings: Settings, now: datetime) -> World:
    from livecommerce.app import open_store  # the wiring: loaded when used

    store = open_store(settings.resolved_database_url)
    await store.start()
    try:
        return await load_world(store, now)
    finally:
        await store.close()


def _zones(l10n: Localizer, text: str, flag: str) -> list[str]:
    zones = list(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))
    for zone in zones:
        check_zone(l10n, zone, flag)
    return zones


def _span(l10n: Localizer, text: str, flag: str, zero: bool = False) -> timedelta:
    if zero and text.strip() in {"0", "0m", "0h"}:
        return timedelta(0)
    try:
        return schedules.parse_length(text)
    except Bad:
        raise click.BadParameter(
            l10n.gettext("{value} is not a length from 1m to 24h, such as 90m or 2h").format(
                value=repr(text)
            ),
            param_hint=flag,
        ) from None


def _coverage_data(coverage: Coverage | None) -> dict[str, Any] | None:
    if coverage is None:
        return None
    return {
        "covered": {lang: list(names) for lang, names in coverage.covered.items()},
        "missing": list(coverage.missing),
    }


def _plan_data(
    streamer: Streamer,
    markets: Sequence[Market],
    start: date,
    days: int,
    gap: timedelta,
    planned: Planned,
    fits: Sequence[ZoneFit],
) -> dict[str, Any]:
    found, holidays = planned.plan, planned.holidays
    return {
        "streamer": streamer.id,
        "zone": found.zone,
        "markets": [m.code for m in markets],
        "from": start.isoformat(),
        "days": days,
        "horizon": {"start": iso(found.start), "end": iso(found.end)},
        "length_minutes": found.length // timedelta(minutes=1),
        "gap_minutes": gap // timedelta(minutes=1),
        "holidays": {
            code: sorted(d.isoformat() for d in days_) for code, days_ in holidays.items()
        },
        "past_orders": {
            code: {"orders": past.orders, "weight": past.weight}
            for code, past in planned.past_orders().items()
        },
        "moderators": [m.name for m in planned.moderators]
        if planned.moderators is not None
        else None,
        "slots": [
            {
                "rank": s.rank,
                "start": iso(s.start),
                "end": iso(s.end),
                "score": s.score,
                "shares": dict(s.shares),
                "local": [
                    {
                        "market": lt.market,
                        "zone": lt.zone,
                        "start": lt.start.isoformat(timespec="seconds"),
                        "end": lt.end.isoformat(timespec="seconds"),
                    }
                    for lt in s.local
                ],
                "streamer_start": s.streamer_start.isoformat(timespec="seconds"),
                "streamer_end": s.streamer_end.isoformat(timespec="seconds"),
                "night": s.night,
                "coverage": _coverage_data(s.coverage),
            }
            for s in found.slots
        ],
        "compare": [
            {
                "zone": f.zone,
                "slots": f.slots,
                "slots_awake": f.slots_awake,
                "peak_hours": f.peak_hours,
                "peak_hours_total": f.peak_hours_total,
            }
            for f in fits
        ],
    }


def _coverage_cell(l10n: Localizer, coverage: Coverage) -> Text:
    from rich.text import Text

    nobody = l10n.gettext("nobody on shift")
    lines = [
        Text(f"{line.language}: {line.names}")
        if line.names is not None
        else Text(f"{line.language}: {nobody}", "bold red")
        for line in coverage_lines(l10n, coverage)
    ]
    return Text("\n").join(lines)


@dataclass(frozen=True)
class Layout:
    """What the slot table shows: a column per market (else one column for them all),
    each market's share of the audience, the score."""

    per_market: bool
    shares: bool
    score: bool


# From the richest to the leanest: the first that fits the screen is printed.
LAYOUTS = (
    Layout(per_market=True, shares=True, score=True),
    Layout(per_market=True, shares=False, score=True),
    Layout(per_market=True, shares=False, score=False),
    Layout(per_market=False, shares=False, score=True),
    Layout(per_market=False, shares=False, score=False),
)
READABLE = 14  # columns: the least a column of words is squeezed to


def _slot_table(
    l10n: Localizer,
    streamer: Streamer,
    markets: Sequence[Market],
    planned: Planned,
    layout: Layout,
) -> Table:
    from rich.cells import cell_len
    from rich.table import Table

    found = planned.plan
    lang = l10n.locale.split("_")[0]
    number = l10n.format_number
    table = Table(
        title=l10n.gettext("When {streamer} should go live").format(
            streamer=streamer.names.get(lang) or streamer.name
        )
    )
    table.add_column("#", justify="right", overflow="fold")
    if layout.score:
        table.add_column(l10n.gettext("Score"), justify="right", overflow="fold")
    table.add_column(
        l10n.gettext("Streamer ({clock})").format(clock=l10n.clock_name(streamer.zone)),
        min_width=READABLE,
        overflow="fold",
    )
    times = [
        {m.code: local_times(l10n, s, m.code, streamer.zone) for m in markets} for s in found.slots
    ]
    if layout.per_market:
        for m in markets:
            cities = l10n.list(list(dict.fromkeys(l10n.clock_name(z) for z in m.zones)))
            # A time stays on one line: the column is as wide as its longest.
            widest = max((cell_len(t.text) for row in times for t in row[m.code]), default=1)
            table.add_column(
                f"{m.names.get(lang) or m.code}\n{cities}", min_width=widest, overflow="fold"
            )
    else:
        table.add_column(l10n.gettext("Markets"), min_width=READABLE, overflow="fold")
    if layout.shares:
        table.add_column(l10n.gettext("Audience share"), overflow="fold")
    if planned.moderators is not None:
        table.add_column(l10n.gettext("Moderators"), min_width=READABLE, overflow="fold")
    for s, shown in zip(found.slots, times, strict=True):
        row = [number(s.rank)]
        if layout.score:
            row.append(number(round(s.score, 2)))
        mine = l10n.clock_times(s.start, streamer.zone, end=s.end, day=True)
        if s.night:
            mine += "\n" + l10n.gettext("night for the streamer")
        row.append(mine)
        if layout.per_market:
            row += ["\n".join(t.text for t in shown[m.code]) for m in markets]
        else:
            row.append(
                "\n".join(
                    f"{m.names.get(lang) or m.code}: {t.named}"
                    for m in markets
                    for t in shown[m.code]
                )
            )
        if layout.shares:
            row.append(
                " · ".join(
                    f"{code} {format_percent(share, locale=l10n.locale)}"
                    for code, share in sorted(s.shares.items(), key=lambda item: -item[1])
                )
            )
        cells: list[str | Text] = list(row)
        if planned.moderators is not None and s.coverage is not None:
            cells.append(_coverage_cell(l10n, s.coverage))
        table.add_row(*cells)
    return table


def _fits(table: Table, width: int) -> bool:
    """Whether `table` drawn `width` columns wide keeps within them (rich squeezes no
    column narrower than its `min_width`: the table runs past the edge, and is cropped)."""
    from rich.cells import cell_len
    from rich.console import Console

    # Drawn on a screen wide enough that nothing is cropped at `width`, to see the excess.
    drawn = io.StringIO()
    probe = Console(width=10 * width, file=drawn, color_system=None, legacy_windows=False)
    probe.print(table, width=width)
    return all(cell_len(line) <= width for line in drawn.getvalue().splitlines())


def _render_plan(
    l10n: Localizer,
    streamer: Streamer,
    markets: Sequence[Market],
    planned: Planned,
    fits: Sequence[ZoneFit],
) -> None:
    """The plan's tables, as wide as the screen: the slot table drops its least needed
    columns, then folds the markets into one column, rather than run past the edge."""
    from rich.table import Table

    console = screen_console()
    lang = l10n.locale.split("_")[0]
    number = l10n.format_number
    tables = [_slot_table(l10n, streamer, markets, planned, layout) for layout in LAYOUTS]
    console.print(next((t for t in tables if _fits(t, console.width)), tables[-1]))

    past = Table(title=l10n.gettext("Past orders blended into the audience curves"))
    past.add_column(l10n.gettext("Market"))
    past.add_column(l10n.gettext("Orders"), justify="right")
    past.add_column(l10n.gettext("Share of the curve"), justify="right")
    for m in markets:
        counted = planned.past_orders().get(m.code)
        if counted is not None:
            past.add_row(
                m.names.get(lang) or m.code,
                number(counted.orders),
                format_percent(counted.weight, locale=l10n.locale),
            )
    console.print(past)

    where = Table(title=l10n.gettext("Where to stream from"))
    where.add_column(l10n.gettext("Streamer's zone"))
    where.add_column(l10n.gettext("Shows in the waking day"), justify="right")
    where.add_column(l10n.gettext("Buyer-peak hours in the waking day"), justify="right")
    for f in fits:
        where.add_row(
            f"{l10n.clock_name(f.zone)} ({l10n.isolate(f.zone)})",
            l10n.gettext("{n} of {total}").format(n=number(f.slots_awake), total=number(f.slots)),
            l10n.gettext("{n} of {total}").format(
                n=number(round(f.peak_hours, 1)), total=number(round(f.peak_hours_total, 1))
            ),
        )
    console.print(where)


@click.command()
@with_settings("locale")
@click.option("--streamer", "streamer_id", required=True, help="The streamer's id.")
@click.option(
    "--markets", default=None, help="Market codes, comma-separated: KZ,UZ (default: all)."
)
@click.option(
    "--from",
    "start_text",
    default=None,
    metavar="YYYY-MM-DD",
    help="First date, local to the streamer (default: tomorrow).",
)
@click.option("--days", type=click.IntRange(1, 366), default=7, show_default=True)
@click.option("--shows", type=click.IntRange(1, 100), default=5, show_default=True)
@click.option("--length", default="90m", show_default=True, help="Length of each show.")
@click.option("--gap", default="2h", show_default=True, help="Least time between two shows.")
@click.option(
    "--compare",
    default=COMPARE_ZONES,
    show_default=True,
    help="Other zones to stream from, comma-separated, to compare with the streamer's.",
)
@click.option(
    "--moderators",
    "moderators_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Moderators file ([[moderator]] tables) whose shifts are checked for every slot "
    "(default: moderators.toml in the seeds folder, if there).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan, every field, as JSON.")
@click.option(
    "--write",
    "write_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the planned shows to this schedule file (see `schedule apply`).",
)
@click.option(
    "--ics",
    "ics_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write the planned shows as a calendar (.ics) to this file.",
)
def plan(
    settings: Settings,
    streamer_id: str,
    markets: str | None,
    start_text: str | None,
    days: int,
    shows: int,
    length: str,
    gap: str,
    compare: str,
    moderators_file: Path | None,
    as_json: bool,
    write_file: Path | None,
    ics_file: Path | None,
) -> None:
    """Plan shows when the buyers of each market are in their evening peak."""
    l10n = l10n_for(settings)
    show_length = _span(l10n, length, "--length")
    show_gap = _span(l10n, gap, "--gap", zero=True)
    zones = _zones(l10n, compare, "--compare")
    start: date | None = None
    if start_text is not None:
        try:
            start = date.fromisoformat(start_text.strip())
        except ValueError:
            raise click.BadParameter(
                l10n.gettext("{value} is not a date such as 2026-12-07").format(
                    value=repr(start_text)
                ),
                param_hint="--from",
            ) from None
        try:
            parse_day(start, "--from")
        except MomentError as error:
            raise click.BadParameter(
                l10n.render(error.text.template, error.text.params), param_hint="--from"
            ) from None

    moderators = (
        seeds.read_moderators(moderators_file)
        if moderators_file is not None
        else seeds.moderators_in(settings.seeds_dir)
    )
    now = clock()
    world = asyncio.run(_world(settings, now))
    streamer = next((s for s in world.streamers if s.id == streamer_id), None)
    if streamer is None:
        raise UnknownStreamerError(streamer=streamer_id[:100])
    chosen = choose_markets(world, markets)
    try:
        home = ZoneInfo(streamer.zone)
        today = now.astimezone(home).date()
        if start is None:
            start = today + timedelta(days=1)
        if start + timedelta(days=days) <= today:
            raise click.BadParameter(
                l10n.gettext("the {days} days from {date} are over").format(
                    days=days, date=start.isoformat()
                ),
                param_hint="--from",
            )
        planned = make_plan(
            world,
            streamer,
            chosen,
            start=start,
            shows=shows,
            length=show_length,
            gap=show_gap,
            days=days,
            now=now,
            moderators=moderators,
        )
        found = planned.plan
        fits = compare_zones(found, list(dict.fromkeys([streamer.zone, *zones])))
    except PlanError as error:
        raise CannotPlanError(error.text) from None

    shows_planned = planned_shows(streamer, chosen, found, world.products)
    if ics_file is not None:
        from livecommerce.files.calendars import write_ics
        from livecommerce.files.output import write_output

        write_output(ics_file, write_ics(shows_planned, chosen, world.products, now=now))
    if write_file is not None:
        ranks = {schedules.show_id(streamer.id, s.start): s for s in found.slots}
        notes = {
            show.id: [
                l10n.gettext("Rank {rank}, score {score}").format(
                    rank=ranks[show.id].rank,
                    score=l10n.format_number(round(ranks[show.id].score, 2)),
                ),
                *(
                    f"{lt.market}: {l10n.clock_times(lt.start, lt.zone, day=True)}"
                    for lt in ranks[show.id].local
                ),
            ]
            for show in shows_planned
        }
        header = [
            l10n.gettext("Shows planned by `livecommerce plan` for {streamer}.").format(
                streamer=streamer.id
            ),
            l10n.gettext(
                "Edit titles, featured products and moderators, then run "
                "`livecommerce schedule apply {file}`."
            ).format(file=write_file),
        ]
        schedules.write(write_file, schedules.render(shows_planned, header, notes))

    if as_json:
        data = _plan_data(streamer, chosen, start, days, show_gap, planned, fits)
        data["written"] = str(write_file) if write_file is not None else None
        emit(data)
        return
    _render_plan(l10n, streamer, chosen, planned, fits)
    if write_file is not None:
        click.echo(l10n.gettext("Schedule written to {path}").format(path=write_file))
    if ics_file is not None:
        click.echo(l10n.gettext("Calendar written to {path}").format(path=ics_file))
