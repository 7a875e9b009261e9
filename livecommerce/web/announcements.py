"""Announcements and calendars over HTTP:

`GET /api/streams/{id}/announcements` → `{market: {lang: text}}`;
`GET /streams/{id}/announcements` → the announcement pack as a page: every market's
text in each of its languages, each with a copy button, in the reader's language;
`GET /streams/{id}/announcements.zip` → the pack as files, and
`GET /streams/{id}/announcements/{market}.txt` → one market's texts;
`GET /api/streamers/{id}/schedule.ics[?market=KZ&lang=kk]` → an RFC 5545 calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import web

from livecommerce.core.messages import N_
from livecommerce.core.models import Market, Show
from livecommerce.files.announcements import (
    announcements,
    localizer_for,
    market_text,
    market_zone,
    pack_zip,
    safe_name,
)
from livecommerce.files.calendars import CalendarError, UnknownMarketError, write_ics
from livecommerce.web.context import SERVICES, localizer_of
from livecommerce.web.errors import ApiError
from livecommerce.web.rendering import render

routes = web.RouteTableDef()


@routes.get("/api/streams/{id}/announcements")
async def stream_announcements(request: web.Request) -> web.Response:
    """The show's announcement for each of its markets, in each language of that market."""
    store = request.app[SERVICES].store
    show = await store.show(request.match_info["id"])
    if show is None:
        raise ApiError(404, "unknown_stream", N_("There is no such stream."))
    texts = announcements(show, await store.markets(), await store.products())
    return web.json_response({"stream": show.id, "announcements": texts})


# -- the pack for people -------------------------------------------------------------------


@dataclass(frozen=True)
class Announcement:
    """One announcement on the page: its language, named for the reader, and the text
    with the language's tag and direction (Uyghur right to left)."""

    anchor: str
    lang: str
    language: str
    tag: str
    direction: str
    text: str


@dataclass(frozen=True)
class MarketPack:
    code: str
    name: str
    starts: str  # the start on each clock the market keeps, named, in the reader's words
    download: str
    texts: list[Announcement]


async def _pack(request: web.Request) -> tuple[Show, dict[str, Market], dict[str, dict[str, str]]]:
    """The show of the address and its announcements; 404 when there is no such show."""
    store = request.app[SERVICES].store
    show = await store.show(request.match_info["id"])
    if show is None:
        raise web.HTTPNotFound()
    markets = {m.code: m for m in await store.markets()}
    texts = announcements(show, markets.values(), await store.products())
    return show, markets, texts


def _base(show: Show) -> str:
    return "/streams/" + quote(show.id, safe="") + "/announcements"


@routes.get("/streams/{id}/announcements")
async def announcement_page(request: web.Request) -> web.Response:
    """The announcement pack: each market's start on its own clock and its text in each
    of its languages, to copy one by one or download at once."""
    show, markets, texts = await _pack(request)
    l10n = localizer_of(request)
    reader = l10n.locale.split("_")[0]
    base = _base(show)
    packs = []
    for code, by_lang in texts.items():
        market = markets[code]
        zone = market_zone(market)
        packs.append(
            MarketPack(
                code=code,
                name=market.names.get(reader) or market.code,
                starts=l10n.clock_times(show.starts_at, zone, day=True),
                download=f"{base}/{quote(code, safe='')}.txt",
                texts=[
                    Announcement(
                        anchor=f"text-{safe_name(code)}-{lang}",
                        lang=lang,
                        language=l10n.language_name(lang),
                        tag=localizer_for(market, lang).language,
                        direction=localizer_for(market, lang).direction,
                        text=text,
                    )
                    for lang, text in by_lang.items()
                ],
            )
        )
    return render(
        request,
        "announcements.html",
        show=show,
        title=show.title(reader),
        starts=l10n.clock_times(show.starts_at, day=True),
        packs=packs,
        zip=base + ".zip",
        json="/api/streams/" + quote(show.id, safe="") + "/announcements",
    )


def _attachment(body: bytes, content_type: str, name: str) -> web.Response:
    return web.Response(
        body=body,
        content_type=content_type,
        charset="utf-8" if content_type.startswith("text/") else None,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@routes.get("/streams/{id}/announcements.zip")
async def announcement_zip(request: web.Request) -> web.Response:
    """The whole pack: a text file per market and language, and the JSON of them all."""
    show, _, texts = await _pack(request)
    name = f"{safe_name(show.id)}-announcements.zip"
    return _attachment(pack_zip(show, texts), "application/zip", name)


@routes.get("/streams/{id}/announcements/{market}.txt")
async def announcement_text(request: web.Request) -> web.Response:
    """One market's announcements, every language of it, as one text file."""
    show, _, texts = await _pack(request)
    code = request.match_info["market"].upper()
    if code not in texts:
        raise web.HTTPNotFound()
    name = f"{safe_name(show.id)}-{safe_name(code)}.txt"
    return _attachment(market_text(texts[code]).encode("utf-8"), "text/plain", name)


# -- calendars -----------------------------------------------------------------------------


@routes.get("/api/streamers/{id}/schedule.ics")
async def schedule_ics(request: web.Request) -> web.Response:
    """The streamer's shows as a calendar; `?market=&lang=` for a localized variant."""
    store = request.app[SERVICES].store
    streamer_id = request.match_info["id"]
    streamer = next((s for s in await store.streamers() if s.id == streamer_id), None)
    if streamer is None:
        raise ApiError(404, "unknown_streamer", N_("There is no such streamer."))
    shows = [s for s in await store.shows() if s.streamer_id == streamer.id]
    market = request.query.get("market")
    lang = request.query.get("lang")
    try:
        body = write_ics(
            shows,
            await store.markets(),
            await store.products(),
            market=market.upper() if market is not None else None,
            lang=lang.lower() if lang is not None else None,
            now=request.app[SERVICES].clock(),
            name=streamer.names.get(lang or "") or streamer.name,
        )
    except CalendarError as error:
        code = "bad_market" if isinstance(error, UnknownMarketError) else "bad_lang"
        raise ApiError(400, code, error) from None
    suffix = f"-{market.upper()}" if market else ""
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{streamer.id}{suffix}.ics"'},
    )
