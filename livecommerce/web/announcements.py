"""Announcements and calendars over HTTP:

`GET /api/streams/{id}/announcements` → `{market: {lang: text}}`;
`GET /api/streamers/{id}/schedule.ics[?market=KZ&lang=kk]` → an RFC 5545 calendar.
"""

from __future__ import annotations

from aiohttp import web

from livecommerce.announcements import announcements
from livecommerce.calendars import CalendarError, UnknownMarketError, write_ics
from livecommerce.web.context import CLOCK, STORE, localizer_of
from livecommerce.web.middlewares import error_response

routes = web.RouteTableDef()


@routes.get("/api/streams/{id}/announcements")
async def stream_announcements(request: web.Request) -> web.Response:
    """The show's announcement for each of its markets, in each language of that market."""
    store = request.app[STORE]
    show = await store.show(request.match_info["id"])
    if show is None:
        message = localizer_of(request).gettext("There is no such stream.")
        return error_response(request, 404, "unknown_stream", message)
    texts = announcements(show, await store.markets(), await store.products())
    return web.json_response({"stream": show.id, "announcements": texts})


@routes.get("/api/streamers/{id}/schedule.ics")
async def schedule_ics(request: web.Request) -> web.Response:
    """The streamer's shows as a calendar; `?market=&lang=` for a localized variant."""
    store = request.app[STORE]
    l10n = localizer_of(request)
    streamer_id = request.match_info["id"]
    streamer = next((s for s in await store.streamers() if s.id == streamer_id), None)
    if streamer is None:
        message = l10n.gettext("There is no such streamer.")
        return error_response(request, 404, "unknown_streamer", message)
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
            now=request.app[CLOCK](),
            name=streamer.names.get(lang or "") or streamer.name,
        )
    except CalendarError as error:
        code = "bad_market" if isinstance(error, UnknownMarketError) else "bad_lang"
        return error_response(request, 400, code, error.message(l10n.gettext))
    suffix = f"-{market.upper()}" if market else ""
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{streamer.id}{suffix}.ics"'},
    )
