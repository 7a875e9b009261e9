"""Typed lines -> client frames, without I/O: `command` turns what the user typed into a
frame to send (or says why it sends nothing), `describe` and `help_lines` say it in the
reader's language."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from livecommerce.core.messages import N_
from livecommerce.core.models import Role
from livecommerce.i18n import Localizer

MAX_FRAME = 16_000  # the relay's default frame limit is 16384 bytes; stay under it
MAX_LANGS = 7


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
    "move": ("/move ID LANG", N_("move a message to another language channel")),
    "pin": ("/pin SKU", N_("pin a product")),
    "unpin": ("/unpin SKU", N_("unpin a product")),
    "lang": ("/lang kk,ru", N_("read these languages")),
    "reply": ("/reply ID TEXT", N_("answer a message")),
    "to": ("/to LANG TEXT", N_("write in a language")),
    "help": ("/help", N_("list the commands")),
    "quit": ("/quit", N_("leave the chat")),
}

# Who may use what (the relay decides; /help lists only the reader's own): a viewer
# chats; staff also moderate; the streamer and admins also pin products.
_VIEWERS = frozenset({"lang", "reply", "to", "help", "quit"})
_MODERATION = frozenset({"delete", "approve", "reject", "timeout", "ban", "unban", "slow", "move"})
_ALLOWED: dict[Role, frozenset[str]] = {
    Role.VIEWER: _VIEWERS,
    Role.MODERATOR: _VIEWERS | _MODERATION,
    Role.STREAMER: frozenset(COMMANDS),
    Role.ADMIN: frozenset(COMMANDS),
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
    if name == "move":
        if len(args) != 2:
            return _usage(name)
        message_id, lang = _message_id(args[0]), _lang(args[1])
        if message_id is None or lang is None:
            return _usage(name)
        return Send({"type": "move", "id": message_id, "lang": lang, "ref": ref})
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


def help_lines(l10n: Localizer, role: str | None = None) -> list[str]:
    """The slash commands `role` may use (as the server's hello names it), one per line,
    for /help; every command while the role is not known yet."""
    try:
        allowed = _ALLOWED[Role(role)] if role is not None else frozenset(COMMANDS)
    except ValueError:  # a role this client does not know: show everything
        allowed = frozenset(COMMANDS)
    shown = [(syntax, meaning) for name, (syntax, meaning) in COMMANDS.items() if name in allowed]
    width = max(len(syntax) for syntax, _ in shown)
    lines = [l10n.gettext("Type a line to chat, or one of these commands:")]
    for syntax, meaning in shown:
        lines.append(f"  {syntax.ljust(width)}  {l10n.gettext(meaning)}")
    return lines
