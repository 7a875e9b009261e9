"""Who is calling: the signed token of a request (`?token=` or `Authorization: Bearer`)."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from livecommerce.core import tokens


def bearer(request: web.Request) -> str:
    """The token a request carries, or an empty string."""
    token = request.query.get("token") or ""
    header = request.headers.get("Authorization", "")
    if not token and header.lower().startswith("bearer "):
        token = header[7:].strip()
    return token


def identify(
    request: web.Request, secret: bytes, now: datetime, stream: str | None
) -> tokens.Identity | None:
    """The identity of a request's token; None when it has none. `TokenError` when the
    token is bad, forged, expired or for another stream."""
    token = bearer(request)
    if not token:
        return None
    return tokens.verify(secret, token, now, stream)
