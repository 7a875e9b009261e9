"""The planning page: when a streamer should go live, seen in every market's local time.

`GET /plan` is a plain form (streamer, markets, first day, days, shows, length) whose
answer is on the same page: a week grid per market (the heat of its audience curve by
local hour, blended with the market's past orders, the planned shows on it), the ranked
slots with the moderators on shift in each language (from moderators.toml in the seeds
folder), and where to stream from.
`GET /plan.ics` gives the same plan as a calendar. The planner and its helpers are the
`livecommerce plan` command's; this module only reads the form and lays the plan out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import format_skeleton
from babel.numbers import format_percent
from multidict import MultiMapping

from livecommerce.core.models import Market, Streamer
from livecommerce.core.plan_errors import PlanError
from livecommerce.core.planner import (
    Moderator,
    Plan,
    ZoneFit,
    audience_curve,
    compare_zones,
)
from livecommerce.core.values import MomentError, parse_day
from livecommerce.errors import (
    CannotPlanError,
    SeedError,
    UnknownMarketError,
    UnknownStreamerError,
)
from livecommerce.files import seeds
from livecommerce.i18n import Localizer
from livecommerce.services.planning import (
    COMPARE_ZONES,
    CoverageLine,
    Planned,
    ShownTime,
    World,
    choose_markets,
    coverage_lines,
    load_world,
    local_times,
    make_plan,
    planned_shows,
)
from livecommerce.web.context import SERVICES, localizer_of
from livecommerce.web.errors import ApiError
from livecommerce.web.rendering import render

routes = web.RouteTableDef()

DAYS = (1, 31, 7)  # lowest, highest, default
SHOWS = (1, 50, 5)
LENGTH = (15, 480, 90)  # minutes
LENGTH_STEP = 15
GAP = timedelta(hours=2)  # the CLI's default least time between two shows
WIDE_GRID = 9  # days: a longer grid gets a row of the page to itself

# The heat scale: white for no audience, deep orange for the peak.
_COLD = (255, 255, 255)
_HOT = (232, 93, 4)


class FormError(Exception):
    """A form value the page cannot take; `text` is already in the reader's language."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def message(self, gettext: Callable[[str], str] = str) -> str:
        """The sentence, worded when the form was read (it is not translated again)."""
        return self.text


@dataclass(frozen=True)
class Form:
    """What the reader asked for, as typed (to fill the form again) and as read."""

    streamer: str
    markets: list[str]
    start: str
    days: str
    shows: str
    length: str


@dataclass(frozen=True)
class Cell:
    heat: float
    color: str
    title: str
    outside: bool
    rank: int | None  # the planned show on this hour, if any
    first: bool  # the show starts in this hour


@dataclass(frozen=True)
class Grid:
    """One market's week in its main zone: columns = local dates, rows = local hours."""

    code: str
    name: str
    zone: str
    clock: str  # the zone's clock, named for the reader
    days: list[tuple[str, str]]  # each column's weekday and date, on two short lines
    hours: list[str]
    rows: list[list[Cell]]
    orders: int  # past orders blended into the curve
    weight: str  # their weight against the seeded curve, as a percentage

    @property
    def wide(self) -> bool:
        """Too many days for a grid beside others: it takes the page's whole width."""
        return len(self.days) > WIDE_GRID


@dataclass(frozen=True)
class SlotRow:
    rank: int
    score: str
    markets: list[list[ShownTime]]
    streamer: str
    night: bool
    coverage: list[CoverageLine] | None


@dataclass(frozen=True)
class FitRow:
    zone: str
    shows: str
    peak_hours: str
    home: bool


@dataclass(frozen=True)
class Asked:
    streamer: Streamer
    markets: list[Market]
    start: date
    days: int
    shows: int
    length: timedelta


async def _moderators(request: web.Request) -> list[Moderator] | None:
    """The moderators of the seeds folder's moderators.toml (None: no such file); a
    broken file is a SeedError."""
    folder = request.app[SERVICES].settings.seeds_dir
    return await asyncio.to_thread(seeds.moderators_in, folder)


def _lang(l10n: Localizer) -> str:
    return l10n.locale.split("_")[0]


def _form(query: MultiMapping[str], world: World, now: datetime) -> Form:
    streamer_id = query.get("streamer") or (world.streamers[0].id if world.streamers else "")
    asked = [c.strip().upper() for v in query.getall("markets", []) for c in v.split(",")]
    if "form" in query:  # the form itself was sent: no box ticked means no market
        markets = [c for c in dict.fromkeys(asked) if c]
    else:
        markets = [c for c in dict.fromkeys(asked) if c] or [m.code for m in world.markets]
    start = query.get("from")
    if start is None:
        streamer = next((s for s in world.streamers if s.id == streamer_id), None)
        zone = ZoneInfo(streamer.zone) if streamer else UTC
        start = (now.astimezone(zone).date() + timedelta(days=1)).isoformat()
    return Form(
        streamer=streamer_id,
        markets=markets,
        start=start,
        days=query.get("days", str(DAYS[2])),
        shows=query.get("shows", str(SHOWS[2])),
        length=query.get("length", str(LENGTH[2])),
    )


def _whole(l10n: Localizer, text: str, label: str, bounds: tuple[int, int, int]) -> int:
    low, high = bounds[0], bounds[1]
    value = text.strip()
    if not (value.isascii() and value.isdigit() and low <= int(value) <= high):
        raise FormError(
            l10n.gettext("{label}: enter a whole number from {low} to {high}.").format(
                label=label, low=l10n.format_number(low), high=l10n.format_number(high)
            )
        )
    return int(value)


def _read(l10n: Localizer, form: Form, world: World, now: datetime) -> Asked:
    """The form's values checked, or FormError with one sentence for the reader."""
    streamer = next((s for s in world.streamers if s.id == form.streamer), None)
    if streamer is None:
        raise FormError(UnknownStreamerError(streamer=form.streamer[:100]).message(l10n.gettext))
    if not form.markets:
        raise FormError(l10n.gettext("Choose at least one market."))
    try:
        markets = choose_markets(world, ",".join(form.markets))
    except UnknownMarketError as error:
        raise FormError(error.message(l10n.gettext)) from None
    try:
        start = date.fromisoformat(form.start.strip())
    except ValueError:
        raise FormError(
            l10n.gettext("{value} is not a date such as 2026-12-07").format(
                value=repr(form.start[:40])
            )
        ) from None
    try:
        parse_day(start, "from")
    except MomentError as error:
        raise FormError(l10n.render(error.text.template, error.text.params)) from None
    days = _whole(l10n, form.days, l10n.gettext("Days"), DAYS)
    shows = _whole(l10n, form.shows, l10n.gettext("Shows"), SHOWS)
    minutes = _whole(l10n, form.length, l10n.gettext("Length, minutes"), LENGTH)
    if minutes % LENGTH_STEP:
        raise FormError(
            l10n.gettext("{label}: enter a multiple of {step}.").format(
                label=l10n.gettext("Length, minutes"), step=l10n.format_number(LENGTH_STEP)
            )
        )
    today = now.astimezone(ZoneInfo(streamer.zone)).date()
    if start + timedelta(days=days) <= today:
        raise FormError(
            l10n.gettext("the {days} days from {date} are over").format(
                days=l10n.format_number(days), date=l10n.format_date(_noon(start))
            )
        )
    return Asked(streamer, markets, start, days, shows, timedelta(minutes=minutes))


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def _plan(
    world: World, asked: Asked, now: datetime, moderators: Sequence[Moderator] | None = None
) -> Planned:
    return make_plan(
        world,
        asked.streamer,
        asked.markets,
        start=asked.start,
        shows=asked.shows,
        length=asked.length,
        gap=GAP,
        days=asked.days,
        now=now,
        moderators=moderators,
    )


def _color(heat: float) -> str:
    level = min(max(heat, 0.0), 1.0)
    r, g, b = (round(c + (h - c) * level) for c, h in zip(_COLD, _HOT, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def _grid(l10n: Localizer, market: Market, planned: Planned, lang: str) -> Grid:
    found = planned.plan
    holidays = planned.holidays[market.code]
    orders = planned.orders.get(market.code)
    past = planned.past_orders().get(market.code)
    zone_name = market.zones[0]
    zone = ZoneInfo(zone_name)
    first = found.start.astimezone(zone).date()
    last = (found.end - timedelta(microseconds=1)).astimezone(zone).date()
    dates = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    # The hours each show touches, by local (date, hour).
    marks: dict[tuple[date, int], tuple[int, bool]] = {}
    for slot in found.slots:
        moment = slot.start
        while moment < slot.end:
            local = moment.astimezone(zone)
            marks.setdefault((local.date(), local.hour), (slot.rank, moment == slot.start))
            moment += timedelta(minutes=60 - local.minute, seconds=-local.second)
    curves = {d: audience_curve(market, d, holidays=holidays, orders=orders) for d in dates}
    hour_labels = [l10n.format_time(_noon(first).replace(hour=h), zone="UTC") for h in range(24)]
    rows = []
    for hour in range(24):
        row = []
        for day in dates:
            heat = curves[day][hour]
            # The hour's first moment in the zone: outside the horizon, it is shaded.
            moment = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
            outside = not (found.start <= moment.astimezone(UTC) < found.end)
            rank, starts = marks.get((day, hour), (None, False))
            title = l10n.gettext("{time}: audience {level}").format(
                time=l10n.clock_times(moment, zone_name, day=True),
                level=format_percent(heat, locale=l10n.locale),
            )
            row.append(Cell(heat, _color(heat), title, outside, rank, starts))
        rows.append(row)
    return Grid(
        code=market.code,
        name=market.names.get(lang) or market.code,
        zone=zone_name,
        clock=l10n.clock_name(zone_name, exact=True),
        days=[
            (
                format_skeleton("E", _noon(d), tzinfo=UTC, locale=l10n.locale),
                format_skeleton("Md", _noon(d), tzinfo=UTC, locale=l10n.locale),
            )
            for d in dates
        ],
        hours=hour_labels,
        rows=rows,
        orders=past.orders if past is not None else 0,
        weight=format_percent(past.weight if past is not None else 0, locale=l10n.locale),
    )


def _slot_rows(l10n: Localizer, found: Plan, markets: Sequence[Market], zone: str) -> list[SlotRow]:
    rows = []
    for s in found.slots:
        cells = [local_times(l10n, s, m.code, zone) for m in markets]
        rows.append(
            SlotRow(
                rank=s.rank,
                score=l10n.format_number(round(s.score, 2)),
                markets=cells,
                streamer=l10n.clock_times(s.start, zone, end=s.end, day=True),
                night=s.night,
                coverage=coverage_lines(l10n, s.coverage) if s.coverage is not None else None,
            )
        )
    return rows


def _fit_rows(l10n: Localizer, fits: Sequence[ZoneFit], home: str) -> list[FitRow]:
    number = l10n.format_number
    return [
        FitRow(
            zone=f"{l10n.clock_name(f.zone)} ({l10n.isolate(f.zone)})",
            shows=l10n.gettext("{n} of {total}").format(
                n=number(f.slots_awake), total=number(f.slots)
            ),
            peak_hours=l10n.gettext("{n} of {total}").format(
                n=number(round(f.peak_hours, 1)), total=number(round(f.peak_hours_total, 1))
            ),
            home=f.zone == home,
        )
        for f in fits
    ]


@routes.get("/plan")
async def plan_page(request: web.Request) -> web.Response:
    """The planning form and, for its values, the plan in every market's local time."""
    l10n = localizer_of(request)
    now: datetime = request.app[SERVICES].clock()
    world = await load_world(request.app[SERVICES].store, now)
    form = _form(request.query, world, now)
    lang = _lang(l10n)
    context: dict[str, Any] = {
        "form": form,
        "streamers": [(s.id, s.names.get(lang) or s.name) for s in world.streamers],
        "all_markets": [(m.code, m.names.get(lang) or m.code) for m in world.markets],
        "bounds": {"days": DAYS, "shows": SHOWS, "length": LENGTH, "step": LENGTH_STEP},
        "error": None,
        "warning": None,
        "plan": None,
    }
    try:
        moderators = await _moderators(request)
    except SeedError as error:  # the plan is still worth showing, without coverage
        moderators = None
        context["warning"] = error.message(l10n.gettext)
    try:
        asked = _read(l10n, form, world, now)
        planned = _plan(world, asked, now, moderators)
    except FormError as error:
        context["error"] = error.text
        return render(request, "plan.html", status=400, **context)
    except PlanError as error:
        context["error"] = CannotPlanError(error.text).message(l10n.gettext)
        return render(request, "plan.html", status=400, **context)
    found = planned.plan
    home = asked.streamer.zone
    fits = compare_zones(found, list(dict.fromkeys([home, *COMPARE_ZONES.split(",")])))
    context["plan"] = {
        "title": l10n.gettext("When {streamer} should go live").format(
            streamer=asked.streamer.names.get(lang) or asked.streamer.name
        ),
        "grids": [_grid(l10n, m, planned, lang) for m in asked.markets],
        "markets": [
            (
                m.names.get(lang) or m.code,
                l10n.list(list(dict.fromkeys(l10n.clock_name(z) for z in m.zones))),
            )
            for m in asked.markets
        ],
        "streamer_column": l10n.gettext("Streamer ({clock})").format(clock=l10n.clock_name(home)),
        "slots": _slot_rows(l10n, found, asked.markets, home),
        "staffed": moderators is not None,
        "fits": _fit_rows(l10n, fits, home),
        "ics": "/plan.ics?" + request.query_string if request.query_string else "/plan.ics",
    }
    return render(request, "plan.html", **context)


@routes.get("/plan.ics")
async def plan_calendar(request: web.Request) -> web.Response:
    """The same plan as a calendar file, one event per planned show."""
    from livecommerce.files.calendars import write_ics

    l10n = localizer_of(request)
    now: datetime = request.app[SERVICES].clock()
    world = await load_world(request.app[SERVICES].store, now)
    try:
        asked = _read(l10n, _form(request.query, world, now), world, now)
        found = _plan(world, asked, now).plan
    except FormError as error:
        raise ApiError(400, None, error) from None
    except PlanError as error:
        raise ApiError(400, None, CannotPlanError(error.text)) from None
    shows = planned_shows(asked.streamer, asked.markets, found, world.products)
    body = write_ics(shows, asked.markets, world.products, lang=_lang(l10n), now=now)
    name = f"{asked.streamer.id}-{asked.start.isoformat()}.ics"
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
