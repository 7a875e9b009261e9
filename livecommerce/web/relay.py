"""The chat relay endpoint: `GET /ws/streams/{stream}` upgraded to a websocket.

Checks happen before the upgrade (a browser page of a refused origin 403, unknown stream
404, bad token 401, guests refused or too many 403/429, bad query 400, too many open
connections from one address 429); after
it, each connection is a thin pump: frames in go to the rooms service, frames out leave
through a bounded per-connection outbox so one slow reader never slows the room (it is
closed with 1013 instead).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import ipaddress
import itertools
import logging
import struct
import time
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, WSMsgType, web

from livecommerce.config import Settings
from livecommerce.core import protocol, tokens
from livecommerce.core.messages import N_
from livecommerce.core.models import Role, Show
from livecommerce.core.priors import accepted_languages
from livecommerce.core.routing import Member
from livecommerce.core.values import ORIGINS, Invalid
from livecommerce.i18n import chat_locale, negotiate, normalize, preferences
from livecommerce.metrics import Metrics
from livecommerce.services.rooms import Payload, Rooms
from livecommerce.services.show_cache import ShowCache
from livecommerce.web.context import SERVICES
from livecommerce.web.errors import ApiError

log = logging.getLogger(__name__)
routes = web.RouteTableDef()


class Coalescer:
    """Gathers the frames due to each connection and writes each connection's in one
    `write` (one `send()` for several frames): at the end of the event loop's turn, or
    `window` seconds after the first one."""

    def __init__(self, window: float = 0.0, metrics: Metrics | None = None) -> None:
        self.window = window
        self.metrics = metrics
        self.dirty: list[WsConnection] = []
        self._scheduled = False
        # Counted here and added to the metrics once a flush, not once a frame.
        self.writes = 0
        self.frames = 0

    def mark(self, connection: WsConnection) -> None:
        self.dirty.append(connection)
        if not self._scheduled:
            self._scheduled = True
            loop = asyncio.get_running_loop()
            if self.window > 0:
                loop.call_later(self.window, self.flush)
            else:
                loop.call_soon(self.flush)

    def flush(self) -> None:
        dirty, self.dirty = self.dirty, []
        self._scheduled = False
        for connection in dirty:
            connection.flush()
        self.count()

    def count(self) -> None:
        if self.metrics is not None and self.writes:
            self.metrics.socket_writes.inc(self.writes)
            self.metrics.frames_written.inc(self.frames)
        self.writes = self.frames = 0


@dataclass
class OpenConnections:
    """The chat connections each client address holds open (`connections_per_ip`)."""

    counts: Counter[str] = field(default_factory=Counter)
    # Connections released since start: each leaves a few objects in reference cycles.
    closed: int = 0

    def take(self, address: str, limit: int) -> bool:
        """Count one more connection from `address`, unless it already holds `limit`."""
        if self.counts[address] >= limit:
            return False
        self.counts[address] += 1
        return True

    def release(self, address: str) -> None:
        self.closed += 1
        self.counts[address] -= 1
        if self.counts[address] <= 0:
            del self.counts[address]


@dataclass
class Relay:
    """What the endpoint needs, built once at start-up."""

    rooms: Rooms
    secret: bytes
    shows: ShowCache
    coalescer: Coalescer = field(default_factory=Coalescer)
    guest_joins: dict[str, deque[float]] = field(default_factory=dict)
    connections: OpenConnections = field(default_factory=OpenConnections)


RELAY = web.AppKey("relay", Relay)
_ids = itertools.count(1)


def text_frame(payload: Payload) -> bytes:
    """The websocket text frame of a payload (server to client: unmasked, unfragmented),
    built once and shared by every connection it goes to."""
    if payload.wire is None:
        body = payload.text.encode("utf-8")
        size = len(body)
        if size < 126:
            header = bytes((0x81, size))
        elif size < 65536:
            header = struct.pack("!BBH", 0x81, 126, size)
        else:
            header = struct.pack("!BBQ", 0x81, 127, size)
        payload.wire = header + body
    return payload.wire


class WsConnection:
    """One client. Frames due to it gather in `pending` until the coalescer flushes them
    in one write, straight to the socket while the socket keeps up; when its buffer is
    full, they wait in a bounded outbox that a task drains, so the room never waits for
    a slow reader (past the bound it is closed with 1013)."""

    # Bytes the kernel and asyncio may hold for a reader before frames queue instead.
    HIGH_WATER = 64 * 1024
    # Frames that leave at once without waiting for the coalescer.
    BATCH = 64

    def __init__(
        self,
        ws: web.WebSocketResponse,
        request: web.Request,
        locale: str,
        limit: int,
        coalescer: Coalescer,
    ) -> None:
        self.id = next(_ids)
        self.locale = locale
        self.ws = ws
        self.transport = request.transport
        self.limit = limit
        self.coalescer = coalescer
        self.pending: list[bytes] = []
        self.outbox: deque[bytes] = deque()
        self._wake = asyncio.Event()
        self._close_with: tuple[int, str] | None = None
        self._pump_task = asyncio.create_task(self._pump(), name=f"ws-out-{self.id}")
        self._closer: asyncio.Task[None] | None = None

    def send(self, payload: Payload) -> bool:
        if self._close_with is not None:
            return True
        pending = self.pending
        if not pending:
            if len(self.outbox) >= self.limit:
                return False
            self.coalescer.mark(self)
        pending.append(text_frame(payload))
        if len(pending) >= self.BATCH:
            self.flush()  # a burst: no use holding more
        return True

    def flush(self) -> None:
        """Write what is pending in one go, or queue it behind a backlog."""
        frames = self.pending
        if not frames:
            return
        self.pending = []
        transport = self.transport
        if transport is None or transport.is_closing():
            return  # going away: the handler's end cleans up
        if not self.outbox and transport.get_write_buffer_size() <= self.HIGH_WATER:
            # The common case: no task, no queue, one syscall for every frame.
            transport.write(frames[0] if len(frames) == 1 else b"".join(frames))
            self.coalescer.writes += 1
            self.coalescer.frames += len(frames)
            return
        self.outbox.extend(frames)
        self._wake.set()

    def close(self, code: int, reason: str) -> None:
        """Close after what is queued has gone out; a slow consumer (1013) at once."""
        if self._close_with is not None:
            return
        self._close_with = (code, reason)
        if code == WSCloseCode.TRY_AGAIN_LATER:
            # It cannot keep up: drop its backlog and stop waiting for it.
            self.pending = []
            self.outbox.clear()
            self._pump_task.cancel()
            self._closer = asyncio.create_task(self._close(), name=f"ws-close-{self.id}")
        else:
            self.outbox.extend(self.pending)
            self.pending = []
        self._wake.set()

    async def _close(self) -> None:
        code, reason = self._close_with or (WSCloseCode.OK, "")
        try:
            async with asyncio.timeout(2):
                await self.ws.close(code=code, message=reason.encode()[:120])
        except (TimeoutError, ConnectionError, RuntimeError):
            if self.transport is not None:
                self.transport.abort()

    async def _pump(self) -> None:
        """Drain the outbox as the reader makes room (a slow reader's path only)."""
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self.outbox:
                    transport = self.transport
                    if transport is None or transport.is_closing():
                        self.outbox.clear()
                        break
                    if transport.get_write_buffer_size() > self.HIGH_WATER:
                        await asyncio.sleep(0.005)  # the reader is behind: let it read
                        continue
                    # Everything that fits goes out in one write: frames coalesce.
                    chunk: list[bytes] = []
                    while self.outbox and len(chunk) < self.BATCH:
                        chunk.append(self.outbox.popleft())
                    transport.write(b"".join(chunk))
                    self.coalescer.writes += 1
                    self.coalescer.frames += len(chunk)
                    self.coalescer.count()
                if self._close_with is not None:
                    await self._close()
                    return
        except (ConnectionError, RuntimeError):
            self.outbox.clear()

    async def stop(self) -> None:
        """The connection ended: stop the pump (and a close still under way)."""
        self.pending = []
        for task in (self._pump_task, self._closer):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def _langs(values: Iterable[str]) -> list[str]:
    found: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip().lower()
            if part and part not in found:
                found.append(part)
    return found


def _guest_allowed(relay: Relay, settings: Settings, ip: str) -> bool:
    now = time.monotonic()
    stamps = relay.guest_joins.setdefault(ip, deque())
    while stamps and stamps[0] <= now - 60:
        stamps.popleft()
    if len(stamps) >= settings.guest_joins_per_minute:
        return False
    stamps.append(now)
    if len(relay.guest_joins) > 10_000:  # forget the quiet ones
        for key in [k for k, v in relay.guest_joins.items() if not v][:5000]:
            del relay.guest_joins[key]
    return True


def guest_keys(secret: bytes, ip: str, name: str) -> tuple[str, str]:
    """A guest's id and address key, both HMAC-SHA256 with the server's secret.

    The id (`g-` and 16 hex digits, sent to the room) mixes the address and the name, so
    it says nothing about the address without the secret. The address key (kept on the
    server) is of the address alone, an IPv6 address taken by its /64 network: bans,
    time-outs and the rate limit hold for it whatever name the guest takes.
    """
    try:
        parsed = ipaddress.ip_address(ip)
    except ValueError:
        where = ip
    else:
        where = str(parsed)
        if isinstance(parsed, ipaddress.IPv6Address):
            mapped = parsed.ipv4_mapped
            network = ipaddress.IPv6Network((parsed, 64), strict=False)
            where = str(mapped) if mapped is not None else str(network)
    user = hmac.new(secret, f"guest\0{ip}\0{name}".encode(), hashlib.sha256).hexdigest()
    address = hmac.new(secret, f"address\0{where}".encode(), hashlib.sha256).hexdigest()
    return f"g-{user[:16]}", f"a-{address[:32]}"


def origin_allowed(origin: str, host: str, allowed: tuple[str, ...]) -> bool:
    """Whether a browser page of `origin` may open the chat: the server's own pages (the
    origin's host and port are the `Host` the request was sent to), a listed origin, or
    any with `*`. `null` and anything unreadable are refused."""
    if "*" in allowed:
        return True
    try:
        (normalized,) = ORIGINS.parse(origin)
        parts = urlsplit(normalized)
        default = 443 if parts.scheme == "https" else 80
        own = urlsplit(f"//{host}")
        same = (parts.hostname, parts.port or default) == (own.hostname, own.port or default)
    except (Invalid, ValueError):
        return False
    return same or normalized in allowed


def _member(
    conn: int,
    identity: tokens.Identity,
    show: Show,
    asked: list[str],
    address: str = "",
    accept: tuple[str, ...] = (),
) -> Member:
    """The connection's member. A viewer who chose no language reads the first of the
    browser's languages the show has, else the show's first, but has declared nothing:
    their messages are placed by what they write and the priors, never by that default."""
    stream_langs = frozenset(show.languages)
    token_langs = frozenset(identity.langs) & stream_langs
    declared = True
    if identity.role in (Role.STREAMER, Role.ADMIN):
        moderates = stream_langs
        langs = frozenset(asked) or stream_langs
    elif identity.role is Role.MODERATOR:
        moderates = token_langs
        langs = frozenset(asked) | moderates
    else:
        moderates = frozenset()
        langs = frozenset(asked) or token_langs
        if not langs:
            declared = False
            langs = frozenset(accept[:1] or show.languages[:1])
    return Member(
        conn=conn,
        user=identity.user,
        name=identity.name,
        role=identity.role,
        langs=langs,
        moderates=moderates,
        guest=identity.user.startswith("g-"),
        address=address,
        declared=declared,
        accept=accept,
    )


@routes.get("/ws/streams/{stream}")
async def websocket(request: web.Request) -> web.StreamResponse:
    """The chat of one show; see docs/protocol.md."""
    settings = request.app[SERVICES].settings
    relay = request.app[RELAY]
    origin = request.headers.get("Origin")
    if origin is not None and not origin_allowed(origin, request.host, settings.allowed_origins):
        raise ApiError(
            403, "origin_not_allowed", N_("Pages of this website may not open this chat.")
        )
    show = await relay.shows.get(request.match_info["stream"])
    if show is None:
        raise ApiError(404, "unknown_stream", N_("There is no such stream."))

    now = request.app[SERVICES].clock()
    ip = request.remote or "?"
    address = ""
    token = request.query.get("token") or ""
    header = request.headers.get("Authorization", "")
    if not token and header.lower().startswith("bearer "):
        token = header[7:].strip()
    if token:
        try:
            identity = tokens.verify(relay.secret, token, now, show.id)
        except tokens.TokenError:
            raise ApiError(401, "bad_token", N_("The token is not valid or has expired.")) from None
    else:
        if not settings.allow_guests:
            raise ApiError(401, "token_required", N_("This chat needs a token."))
        name = " ".join(request.query.get("name", "").split())[:32]
        if any(ord(c) < 32 for c in name):
            name = ""
        if not _guest_allowed(relay, settings, ip):
            raise ApiError(429, "too_many_guests", N_("Too many guests from your address."))
        user, address = guest_keys(relay.secret, ip, name)
        identity = tokens.Identity(
            user=user,
            name=name or f"guest-{user[2:6]}",
            role=Role.VIEWER,
            langs=(),
            stream=None,
            expires=0,
        )

    asked = _langs(request.query.getall("lang", []))
    unknown = [lang for lang in asked if lang not in show.languages]
    if unknown or len(asked) > 7:
        raise ApiError(400, "bad_language", N_("This stream has no such language channel."))
    # The browser's languages, as the show's codes (`uz-Latn-UZ` → uz, `zh-CN` → zh).
    accept = accepted_languages(preferences(request.headers.get("Accept-Language")), show.languages)

    since: int | None = None
    if "since" in request.query:
        try:
            since = int(request.query["since"])
        except ValueError:
            since = -1
        if not 0 <= since < 2**53:
            raise ApiError(400, "bad_since", N_("The since parameter must be a message id."))

    # Counted last, and given back by the `finally` whatever happens from here on.
    if not relay.connections.take(ip, settings.connections_per_ip):
        raise ApiError(429, "too_many_connections", N_("Too many connections from your address."))
    try:
        return await _converse(request, show, identity, asked, since, address, accept)
    finally:
        relay.connections.release(ip)


async def _converse(
    request: web.Request,
    show: Show,
    identity: tokens.Identity,
    asked: list[str],
    since: int | None,
    address: str = "",
    accept: tuple[str, ...] = (),
) -> web.StreamResponse:
    """The upgrade, then the connection's life: frames in to the rooms service."""
    settings = request.app[SERVICES].settings
    relay = request.app[RELAY]
    ws = web.WebSocketResponse(
        max_msg_size=settings.max_frame_bytes, compress=False, heartbeat=30.0, autoping=True
    )
    await ws.prepare(request)
    member_langs = _member(0, identity, show, asked, accept=accept)
    locale = (
        normalize(request.query.get("locale", ""))
        or (negotiate(request.headers.get("Accept-Language"), "") or None)
        or chat_locale(sorted(member_langs.langs)[0] if member_langs.langs else "en")
    )
    connection = WsConnection(ws, request, locale, settings.send_queue, relay.coalescer)
    member = _member(connection.id, identity, show, asked, address, accept)
    rooms = relay.rooms
    room = await rooms.room(show)
    rooms.connect(room, connection, member, since)
    try:
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                rooms.receive(room, connection, message.data)
            elif message.type is WSMsgType.BINARY:
                try:
                    text = message.data.decode("utf-8")
                except UnicodeDecodeError:
                    rooms.reject(
                        room,
                        connection,
                        protocol.FrameError("bad_utf8", N_("The frame is not valid UTF-8.")),
                    )
                else:
                    rooms.receive(room, connection, text)
            # One TCP read can hold dozens of frames, which aiohttp hands over without
            # yielding: let the outboxes drain between frames, or every reader in the
            # room would look slow (1013) to a sender's burst.
            await asyncio.sleep(0)
    finally:
        rooms.disconnect(room, connection)
        await connection.stop()
    return ws
