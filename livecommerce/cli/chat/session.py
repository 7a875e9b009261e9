"""The connection of the terminal chat client, built on `websockets`.

`stream_url` builds the address of one connection and `Progress` tracks what has been
seen, so that a reconnect asks for `since=<last id>` and shows nothing twice; both are
pure. `Session` is the I/O at the edge: one connection at a time, reconnecting with
backoff, pumping typed lines out and frames in to an `Output`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidStatus,
    InvalidURI,
)

from livecommerce.cli.chat.commands import Help, Quit, Send, Usage, command, describe, help_lines
from livecommerce.cli.chat.errors import BadUrlError, ClosedError, RefusedError, UnreachableError
from livecommerce.cli.chat.rendering import as_int, clean
from livecommerce.core.messages import N_
from livecommerce.i18n import Localizer

T = TypeVar("T")

# Close codes after which reconnecting would only be refused again (RFC 6455).
CLOSE_POLICY = 1008


# What the relay answers before the upgrade, by its stable code: translated here, so the
# line follows the reader's locale whatever the server negotiated.
_REFUSALS = {
    "unknown_stream": N_("There is no such stream."),
    "bad_token": N_("The token is not valid or has expired."),
    "token_required": N_("This chat needs a token."),
    "too_many_guests": N_("Too many guests from your address."),
    "bad_language": N_("This stream has no such language channel."),
    "bad_since": N_("The since parameter must be a message id."),
}

_CLOSE_REASONS = {
    "banned": N_("You are banned from this chat."),
    "abuse": N_("too many rejected frames"),
}


# -- connection address --------------------------------------------------------------------


def stream_url(
    base: str,
    *,
    langs: Iterable[str] = (),
    name: str | None = None,
    token: str | None = None,
    since: int | None = None,
    locale: str | None = None,
) -> str:
    """The websocket address of one connection: `base` (ws:// or wss://; http:// and
    https:// are taken as such) with the client's query parameters set."""
    try:
        parts = urlsplit(base.strip())
        port = parts.port
    except ValueError:
        raise BadUrlError(url=base) from None
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme.lower(), parts.scheme.lower())
    if scheme not in ("ws", "wss") or not parts.hostname or port == 0:
        raise BadUrlError(url=base)
    ours: dict[str, str] = {}
    chosen = list(langs)
    if chosen:
        ours["lang"] = ",".join(chosen)
    if name:
        ours["name"] = name
    if token:
        ours["token"] = token
    if since is not None:
        ours["since"] = str(since)
    if locale:
        ours["locale"] = locale
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ours]
    query += list(ours.items())
    return urlunsplit((scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


# -- what has been seen --------------------------------------------------------------------


@dataclass
class Progress:
    """The last message id seen, for `since` on reconnect, and the ids already shown, so
    a replay that overlaps what arrived live shows nothing twice."""

    since: int | None = None
    window: int = 10_000
    _seen: set[int] = field(default_factory=set)
    _order: deque[int] = field(default_factory=deque)
    _resuming: bool = False

    def connecting(self) -> int | None:
        """A connection is being opened: the `since` to ask for."""
        self._resuming = self.since is not None
        return self.since

    def seen(self, message_id: int) -> bool:
        return message_id in self._seen

    def accept(self, frame: dict[str, Any]) -> bool:
        """Take note of a frame; False for a chat message already shown."""
        kind = frame.get("type")
        if kind == "hello" and not self._resuming:
            # Nothing to replay on a first connection: later ones resume from here.
            last = as_int(frame.get("last_id"))
            if last is not None:
                self.since = max(self.since or 0, last)
            return True
        message_id = as_int(frame.get("id"))
        if kind != "chat" or message_id is None:
            return True
        if message_id in self._seen:
            return False
        self._seen.add(message_id)
        self._order.append(message_id)
        while len(self._order) > self.window:
            self._seen.discard(self._order.popleft())
        self.since = max(self.since or 0, message_id)
        return True


# -- the session: I/O at the edge ----------------------------------------------------------


class Output(Protocol):
    """Where frames and the client's own status lines go."""

    raw: bool  # frames as they came (JSON lines), or rendered for people

    def frame(self, frame: dict[str, Any]) -> None: ...

    def status(self, text: str, level: str = "info") -> None: ...


@dataclass(frozen=True)
class Backoff:
    """Waits between reconnection attempts: doubling from `first` up to `cap`, each
    between half and all of that (jitter, so that clients dropped together spread out)."""

    first: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int, jitter: float) -> float:
        full = min(self.cap, self.first * 2.0 ** min(max(attempt - 1, 0), 30))
        return full / 2 + full / 2 * jitter


@dataclass
class Options:
    url: str
    langs: tuple[str, ...] = ()
    token: str | None = None
    name: str | None = None
    since: int | None = None


# A line from the user, or None at the end of input.
Lines = asyncio.Queue[str | None]


class Session:
    """One user in one stream's chat: reads lines, sends frames, shows what comes,
    reconnects with backoff and resumes where it stopped."""

    def __init__(
        self,
        options: Options,
        out: Output,
        l10n: Localizer,
        *,
        backoff: Backoff = Backoff(),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        open_timeout: float = 10.0,
        drain_timeout: float = 10.0,
    ) -> None:
        self.options = options
        self.out = out
        self.l10n = l10n
        self.backoff = backoff
        self.sleep = sleep
        self.jitter = jitter
        self.open_timeout = open_timeout
        self.drain_timeout = drain_timeout
        self.langs = options.langs
        self.progress = Progress(since=options.since)
        self.ws: ClientConnection | None = None
        self.outbox: deque[dict[str, Any]] = deque()
        self.pending: set[str] = set()
        self.hello: dict[str, Any] | None = None
        self._presence: str | None = None  # the last counts shown
        self.unsent = 0
        self._refs = 0
        self._stop = asyncio.Event()
        self._ready = asyncio.Event()  # a connection said hello (at least once)
        self._settled = asyncio.Event()  # nothing waits to go out or for an answer
        self._settled.set()
        # Validate the address before anything else: a bad one is a usage error.
        stream_url(options.url)

    def _say(self, text: str, level: str = "info") -> None:
        self.out.status(text, level)

    @property
    def role(self) -> str | None:
        """The reader's role as the server's hello names it (None before it)."""
        you = self.hello.get("you") if self.hello is not None else None
        role = you.get("role") if isinstance(you, dict) else None
        return role if isinstance(role, str) else None

    # -- life cycle ------------------------------------------------------------------------

    async def run(self, lines: Lines) -> int:
        """Chat until /quit, the end of input or a fatal error (raised as `ChatError`).
        Returns the exit status: 1 when lines typed before the end were never confirmed."""
        linker = asyncio.create_task(self._connections(), name="chat-connections")
        reader = asyncio.create_task(self._read(lines), name="chat-input")
        try:
            await asyncio.wait({linker, reader}, return_when=asyncio.FIRST_COMPLETED)
            self._stop.set()
            ws = self.ws
            if ws is not None:
                await ws.close()
            await linker
            if reader.done():
                reader.result()
        finally:
            self._stop.set()
            for task in (reader, linker):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
        return 1 if self.unsent else 0

    async def _unless_stopped(self, awaitable: Awaitable[T]) -> tuple[bool, T | None]:
        """Await `awaitable` unless the session stops first: (finished, result)."""
        task = asyncio.ensure_future(awaitable)
        stopped = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
                # A connection that opened just as we stopped is closed, not leaked.
                if not task.cancelled() and task.exception() is None:
                    opened = task.result()
                    if isinstance(opened, ClientConnection):
                        await opened.close()
        if task.cancelled():
            return False, None
        return True, task.result()

    # -- input -----------------------------------------------------------------------------

    async def _read(self, lines: Lines) -> None:
        while True:
            line = await lines.get()
            if line is None:
                await self._drain()
                return
            self._refs += 1
            action = command(line, f"c{self._refs}")
            if action is None:
                continue
            if isinstance(action, Quit):
                return
            if isinstance(action, Help):
                for text in help_lines(self.l10n, self.role):
                    self._say(text)
            elif isinstance(action, Usage):
                self._say(describe(action, self.l10n), "error")
            else:
                await self._send(action)

    async def _drain(self) -> None:
        """The end of input: wait (bounded) until the first connection is up and what was
        typed is sent and answered, so `echo hi | livecommerce chat URL` delivers."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.drain_timeout):
                await self._ready.wait()
                await self._settled.wait()
        left = len(self.outbox) + len(self.pending)
        if left:
            self.unsent = left
            self._say(
                self.l10n.ngettext(
                    "{count} message was not confirmed before the end.",
                    "{count} messages were not confirmed before the end.",
                    left,
                ).format(count=self.l10n.format_number(left)),
                "warning",
            )

    async def _send(self, action: Send) -> None:
        frame = action.frame
        if action.expects_reply:
            self.pending.add(str(frame["ref"]))
        ws = self.ws
        if ws is not None:
            try:
                await ws.send(json.dumps(frame, ensure_ascii=False))
            except ConnectionClosed:
                pass
            else:
                self._update_settled()
                return
        self.outbox.append(frame)
        self._update_settled()
        if self._ready.is_set():  # not while the first connection is still being made
            self._say(
                self.l10n.gettext("Not connected: this goes out when the chat is back."),
                "warning",
            )

    def _update_settled(self) -> None:
        if self.outbox or self.pending:
            self._settled.clear()
        else:
            self._settled.set()

    # -- connections -----------------------------------------------------------------------

    async def _connections(self) -> None:
        """Connect, pump frames, and on a drop reconnect with backoff, resuming with
        `since`; return when the session stops, raise `ChatError` when it cannot go on."""
        attempt = 0
        dropped = False
        while not self._stop.is_set():
            since = self.progress.connecting()
            url = stream_url(
                self.options.url,
                langs=self.langs,
                name=self.options.name,
                token=self.options.token,
                since=since,
                locale=self.l10n.locale,
            )
            reason = ""
            try:
                finished, ws = await self._unless_stopped(self._open(url))
            except InvalidStatus as error:
                status = error.response.status_code
                refusal = _refusal(error.response.body, status)
                if not self._ready.is_set() or status in (400, 401, 403, 404):
                    raise RefusedError(reason=refusal, status=status) from None
                reason = self.l10n.gettext(refusal)
            except (OSError, TimeoutError, InvalidHandshake) as error:
                why = _unreachable(error)
                if not self._ready.is_set():
                    raise UnreachableError(url=_public(self.options.url), reason=why) from None
                reason = self.l10n.gettext(why)
            else:
                if not finished or ws is None:
                    return
                if self._stop.is_set():
                    await ws.close()
                    return
                if dropped:
                    self._say(self._resumed(since))
                attempt = 0
                reason = await self._pump(ws)
                if self._stop.is_set():
                    return
                dropped = True
                self._lost()
            attempt += 1
            delay = self.backoff.delay(attempt, self.jitter())
            if attempt == 1:
                template = self.l10n.gettext(
                    "Connection lost ({reason}). Reconnecting in {seconds} s…"
                )
            else:
                template = self.l10n.gettext(
                    "Still no connection ({reason}). Next try in {seconds} s…"
                )
            seconds = self.l10n.format_number(round(delay, 1))
            self._say(template.format(reason=reason, seconds=seconds), "warning")
            await self._unless_stopped(self.sleep(delay))

    async def _open(self, url: str) -> ClientConnection:
        try:
            return await connect(
                url,
                open_timeout=self.open_timeout,
                close_timeout=5,
                additional_headers={"Accept-Language": self.l10n.language},
                max_size=2**20,
            )
        except InvalidURI:
            raise BadUrlError(url=self.options.url) from None

    def _resumed(self, since: int | None) -> str:
        if since is None:
            return self.l10n.gettext("Reconnected.")
        return self.l10n.gettext("Reconnected: resuming after message #{id}.").format(id=since)

    def _lost(self) -> None:
        """A drop leaves the frames in flight unanswered: say so instead of waiting."""
        queued = {str(frame.get("ref")) for frame in self.outbox}
        in_flight = self.pending - queued
        if in_flight:
            count = len(in_flight)
            self.pending -= in_flight
            self._say(
                self.l10n.ngettext(
                    "{count} message may not have arrived before the drop.",
                    "{count} messages may not have arrived before the drop.",
                    count,
                ).format(count=self.l10n.format_number(count)),
                "warning",
            )
        self._update_settled()

    async def _pump(self, ws: ClientConnection) -> str:
        """Frames in until the connection closes; returns why it closed."""
        self.ws = ws
        try:
            while self.outbox:
                await ws.send(json.dumps(self.outbox[0], ensure_ascii=False))
                self.outbox.popleft()
            self._update_settled()
            async for message in ws:
                text = message if isinstance(message, str) else message.decode("utf-8", "replace")
                try:
                    frame: Any = json.loads(text)
                except ValueError:
                    frame = None
                if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
                    self._say(self.l10n.gettext("The server sent a frame that is not valid."))
                    continue
                self._receive(frame)
        except ConnectionClosed:
            pass
        finally:
            self.ws = None
            await ws.close()
        code, why = ws.close_code, ws.close_reason or ""
        if code == CLOSE_POLICY and not self._stop.is_set():
            raise ClosedError(reason=_CLOSE_REASONS.get(why, why or str(code)))
        if code in (None, 1006):
            return self.l10n.gettext("the connection broke off")
        return f"{code} {clean(why)}".strip()

    def _receive(self, frame: dict[str, Any]) -> None:
        if not self.progress.accept(frame):
            return
        kind = frame.get("type")
        ref = frame.get("ref")
        if isinstance(ref, str) and ref in self.pending:
            self.pending.discard(ref)
            self._update_settled()
        if kind == "hello":
            self.hello = frame
            self._ready.set()
        elif kind == "subscribed" and isinstance(frame.get("langs"), list):
            # What to ask for again on a reconnect.
            self.langs = tuple(str(lang) for lang in frame["langs"])
        if not self.out.raw and kind == "ack" and _echoed(frame, self.progress):
            return
        if not self.out.raw and kind == "presence":
            # Counted every few seconds whether or not anything changed: people are
            # shown a count when it is new.
            counts = json.dumps(
                [frame.get("viewers"), frame.get("moderators"), frame.get("uncovered")],
                sort_keys=True,
            )
            if counts == self._presence:
                return
            self._presence = counts
        self.out.frame(frame)


def _echoed(frame: dict[str, Any], progress: Progress) -> bool:
    """A plain `sent` ack of a message already shown: the message says it all."""
    message_id = as_int(frame.get("id"))
    return (
        frame.get("status") == "sent"
        and frame.get("held_id") is None
        and message_id is not None
        and progress.seen(message_id)
    )


def _refusal(body: bytes | bytearray, status: int) -> str:
    """The relay's reason for refusing the upgrade, as a message to translate."""
    try:
        data = json.loads(bytes(body).decode("utf-8"))
        error = data["error"]
        code, message = error.get("code"), error.get("message")
    except (ValueError, KeyError, TypeError, AttributeError):
        code, message = None, None
    if code in _REFUSALS:
        return _REFUSALS[code]
    if isinstance(message, str) and message:
        return clean(message)[:200]
    return {
        401: N_("You need to sign in for this."),
        403: N_("You are not allowed to do this."),
        404: N_("There is nothing at this address."),
    }.get(status, N_("the server did not accept a websocket"))


def _unreachable(error: BaseException) -> str:
    if isinstance(error, ConnectionRefusedError):
        return N_("the connection was refused: is the server running?")
    if isinstance(error, TimeoutError):
        return N_("no answer in time")
    if isinstance(error, InvalidHandshake):
        return N_("the server does not speak websocket here")
    if isinstance(error, OSError) and error.strerror:
        return clean(error.strerror)
    return clean(error) or type(error).__name__


def _public(url: str) -> str:
    """The address without its query, which may hold a token."""
    return url.split("?", 1)[0]
