"""The JSON API and the operational endpoints (/healthz, /metrics)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from livecommerce.core.models import Show
from livecommerce.core.shows import split_by_time
from livecommerce.web.context import CLOCK, METRICS, STORE

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """200 when the server and its database answer; 503 (degraded) when the database does not."""
    store_ok = await request.app[STORE].ping()
    request.app[METRICS].store_up.set(1 if store_ok else 0)
    status = "ok" if store_ok else "degraded"
    body = {"status": status, "checks": {"database": "ok" if store_ok else "unreachable"}}
    return web.json_response(body, status=200 if store_ok else 503)


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    registry = request.app[METRICS]
    registry.shows.set(len(await request.app[STORE].shows()))
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
    timeline = split_by_time(await request.app[STORE].shows(), request.app[CLOCK]())
    items = [show_json(s, "live") for s in timeline.live]
    items += [show_json(s, "upcoming") for s in timeline.upcoming]
    items += [show_json(s, "past") for s in timeline.past]
    return web.json_response({"streams": items})
