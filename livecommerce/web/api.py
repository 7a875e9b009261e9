"""The JSON API and the operational endpoints (/healthz, /metrics)."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

from aiohttp import web

from livecommerce.config import opening
from livecommerce.core.hours import during
from livecommerce.core.models import Show
from livecommerce.core.shows import split_by_time
from livecommerce.files.reports.csvfile import spreadsheet_safe
from livecommerce.services.process import Services
from livecommerce.web.context import SERVICES
from livecommerce.web.errors import ApiError

routes = web.RouteTableDef()

# Seconds the database has to answer a check: a load balancer's probe gets its answer
# also when the database hangs (a network partition) instead of refusing at once.
STORE_CHECK_TIMEOUT = 2.0


async def store_answers(request: web.Request) -> bool:
    """Whether the database answers a trivial query within `STORE_CHECK_TIMEOUT`."""
    try:
        async with asyncio.timeout(STORE_CHECK_TIMEOUT):
            return await request.app[SERVICES].store.ping()
    except TimeoutError:
        return False


def failing_writes(services: Services) -> list[str]:
    """Why the writers' writes fail, one line each (none while they succeed): a database
    that answers reads but refuses writes (read-only, disk full) shows here."""
    writers = (services.rooms.writer, services.mentions.writer)
    return [reason for reason in (writer.health for writer in writers) if reason is not None]


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """200 when the server and its database answer and the writes succeed; 503
    (`degraded`, with the `reason`) when the database does not answer (or not within
    `STORE_CHECK_TIMEOUT` seconds) or the writes fail."""
    services = request.app[SERVICES]
    store_ok = await store_answers(request)
    services.metrics.store_up.set(1 if store_ok else 0)
    failing = failing_writes(services)
    healthy = store_ok and not failing
    body: dict[str, Any] = {
        "status": "ok" if healthy else "degraded",
        "checks": {"database": "ok" if store_ok else "unreachable"},
    }
    if not store_ok:
        body["reason"] = "database: unreachable"
    elif failing:  # it answers, but does not store (read-only, disk full, ...)
        body["checks"]["writes"] = "failing"
        body["reason"] = "; ".join(failing)
    leadership = services.leadership
    if leadership.campaigning:  # under serve: does this process run the scheduler's jobs?
        body["scheduler"] = leadership.state()
    return web.json_response(body, status=200 if healthy else 503)


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    registry = request.app[SERVICES].metrics
    registry.shows.set(len(await request.app[SERVICES].store.shows()))
    return web.Response(
        body=registry.render(), headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}
    )


def show_json(show: Show, now_status: str) -> dict[str, Any]:
    return {
        "id": show.id,
        "code": show.code,
        "streamer": show.streamer_id,
        "titles": show.titles,
        "starts_at": show.starts_at.isoformat().replace("+00:00", "Z"),
        "ends_at": show.ends_at.isoformat().replace("+00:00", "Z"),
        "markets": list(show.markets),
        "languages": list(show.languages),
        "status": show.status.value,
        "when": now_status,
    }


@routes.get("/api/streams")
async def streams(request: web.Request) -> web.Response:
    """Every show, with where it stands now: live, upcoming or past."""
    services = request.app[SERVICES]
    timeline = split_by_time(await services.store.shows(), services.clock())
    items = [show_json(s, "live") for s in timeline.live]
    items += [show_json(s, "upcoming") for s in timeline.upcoming]
    items += [show_json(s, "past") for s in timeline.past]
    return web.json_response({"streams": items})


async def _show_or_404(request: web.Request) -> Show:
    show = await request.app[SERVICES].store.show(request.match_info["id"])
    if show is None:
        raise web.HTTPNotFound()
    return show


@routes.get("/api/streams/{id}")
async def stream(request: web.Request) -> web.Response:
    """One show, and who is in its chat now (viewers and moderators per language)."""
    show = await _show_or_404(request)
    timeline = split_by_time([show], request.app[SERVICES].clock())
    when = "live" if timeline.live else "upcoming" if timeline.upcoming else "past"
    body = show_json(show, when)
    room = request.app[SERVICES].rooms.rooms.get(show.id)
    if room is not None:
        _, presence = room.presence()
        body["presence"] = {k: v for k, v in presence.items() if k != "type"}
    else:
        zero = dict.fromkeys(show.languages, 0)
        body["presence"] = {"viewers": zero, "moderators": zero, "uncovered": list(show.languages)}
    return web.json_response(body)


CHAT_COLUMNS = ["id", "ts", "lang", "declared_lang", "user", "name", "role", "text", "reply_to"]


@routes.get("/api/streams/{id}/chat")
async def chat_export(request: web.Request) -> web.StreamResponse:
    """The show's chat as JSON (default) or CSV (`?format=csv`): what was written while
    the show was open (when the hours apply); deleted messages are gone."""
    show = await _show_or_404(request)
    wanted = request.query.get("format", "json")
    if wanted not in ("json", "csv"):
        raise ApiError(400, "bad_format")
    await request.app[SERVICES].rooms.writer.drain()
    services = request.app[SERVICES]
    messages = await services.store.chat_messages(show.id, limit=1_000_000)
    rule = opening(services.settings)
    if rule is not None:  # what came outside the show's hours is not its chat
        messages = during(rule.hours(show), messages)
    rows = [
        {
            "id": m.id,
            "ts": m.ts.isoformat().replace("+00:00", "Z"),
            "lang": m.lang,
            "declared_lang": m.declared_lang or "",
            "user": m.user_id,
            "name": m.user_name,
            "role": m.role.value,
            "text": m.text,
            "reply_to": m.reply_to or "",
        }
        for m in messages
    ]
    if wanted == "json":
        return web.json_response({"stream": show.id, "messages": rows})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CHAT_COLUMNS)
    writer.writeheader()
    # Every cell, not only name and text: a token's user id can be a phone number.
    writer.writerows({k: spreadsheet_safe(str(v)) for k, v in row.items()} for row in rows)
    return web.Response(
        text=buffer.getvalue(),
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{show.id}-chat.csv"'},
    )
