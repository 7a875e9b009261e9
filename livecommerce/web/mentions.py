"""Mentions from outside the chat: the streamer's speech and pins over HTTP.

`POST /api/streams/{id}/transcript` takes lines of the streamer's speech from any
speech-to-text tool: one JSON object `{"text", "lang"?, "ts"?}`, a batch
`{"lines": [...]}`, or NDJSON (one object a line). Each line is matched against every
product name and alias; each product named is logged as a `transcript` mention, in the
line's `lang` or, without one, the language the chat's detector reads in it (the lines
before it in the batch are its prior, as a person's earlier messages are in chat).
`POST /api/streams/{id}/pins` `{"sku", "action": "pin" | "unpin"}` pins a product.
Both need a streamer's (or admin's) token.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from livecommerce.core import tokens
from livecommerce.core.langid import Prior
from livecommerce.core.messages import N_, Text
from livecommerce.core.models import MentionSource, Role, Show
from livecommerce.core.priors import HISTORY, keep_declared
from livecommerce.core.values import MomentError, parse_moment
from livecommerce.web.auth import identify
from livecommerce.web.context import SERVICES
from livecommerce.web.errors import ApiError

routes = web.RouteTableDef()
MAX_LINES = 1000
MAX_LINE = 2000


async def _authorized(request: web.Request) -> tuple[Show, tokens.Identity]:
    """The show of the address and the streamer's (or admin's) identity calling it."""
    services = request.app[SERVICES]
    show = await services.store.show(request.match_info["id"])
    if show is None:
        raise ApiError(404, "unknown_stream", N_("There is no such stream."))
    try:
        identity = identify(request, services.secret, services.clock(), show.id)
    except tokens.TokenError:
        identity = None
    if identity is None:
        raise ApiError(401, "bad_token", N_("The token is not valid or has expired."))
    if identity.role not in (Role.STREAMER, Role.ADMIN):
        raise ApiError(403, "forbidden", N_("You are not allowed to do this."))
    return show, identity


def _lines(body: bytes, content_type: str) -> list[Any]:
    """The transcript lines of a body: a JSON object, `{"lines": [...]}` or NDJSON."""
    text = body.decode("utf-8")
    if "ndjson" in content_type or "jsonlines" in content_type:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    data = json.loads(text)
    if isinstance(data, dict) and "lines" in data:
        lines = data["lines"]
        if not isinstance(lines, list):
            raise ValueError("lines must be a list")
        return lines
    return [data]


@routes.post("/api/streams/{id}/transcript")
async def transcript(request: web.Request) -> web.Response:
    show, _ = await _authorized(request)
    try:
        lines = _lines(await request.read(), request.content_type)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(400, "bad_json", N_("The body is not valid JSON.")) from None
    if not lines or len(lines) > MAX_LINES:
        raise ApiError(400, "bad_batch", N_("Send 1 to 1000 transcript lines."))
    now = request.app[SERVICES].clock()
    identify = request.app[SERVICES].rooms.identify or keep_declared
    parsed: list[tuple[str, str, datetime]] = []
    placed: list[str] = []  # the languages of the lines so far: the next line's prior
    for index, line in enumerate(lines):
        problem = _problem(line, show)
        if problem is not None:
            raise ApiError(422, "invalid_line", problem, fields={"index": index})
        when = parse_moment(line["ts"], "ts") if line.get("ts") is not None else now
        lang = line.get("lang")
        if lang is None:
            prior = Prior(history=tuple(placed[-HISTORY:]))
            lang = identify(line["text"], None, show.languages, prior).lang
        placed.append(lang)
        parsed.append((line["text"], lang, when))
    catalog = request.app[SERVICES].catalog
    log = request.app[SERVICES].mentions
    found = []
    for text, lang, when in parsed:
        skus = catalog.mentioned(text)
        log.record(show.id, skus, MentionSource.TRANSCRIPT, lang, when)
        stamp = when.astimezone(UTC).isoformat().replace("+00:00", "Z")
        found += [{"sku": sku, "lang": lang, "ts": stamp} for sku in skus]
    return web.json_response({"lines": len(parsed), "mentions": found})


def _problem(line: Any, show: Show) -> str | Text | None:
    """What is wrong with one transcript line (a sentence to translate), or None."""
    if not isinstance(line, dict):
        return N_("Each line must be a JSON object with a text.")
    text = line.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_LINE:
        return N_("Each line needs a text of 1 to 2000 characters.")
    lang = line.get("lang")
    if lang is not None and lang not in show.languages:
        return N_("This stream has no such language channel.")
    ts = line.get("ts")
    if ts is not None:
        if not isinstance(ts, str):
            return N_("ts must be an ISO 8601 time with a UTC offset.")
        try:
            parse_moment(ts, "ts")
        except MomentError as error:
            return error.text
    return None


@routes.post("/api/streams/{id}/pins")
async def pins(request: web.Request) -> web.Response:
    """Pin (or unpin) a product: every language channel sees it; a pin is a mention."""
    show, _ = await _authorized(request)
    try:
        data = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(400, "bad_json", N_("The body is not valid JSON.")) from None
    sku = data.get("sku") if isinstance(data, dict) else None
    action = data.get("action", "pin") if isinstance(data, dict) else None
    if not isinstance(sku, str) or not sku or len(sku) > 64 or action not in ("pin", "unpin"):
        raise ApiError(422, "invalid_pin", N_("Send a sku, and an action of pin or unpin."))
    if not await request.app[SERVICES].rooms.pin(show, sku, action):
        raise ApiError(404, "unknown_product", N_("There is no product {sku}."), sku=sku)
    return web.json_response({"sku": sku, "action": action}, status=200)
