"""Pages for people: rendered with Jinja2 in the reader's language, zone and direction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from livecommerce.core.models import Market, Show, Streamer
from livecommerce.core.shows import split_by_time
from livecommerce.i18n import Localizer
from livecommerce.web.context import CLOCK, STORE, localizer_of
from livecommerce.web.rendering import render

routes = web.RouteTableDef()


@dataclass(frozen=True)
class LocalTime:
    """A show's start in one market: «19:00 Almaty»."""

    market: str
    time: str
    zone: str
    day_shift: int


@dataclass(frozen=True)
class ShowCard:
    show: Show
    title: str
    streamer: str
    starts: str
    duration_minutes: int
    languages: list[str]
    local_times: list[LocalTime]
    messages: int
    mentions: int


def _local_times(show: Show, markets: dict[str, Market], l10n: Localizer) -> list[LocalTime]:
    """The start in each market's zones; zones of a market that agree are named together."""
    reader_day = show.starts_at.astimezone(l10n.tzinfo).date()
    times = []
    for code in show.markets:
        market = markets.get(code)
        if market is None:
            continue
        by_time: dict[str, list[str]] = {}
        shifts: dict[str, int] = {}
        for zone in market.zones:
            shown = l10n.format_time(show.starts_at, zone=zone)
            by_time.setdefault(shown, []).append(l10n.zone_name(zone))
            local_day = show.starts_at.astimezone(ZoneInfo(zone)).date()
            shifts[shown] = (local_day - reader_day).days
        for shown, zones in by_time.items():
            times.append(
                LocalTime(
                    market=market.names.get(_lang_of(l10n), market.code),
                    time=shown,
                    zone=l10n.list(zones),
                    day_shift=shifts[shown],
                )
            )
    return times


def _lang_of(l10n: Localizer) -> str:
    return l10n.locale.split("_")[0]


def _card(
    show: Show,
    streamers: dict[str, Streamer],
    markets: dict[str, Market],
    activity: dict[str, tuple[int, int]],
    l10n: Localizer,
) -> ShowCard:
    lang = _lang_of(l10n)
    streamer = streamers.get(show.streamer_id)
    messages, mentions = activity.get(show.id, (0, 0))
    return ShowCard(
        show=show,
        title=show.title(lang),
        streamer=(streamer.names.get(lang) or streamer.name) if streamer else show.streamer_id,
        starts=l10n.format_date(show.starts_at, format="full")
        + " "
        + l10n.format_time(show.starts_at),
        duration_minutes=int((show.ends_at - show.starts_at).total_seconds() // 60),
        languages=[l10n.language_name(code) for code in show.languages],
        local_times=_local_times(show, markets, l10n),
        messages=messages,
        mentions=mentions,
    )


@routes.get("/")
async def index(request: web.Request) -> web.Response:
    """Live, upcoming and past shows, in the reader's language and time zone."""
    store = request.app[STORE]
    l10n = localizer_of(request)
    now: datetime = request.app[CLOCK]()
    timeline = split_by_time(await store.shows(), now)
    streamers = {s.id: s for s in await store.streamers()}
    markets = {m.code: m for m in await store.markets()}
    activity = await store.show_activity()

    def cards(shows: list[Show]) -> list[ShowCard]:
        return [_card(s, streamers, markets, activity, l10n) for s in shows]

    return render(
        request,
        "index.html",
        live=cards(timeline.live),
        upcoming=cards(timeline.upcoming),
        past=cards(timeline.past),
        zone=l10n.zone_name(),
        now=l10n.format_datetime(now, format="short"),
    )
