"""The terminal chat client behind `livecommerce chat URL`, built on `websockets`.

The pure parts come first and are tested without a network: `command` turns a typed
line into a client frame (or says why it sends nothing), `render` turns a server frame
into one line of text for the reader, `stream_url` builds the address of a connection,
and `Progress` tracks what has been seen so that a reconnect asks for `since=<last id>`
and shows nothing twice. `Session` is the I/O at the edge: one connection at a time,
reconnecting with backoff; `main` wires it to stdin, the terminal and the CLI.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import os
import random
import re
import sys
import threading
import unicodedata
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.console import Console
from rich.text import Text
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidStatus,
    InvalidURI,
)

from livecommerce.config import Settings
from livecommerce.core.messages import N_
from livecommerce.errors import LivecommerceError
from livecommerce.i18n import Localizer, localizer

T = TypeVar("T")

# Close codes after which reconnecting would only be refused again (RFC 6455).
CLOSE_POLICY = 1008
MAX_FRAME = 16_000  # the relay's default frame limit is 16384 bytes; stay under it
MAX_LANGS = 7


# -- errors --------------------------------------------------------------------------------


class ChatError(LivecommerceError):
    """The chat cannot go on: one line for the user, an exit status for the shell."""

    template = N_("chat: {detail}")
    exit_code = 1


class BadUrlError(ChatError):
    template = N_("{url} is not a chat address: expected ws://HOST:PORT/ws/streams/STREAM")
    exit_code = 2


class BadOptionError(ChatError):
    template = N_("{option} {value}: expected {expected}")
    exit_code = 2
    translated = ("expected",)


class UnreachableError(ChatError):
    template = N_("cannot reach {url}: {reason}")
    exit_code = 6
    translated = ("reason",)


class RefusedError(ChatError):
    template = N_("the chat refused the connection: {reason} (HTTP {status})")
    exit_code = 7
    translated = ("reason",)


class ClosedError(ChatError):
    template = N_("the chat closed the connection: {reason}")
    exit_code = 7
    translated = ("reason",)


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


# -- typed lines -> client frames ----------------------------------------------------------


@dataclass(frozen=True)
class Send:
    """A frame to send; `expects_reply`: the relay answers it with its `ref`."""

    frame: dict[str, Any]
    expects_reply: bool = True


@dataclass(frozen=True)
class Quit:
    pass


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Usage:
    """A line that sends nothing, and why: a template and its parameters."""

    template: str
    params: dict[str, str] = field(default_factory=dict)
    # Parameters that are themselves messages, translated with the template.
    translated: tuple[str, ...] = ()


Action = Send | Quit | Help | Usage

# name -> (syntax, what it does); the syntax is what the user types, not translated.
COMMANDS: dict[str, tuple[str, str]] = {
    "delete": ("/delete ID", N_("delete a message")),
    "approve": ("/approve ID", N_("publish a held message")),
    "reject": ("/reject ID", N_("drop a held message")),
    "timeout": ("/timeout USER SECONDS", N_("stop a user writing for a while (10, 5m, 1h)")),
    "ban": ("/ban USER", N_("ban a user from the chat")),
    "unban": ("/unban USER", N_("lift a ban or a timeout")),
    "slow": ("/slow LANG SECONDS", N_("slow mode in a language (0: off)")),
    "pin": ("/pin SKU", N_("pin a product")),
    "unpin": ("/unpin SKU", N_("unpin a product")),
    "lang": ("/lang kk,ru", N_("read these languages")),
    "reply": ("/reply ID TEXT", N_("answer a message")),
    "to": ("/to LANG TEXT", N_("write in a language")),
    "help": ("/help", N_("list the commands")),
    "quit": ("/quit", N_("leave the chat")),
}

_LANG = re.compile(r"[a-z]{2,3}(?:[-_][a-z0-9]{1,5})*")
_DURATION = re.compile(r"(\d{1,7})([smhd]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _usage(name: str) -> Usage:
    syntax, meaning = COMMANDS[name]
    return Usage(
        N_("Usage: {usage} — {meaning}"), {"usage": syntax, "meaning": meaning}, ("meaning",)
    )


def _message_id(text: str) -> int | None:
    if not text.isascii() or not text.isdigit() or len(text) > 16:
        return None
    value = int(text)
    return value if 1 <= value <= 2**53 else None


def _seconds(text: str, low: int, high: int) -> int | None:
    match = _DURATION.fullmatch(text.lower())
    if not match:
        return None
    value = int(match.group(1)) * _UNITS[match.group(2)]
    return value if low <= value <= high else None


def _word(text: str, limit: int) -> str | None:
    if not text or len(text) > limit or any(unicodedata.category(c) == "Cc" for c in text):
        return None
    return text


def _lang(text: str) -> str | None:
    value = text.lower()
    return value if 2 <= len(value) <= 8 and _LANG.fullmatch(value) else None


def split_langs(text: str) -> tuple[str, ...] | None:
    """Languages typed as `kk,ru` or `kk ru`, without repeats; None when one is malformed."""
    parts = [p for p in re.split(r"[\s,]+", text.strip()) if p]
    langs = [_lang(p) for p in parts]
    if not parts or len(parts) > MAX_LANGS or any(lang is None for lang in langs):
        return None
    return tuple(dict.fromkeys(lang for lang in langs if lang is not None))


def _chat(text: str, ref: str, **fields: Any) -> Action:
    frame: dict[str, Any] = {"type": "chat", "text": text, **fields, "ref": ref}
    if len(json.dumps(frame, ensure_ascii=False).encode()) > MAX_FRAME:
        return Usage(N_("The message is too long."))
    return Send(frame)


def command(line: str, ref: str) -> Action | None:
    """What a typed line asks for: a frame to send (tagged `ref`), help, quit, or why
    it sends nothing. Plain lines are chat messages; `//text` sends `/text`. None for a
    blank line."""
    text = line.strip()
    if not text:
        return None
    if text.startswith("//"):
        return _chat(text[1:], ref)
    if not text.startswith("/"):
        return _chat(text, ref)
    name, _, rest = text[1:].partition(" ")
    name = name.lower()
    rest = rest.strip()
    args = rest.split()
    if name not in COMMANDS:
        return Usage(N_("Unknown command /{command}: type /help for the list."), {"command": name})
    if name in ("help", "quit"):
        if args:
            return _usage(name)
        return Help() if name == "help" else Quit()
    if name in ("delete", "approve", "reject", "ban", "unban", "pin", "unpin") and len(args) != 1:
        return _usage(name)
    if name in ("delete", "approve", "reject"):
        message_id = _message_id(args[0])
        if message_id is None:
            return _usage(name)
        return Send({"type": name, "id": message_id, "ref": ref})
    if name in ("ban", "unban"):
        user = _word(args[0], 100)
        return _usage(name) if user is None else Send({"type": name, "user": user, "ref": ref})
    if name in ("pin", "unpin"):
        sku = _word(args[0], 64)
        if sku is None:
            return _usage(name)
        # A pin is answered with `product` frames, not by its ref.
        return Send({"type": name, "sku": sku, "ref": ref}, expects_reply=False)
    if name == "timeout":
        if len(args) != 2:
            return _usage(name)
        user, seconds = _word(args[0], 100), _seconds(args[1], 1, 7 * 86400)
        if user is None or seconds is None:
            return _usage(name)
        return Send({"type": "timeout", "user": user, "seconds": seconds, "ref": ref})
    if name == "slow":
        if len(args) != 2:
            return _usage(name)
        lang, seconds = _lang(args[0]), _seconds(args[1], 0, 3600)
        if lang is None or seconds is None:
            return _usage(name)
        return Send({"type": "slow", "lang": lang, "seconds": seconds, "ref": ref})
    if name == "lang":
        langs = split_langs(rest)
        if langs is None:
            return _usage(name)
        return Send({"type": "subscribe", "langs": list(langs), "ref": ref})
    # reply / to: a first argument, then the text as typed.
    first, _, message = rest.partition(" ")
    message = message.strip()
    if not message:
        return _usage(name)
    if name == "reply":
        message_id = _message_id(first)
        return _usage(name) if message_id is None else _chat(message, ref, reply_to=message_id)
    lang = _lang(first)
    return _usage(name) if lang is None else _chat(message, ref, lang=lang)


def describe(usage: Usage, l10n: Localizer) -> str:
    """A `Usage` as one sentence in the reader's language."""
    params = {
        key: l10n.gettext(value) if key in usage.translated else value
        for key, value in usage.params.items()
    }
    return l10n.gettext(usage.template).format(**params)


def help_lines(l10n: Localizer) -> list[str]:
    """The slash commands, one per line, for /help."""
    width = max(len(syntax) for syntax, _ in COMMANDS.values())
    lines = [l10n.gettext("Type a line to chat, or one of these commands:")]
    for syntax, meaning in COMMANDS.values():
        lines.append(f"  {syntax.ljust(width)}  {l10n.gettext(meaning)}")
    return lines


# -- server frames -> lines ----------------------------------------------------------------

_ROLES = {
    "viewer": N_("viewer"),
    "moderator": N_("moderator"),
    "streamer": N_("streamer"),
    "admin": N_("admin"),
}

_REASONS = {
    "link": N_("a link"),
    "blocked_term": N_("a blocked word"),
    "first_time_guest": N_("a guest's first message"),
}

# Characters that would move or reorder what follows them on the line.
_BIDI_CONTROLS = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
)
_FSI, _PDI = "\u2068", "\u2069"


def clean(text: Any) -> str:
    """Untrusted text made safe for one terminal line: newlines shown as ↵, control
    characters (escape sequences) and bidi overrides dropped."""
    value = str(text).replace("\r\n", "\n").translate(_BIDI_CONTROLS)
    value = value.replace("\n", " ↵ ").replace("\t", " ")
    return "".join(c for c in value if unicodedata.category(c) != "Cc")


def isolate(text: str) -> str:
    """Right-to-left text (Uyghur) wrapped in a bidi isolate, so that it cannot reorder
    the id, time and name around it on terminals that apply the bidi algorithm."""
    if any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        return _FSI + text + _PDI
    return text


def _user_text(text: Any) -> str:
    return isolate(clean(text))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _time(frame: dict[str, Any], l10n: Localizer) -> str:
    stamp = frame.get("ts")
    if not isinstance(stamp, str):
        return ""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return ""
    if moment.tzinfo is None:
        return ""
    return l10n.format_time(moment, "short")


def _role(role: Any, l10n: Localizer) -> str:
    return l10n.gettext(_ROLES[role]) if role in _ROLES else clean(role)


def _langs(values: Any) -> str:
    if not isinstance(values, list) or not values:
        return "—"
    return ", ".join(clean(v) for v in values)


def _message_line(frame: dict[str, Any], l10n: Localizer, style: str = "") -> Text:
    """`#12 14:03 [kk] Aigerim (moderator) ↩#9: text` — a chat or held message."""
    line = Text(style=style)
    message_id = _int(frame.get("id"))
    if message_id is not None:
        line.append(f"#{message_id} ", style="dim")
    when = _time(frame, l10n)
    if when:
        line.append(f"{when} ", style="dim")
    lang = clean(frame.get("lang", "?"))
    tag = lang
    if isinstance(frame.get("declared_lang"), str):
        tag = f"{lang}←{clean(frame['declared_lang'])}"
    if frame.get("broadcast"):
        tag = f"{lang}→*"
    line.append(f"[{tag}] ", style="cyan")
    user = _dict(frame.get("user"))
    role = user.get("role")
    line.append(_user_text(user.get("name") or user.get("id") or "?"), style="bold")
    line.append(
        f" ({_role(role, l10n)})", style="magenta" if role not in (None, "viewer") else "dim"
    )
    reply_to = _int(frame.get("reply_to"))
    if reply_to is not None:
        line.append(f" ↩#{reply_to}", style="dim")
    line.append(": ")
    line.append(_user_text(frame.get("text", "")))
    mentions = frame.get("mentions")
    if isinstance(mentions, list) and mentions:
        line.append(f" [{', '.join(clean(m) for m in mentions)}]", style="green")
    if frame.get("fallback"):
        line.append(" " + l10n.gettext("(fallback: nobody moderates this language)"), style="dim")
    return line


def _mod_sentence(frame: dict[str, Any], l10n: Localizer) -> str:
    by = _dict(frame.get("by"))
    params: dict[str, Any] = {
        "by": _user_text(by.get("name") or by.get("id") or "?"),
        "user": _user_text(frame.get("user", "?")),
        "id": frame.get("id", "?"),
        "language": clean(frame.get("lang", "?")),
    }
    seconds = _int(frame.get("seconds")) or 0
    params["seconds"] = l10n.format_number(seconds)
    action = frame.get("action")
    if action == "delete":
        template = l10n.gettext("{by} deleted message {id}.")
    elif action == "approve":
        template = l10n.gettext("{by} approved held message {id}.")
    elif action == "reject":
        template = l10n.gettext("{by} rejected held message {id}.")
    elif action == "timeout":
        template = l10n.ngettext(
            "{by} timed out {user} for {seconds} second.",
            "{by} timed out {user} for {seconds} seconds.",
            seconds,
        )
    elif action == "ban":
        template = l10n.gettext("{by} banned {user}.")
    elif action == "unban":
        template = l10n.gettext("{by} lifted the ban and timeout of {user}.")
    elif action == "slow" and seconds:
        template = l10n.ngettext(
            "{by} set slow mode in {language}: one message every {seconds} second.",
            "{by} set slow mode in {language}: one message every {seconds} seconds.",
            seconds,
        )
    elif action == "slow":
        template = l10n.gettext("{by} turned slow mode off in {language}.")
    else:
        params["action"] = clean(action)
        template = l10n.gettext("{by}: {action}")
    return template.format(**params)


def render(frame: dict[str, Any], l10n: Localizer) -> Text:
    """One server frame as one line for the reader: times in their zone, sentences in
    their language, colour for what needs attention."""
    kind = frame.get("type")
    if kind == "chat":
        return _message_line(frame, l10n)
    if kind == "held":
        line = _message_line(frame, l10n, style="yellow")
        reasons = _list(frame.get("reasons"))
        named = [l10n.gettext(_REASONS[r]) if r in _REASONS else clean(r) for r in reasons]
        line.append(" — " + l10n.gettext("held: {reasons}").format(reasons=l10n.list(named)))
        message_id = _int(frame.get("id"))
        if message_id is not None:
            line.append(f"  /approve {message_id} · /reject {message_id}", style="dim")
        return line
    if kind == "hello":
        you = _dict(frame.get("you"))
        stream = _dict(frame.get("stream"))
        text = l10n.gettext("Connected to {stream} as {name} ({role}).").format(
            stream=clean(stream.get("id", "?")),
            name=_user_text(you.get("name", "?")),
            role=_role(you.get("role"), l10n),
        )
        text += " " + l10n.gettext("Reading: {langs}.").format(langs=_langs(frame.get("langs")))
        if frame.get("moderates"):
            text += " " + l10n.gettext("Moderating: {langs}.").format(
                langs=_langs(frame.get("moderates"))
            )
        text += " " + l10n.gettext("Stream languages: {langs}.").format(
            langs=_langs(stream.get("languages"))
        )
        line = Text(text, style="green")
        if frame.get("recovered") is False:
            line.append(
                " " + l10n.gettext("Some earlier messages are too old to be replayed."),
                style="yellow",
            )
        return line
    if kind == "subscribed":
        text = l10n.gettext("Reading: {langs}.").format(langs=_langs(frame.get("langs")))
        if frame.get("moderates"):
            text += " " + l10n.gettext("Moderating: {langs}.").format(
                langs=_langs(frame.get("moderates"))
            )
        return Text(text, style="green")
    if kind == "ack":
        message_id = frame.get("id", "?")
        status = frame.get("status")
        if status == "held":
            text = l10n.gettext("Your message is held for review (#{id}).")
            return Text(text.format(id=message_id), style="yellow")
        if status == "rejected":
            text = l10n.gettext("Your held message #{id} was rejected.")
            return Text(text.format(id=message_id), style="yellow")
        if frame.get("held_id") is not None:
            text = l10n.gettext("Your held message #{held} was approved and sent as #{id}.")
            return Text(text.format(held=frame["held_id"], id=message_id), style="green")
        return Text(l10n.gettext("Sent as #{id}.").format(id=message_id), style="dim")
    if kind == "resolved":
        if frame.get("action") == "approve":
            text = l10n.gettext("Held message #{id} was approved.")
        else:
            text = l10n.gettext("Held message #{id} was rejected.")
        return Text(text.format(id=frame.get("id", "?")), style="dim")
    if kind == "deleted":
        text = l10n.gettext("Message #{id} was deleted.")
        return Text(text.format(id=frame.get("id", "?")), style="yellow")
    if kind == "notice":
        line = Text(style="yellow")
        if isinstance(frame.get("lang"), str):
            line.append(f"[{clean(frame['lang'])}] ", style="cyan")
        line.append("• " + _user_text(frame.get("message", frame.get("code", ""))))
        return line
    if kind == "error":
        line = Text("✗ " + _user_text(frame.get("message", "")), style="bold red")
        if frame.get("code"):
            line.append(f" ({clean(frame['code'])})", style="red")
        return line
    if kind == "presence":
        return _presence(frame, l10n)
    if kind == "mod":
        return Text(_mod_sentence(frame, l10n), style="magenta")
    if kind == "product":
        return _product(frame, l10n)
    # A frame this client does not know yet: shown as it came, never dropped.
    return Text(clean(json.dumps(frame, ensure_ascii=False)), style="dim")


def _counts(value: Any, l10n: Localizer) -> str:
    if not isinstance(value, dict) or not value:
        return "—"
    return " · ".join(
        f"{clean(lang)} {l10n.format_number(count) if _int(count) is not None else '?'}"
        for lang, count in value.items()
    )


def _presence(frame: dict[str, Any], l10n: Localizer) -> Text:
    text = l10n.gettext("Viewers: {viewers}. Moderators: {moderators}.").format(
        viewers=_counts(frame.get("viewers"), l10n),
        moderators=_counts(frame.get("moderators"), l10n),
    )
    line = Text(text, style="dim")
    uncovered = frame.get("uncovered")
    if isinstance(uncovered, list) and uncovered:
        line.append(
            " " + l10n.gettext("No moderator: {langs}.").format(langs=_langs(uncovered)),
            style="yellow",
        )
    return line


def _product(frame: dict[str, Any], l10n: Localizer) -> Text:
    line = Text(style="bold green" if frame.get("action") != "unpin" else "dim")
    if isinstance(frame.get("lang"), str):
        line.append(f"[{clean(frame['lang'])}] ", style="cyan")
    name = _user_text(frame.get("name") or frame.get("sku", "?"))
    sku = clean(frame.get("sku", "?"))
    if frame.get("action") == "unpin":
        line.append(l10n.gettext("Unpinned: {name} ({sku})").format(name=name, sku=sku))
        return line
    prices = _list(frame.get("prices"))
    shown = [
        clean(p.get("display") or f"{p.get('amount', '?')} {p.get('currency', '')}".strip())
        for p in prices
        if isinstance(p, dict)
    ]
    line.append(l10n.gettext("Pinned: {name} ({sku})").format(name=name, sku=sku))
    if shown:
        line.append(" — " + " · ".join(shown))
    return line


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
            last = _int(frame.get("last_id"))
            if last is not None:
                self.since = max(self.since or 0, last)
            return True
        message_id = _int(frame.get("id"))
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


class ConsoleOutput:
    """Frames rendered for people through rich: one line each, colour on a terminal."""

    raw = False
    _STYLES: ClassVar[dict[str, str]] = {"info": "cyan", "warning": "yellow", "error": "bold red"}

    def __init__(self, l10n: Localizer, console: Console | None = None) -> None:
        self.l10n = l10n
        self.console = console or Console(
            highlight=False, markup=False, emoji=False, soft_wrap=True
        )

    def frame(self, frame: dict[str, Any]) -> None:
        self.console.print(render(frame, self.l10n))

    def status(self, text: str, level: str = "info") -> None:
        self.console.print(Text(text, style=self._STYLES.get(level, "")))


class JsonOutput:
    """Frames as JSON lines on stdout, for scripts; status lines on stderr."""

    raw = True

    def __init__(self, out: Any = None, err: Any = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    def frame(self, frame: dict[str, Any]) -> None:
        self.out.write(json.dumps(frame, ensure_ascii=False) + "\n")
        self.out.flush()

    def status(self, text: str, level: str = "info") -> None:
        self.err.write(clean(text) + "\n")
        self.err.flush()


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
                for text in help_lines(self.l10n):
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
        self.out.frame(frame)


def _echoed(frame: dict[str, Any], progress: Progress) -> bool:
    """A plain `sent` ack of a message already shown: the message says it all."""
    message_id = _int(frame.get("id"))
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


# -- terminal wiring -----------------------------------------------------------------------


def reader_zone(asked: str | None = None) -> str:
    """The zone to show times in: `--zone`, else TZ, else this computer's, else ""
    (the locale's home zone)."""
    candidates = [asked] if asked else []
    candidates.append(os.environ.get("TZ", "").lstrip(":"))
    with contextlib.suppress(OSError):
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    for candidate in candidates:
        if not candidate:
            continue
        try:
            ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            if candidate == asked:
                raise BadOptionError(
                    option="--zone",
                    value=asked,
                    expected=N_("an IANA time zone such as Asia/Almaty"),
                ) from None
            continue
        return candidate
    return ""


def _stdin_lines(loop: asyncio.AbstractEventLoop, lines: Lines, fd: int = 0) -> None:
    """Read lines from a file descriptor in a daemon thread: the event loop never blocks
    on the terminal, and the process can leave while a read is pending."""

    def put(item: str | None) -> bool:
        try:
            loop.call_soon_threadsafe(lines.put_nowait, item)
        except RuntimeError:  # the loop is closed: the session is over
            return False
        return True

    def pump() -> None:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        buffer = ""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                rest = buffer + decoder.decode(b"", final=True)
                if rest.strip() and not put(rest):
                    return
                put(None)
                return
            buffer += decoder.decode(chunk)
            *complete, buffer = buffer.split("\n")
            for line in complete:
                if not put(line.rstrip("\r")):
                    return

    threading.Thread(target=pump, name="chat-stdin", daemon=True).start()


async def _run_terminal(session: Session) -> int:
    lines: Lines = asyncio.Queue()
    _stdin_lines(asyncio.get_running_loop(), lines)
    return await session.run(lines)


def main(
    settings: Settings,
    *,
    url: str,
    langs: Iterable[str] = (),
    token: str | None = None,
    name: str | None = None,
    since: int | None = None,
    zone: str | None = None,
    as_json: bool = False,
) -> int:
    """`livecommerce chat`: the exit status (0 done, 2 bad usage, 6 unreachable, 7 refused
    or closed by the chat, 130 interrupted); every failure is one line on stderr."""
    l10n = localizer(settings.locale)
    try:
        l10n = localizer(settings.locale, reader_zone(zone))
        chosen: tuple[str, ...] = ()
        for value in langs:
            parsed = split_langs(value)
            if parsed is None:
                raise BadOptionError(
                    option="--lang", value=value, expected=N_("language codes such as kk,ru")
                )
            chosen = tuple(dict.fromkeys((*chosen, *parsed)))
        options = Options(url=url, langs=chosen, token=token, name=name, since=since)
        out: Output = JsonOutput() if as_json else ConsoleOutput(l10n)
        session = Session(options, out, l10n)
        return asyncio.run(_run_terminal(session))
    except ChatError as error:
        sys.stdout.flush()
        print(f"livecommerce: {error.message(l10n.gettext)}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output left (`| head`): nothing more to say, nowhere to say it.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
