"""Signed, expiring tokens naming a user, a role and languages (HMAC-SHA256, no I/O).

A token is `payload.signature`, both base64url; the payload is compact JSON. Tokens are
checked in constant time, refused after expiry, and may be bound to one stream.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from livecommerce.core.models import Role

MAX_TOKEN = 4096


class TokenError(ValueError):
    """A token that cannot be trusted: `reason` is bad, expired, forged or stream."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    user: str
    name: str
    role: Role
    langs: tuple[str, ...]
    stream: str | None
    expires: int  # seconds since the epoch


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest())


def issue(secret: bytes, identity: Identity) -> str:
    """A token for `identity`, valid until `identity.expires`."""
    body = {
        "sub": identity.user,
        "name": identity.name,
        "role": identity.role.value,
        "langs": list(identity.langs),
        "exp": identity.expires,
    }
    if identity.stream:
        body["stream"] = identity.stream
    payload = _b64(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{payload}.{_sign(secret, payload)}"


def _identity(body: Any) -> Identity:
    """The identity in a decoded payload; TypeError, KeyError or ValueError if it is not
    shaped like one that `issue` writes."""
    if not isinstance(body, dict):
        raise TypeError("payload")
    langs, expires = body["langs"], body["exp"]
    if not isinstance(langs, list) or not all(isinstance(lang, str) for lang in langs):
        raise TypeError("langs")
    if not isinstance(expires, int) or isinstance(expires, bool):
        raise TypeError("exp")
    return Identity(
        user=str(body["sub"]),
        name=str(body["name"]),
        role=Role(body["role"]),
        langs=tuple(langs),
        stream=str(body["stream"]) if body.get("stream") else None,
        expires=expires,
    )


def verify(secret: bytes, token: str, now: datetime, stream: str | None = None) -> Identity:
    """The identity a token carries; `TokenError` if it is malformed, forged, expired or
    bound to another stream."""
    if not token or len(token) > MAX_TOKEN or token.count(".") != 1 or not token.isascii():
        raise TokenError("bad")
    payload, signature = token.split(".")
    if not hmac.compare_digest(_sign(secret, payload), signature):
        raise TokenError("forged")
    try:
        identity = _identity(json.loads(_unb64(payload)))
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError):
        raise TokenError("bad") from None
    if identity.expires <= now.timestamp():
        raise TokenError("expired")
    if identity.stream is not None and stream is not None and identity.stream != stream:
        raise TokenError("stream")
    return identity
