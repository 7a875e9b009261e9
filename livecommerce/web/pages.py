"""Pages for people: rendered with Jinja2 in the reader's language, zone and direction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from aiohttp import web
from babel import UnknownLocaleError

from livecommerce.core.clocks import clocks
from livecommerce.core.models import Market, Show, Streamer
from livecommerce.core.report import Totals
from livecommerce.core.shows import split_by_time
from livecommerce.i18n import Localizer, chat_locale
from livecommerce.web.context import SERVICES, localizer_of
from livecommerce.web.past_shows import LATEST, past_totals
from livecommerce.web.rendering import render

routes = web.RouteTableDef()


@dataclass(frozen=True)
class LocalTime:
    """A show's start in one market, on each clock it keeps: «19:00 Almaty time»."""

    market: str
    time: str
    day_shift: int  # the market's day against the reader's: -1, 0 or 1


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
    totals: Totals | None = None  # a past show's, from its report


def _local_times(show: Show, markets: dict[str, Market], l10n: Localizer) -> list[LocalTime]:
    """The start on the clocks of each market's zones, each clock named."""
    reader_day = show.starts_at.astimezone(ZoneInfo(clocks(l10n.tzinfo.key)[0].zone)).date()
    times = []
    for code in show.markets:
        market = markets.get(code)
        if market is None or not market.zones:
            continue
        first = clocks(market.zones[0])[0].zone
        local_day = show.starts_at.astimezone(ZoneInfo(first)).date()
        times.append(
            LocalTime(
                market=market.names.get(_lang_of(l10n), market.code),
                time=l10n.clock_times(show.starts_at, *market.zones),
                day_shift=(local_day - reader_day).days,
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
    totals: dict[str, Totals],
) -> ShowCard:
    lang = _lang_of(l10n)
    streamer = streamers.get(show.streamer_id)
    messages, mentions = activity.get(show.id, (0, 0))
    return ShowCard(
        show=show,
        title=show.title(lang),
        streamer=(streamer.names.get(lang) or streamer.name) if streamer else show.streamer_id,
        starts=f"{l10n.clock_date(show.starts_at)} {l10n.clock_times(show.starts_at)}",
        duration_minutes=int((show.ends_at - show.starts_at).total_seconds() // 60),
        languages=[l10n.language_name(code) for code in show.languages],
        local_times=_local_times(show, markets, l10n),
        messages=messages,
        mentions=mentions,
        totals=totals.get(show.id),
    )


@routes.get("/")
async def index(request: web.Request) -> web.Response:
    """Live, upcoming and the latest past shows (with their totals and reports), in the
    reader's language and time zone."""
    store = request.app[SERVICES].store
    l10n = localizer_of(request)
    now: datetime = request.app[SERVICES].clock()
    timeline = split_by_time(await store.shows(), now)
    streamers = {s.id: s for s in await store.streamers()}
    markets = {m.code: m for m in await store.markets()}
    activity = await store.show_activity()
    latest = timeline.past[:LATEST]
    totals = await past_totals(request, latest)

    def cards(shows: list[Show]) -> list[ShowCard]:
        return [_card(s, streamers, markets, activity, l10n, totals) for s in shows]

    return render(
        request,
        "index.html",
        live=cards(timeline.live),
        upcoming=cards(timeline.upcoming),
        past=cards(latest),
        more_past=len(timeline.past) > len(latest),
        currency=request.app[SERVICES].settings.base_currency,
        now=l10n.clock_times(now, day=True),
    )


# -- the chat pages ------------------------------------------------------------------------

# How far back (in message ids) a chat page starts: what a newcomer sees of the talk so far.
HISTORY_SHOWN = 200
# The choices a moderator gets, in seconds: slow mode (0: off) and time-outs.
SLOW_CHOICES = (0, 5, 10, 30, 60, 120, 300)
TIMEOUT_CHOICES = (60, 300, 600, 3600, 86400)
# No inline script, no other origin: chat text that slipped into the page could not run.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


async def _show_of(request: web.Request) -> Show:
    show = await request.app[SERVICES].store.show(request.match_info["stream"])
    if show is None:
        raise web.HTTPNotFound()
    return show


def _direction(lang: str) -> str:
    try:
        return Localizer(chat_locale(lang)).direction
    except (UnknownLocaleError, ValueError):
        return "ltr"


def _chat_config(request: web.Request, show: Show, l10n: Localizer) -> dict[str, Any]:
    """What the page's script needs to know: the show, the socket, the reader's formats."""
    now: datetime = request.app[SERVICES].clock()
    babel = l10n.babel
    periods = babel.day_periods.get("format", {}).get("abbreviated", {})
    durations = sorted({*SLOW_CHOICES[1:], *TIMEOUT_CHOICES})
    return {
        "stream": show.id,
        "socket": "/ws/streams/" + quote(show.id, safe=""),
        "locale": l10n.locale,
        "languages": [[code, l10n.language_name(code)] for code in show.languages],
        # Each message is laid out in its own language's direction: Uyghur right to left.
        "directions": {code: _direction(code) for code in show.languages},
        "max_text": request.app[SERVICES].settings.max_text,
        "zone": l10n.tzinfo.key,
        "today": now.astimezone(l10n.tzinfo).date().isoformat(),
        "formats": {
            "time": babel.time_formats["short"].pattern,
            "date": babel.date_formats["short"].pattern,
            "datetime": str(babel.datetime_formats["short"]),
            "am": periods.get("am", "AM"),
            "pm": periods.get("pm", "PM"),
            "group": babel.number_symbols.get("latn", {}).get("group", ","),
        },
        "durations": {str(s): l10n.format_duration(s) for s in durations},
        # For a length no choice offers (set by another client): «45 s».
        "seconds": l10n.gettext("{n} s"),
    }


def _chat_page(response: web.Response) -> web.Response:
    """The chat pages load nothing but their own scripts, and leak no address (a token)."""
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@routes.get("/streams/{stream}/chat")
async def chat(request: web.Request) -> web.Response:
    """The viewers' chat: language channels, messages, the send box, the pinned product."""
    show = await _show_of(request)
    l10n = localizer_of(request)
    last = await request.app[SERVICES].store.last_chat_id(show.id)
    asked = [
        code.strip()
        for value in request.query.getall("channel", [])
        for code in value.split(",")
        if code.strip() in show.languages
    ]
    reader = _lang_of(l10n)
    default = [reader] if reader in show.languages else list(show.languages[:1])
    channels = list(dict.fromkeys(asked)) or default
    config = _chat_config(request, show, l10n)
    # Channels the reader asked for are declared; the default is only shown: the relay
    # places such a reader's messages by what they write (docs/protocol.md, Detection).
    config.update(channels=channels, chosen=bool(asked), since=max(0, last - HISTORY_SHOWN))
    return _chat_page(
        render(
            request,
            "chat.html",
            show=show,
            title=show.title(reader),
            starts=l10n.clock_times(show.starts_at, day=True),
            channels=channels,
            config=config,
        )
    )


@routes.get("/streams/{stream}/moderate")
async def moderate(request: web.Request) -> web.Response:
    """The moderators' desk: a column per language they moderate, the held queue, coverage."""
    show = await _show_of(request)
    l10n = localizer_of(request)
    last = await request.app[SERVICES].store.last_chat_id(show.id)
    config = _chat_config(request, show, l10n)
    config.update(since=max(0, last - HISTORY_SHOWN), slow=SLOW_CHOICES, timeouts=TIMEOUT_CHOICES)
    return _chat_page(
        render(
            request,
            "moderate.html",
            show=show,
            title=show.title(_lang_of(l10n)),
            starts=l10n.clock_times(show.starts_at, day=True),
            config=config,
        )
    )
