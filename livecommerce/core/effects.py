"""What a room decides, for the adapter to carry out: the effects, and the frames they carry.

An `Effect` is one of a closed set of plain values (`Deliver`, `Close`, `Store`, `Erase`,
`Relabel`, `Audit`, `Pinned`, `Replicate`); the adapter dispatches on them with `match`, so a new
kind that it does not handle fails the type check. Frames are plain dicts; a sentence
for people is a `Text` the adapter translates for each reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from livecommerce.core.changes import Change
from livecommerce.core.held import Held
from livecommerce.core.messages import Text
from livecommerce.core.models import ChatMessage

# Close codes (RFC 6455 and the registry): policy violation, try again later.
CLOSE_POLICY = 1008
CLOSE_TRY_LATER = 1013


@dataclass(frozen=True, slots=True)
class Deliver:
    """Send `frame` to each connection in `to`."""

    to: frozenset[int]
    frame: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Close:
    conn: int
    code: int
    reason: str


@dataclass(frozen=True, slots=True)
class Store:
    """A chat message to keep (history and export). Every copy of a room keeps what it
    hears (the store keeps one of each), so a message acknowledged by a process that
    dies is still kept by the others; `here` says whether it was decided here.

    `ack` is the sender's acknowledgement, when the sender is connected here: the
    adapter delivers it only once the message is committed to the store (the ack is a
    promise that the message survives a crash), and an error in its place when the
    store cannot take it.

    `evicted` is how many older messages keeping this one pushed out of the room's
    history in memory (they stay in the store: nothing is lost, it is only counted)."""

    message: ChatMessage
    here: bool = True
    ack: Deliver | None = None
    evicted: int = 0


@dataclass(frozen=True, slots=True)
class Erase:
    """A message deleted by a moderator: gone from history and from the store."""

    id: int


@dataclass(frozen=True, slots=True)
class Relabel:
    """A message a moderator moved to channel `lang`: the store keeps its new language
    (and its mentions' language), no longer unsure."""

    id: int
    lang: str


@dataclass(frozen=True, slots=True)
class Audit:
    """One moderation action, for the audit log."""

    ts: datetime
    actor: str
    role: str
    action: str
    user: str | None = None
    message_id: int | None = None
    lang: str | None = None
    seconds: int | None = None


@dataclass(frozen=True, slots=True)
class Pinned:
    """The streamer pinned or unpinned a product: the adapter sends localized `product` frames."""

    sku: str
    action: str
    ts: datetime
    conn: int | None = None  # who pinned it (None: over HTTP)
    lang: str | None = None  # the language they speak in the room
    shared: bool = False  # decided in another copy of the room: only show it here


@dataclass(frozen=True, slots=True)
class Replicate:
    """A decided change for every copy of the room (other processes too): the adapter
    hands it to the bus, which gives it its id and hands it back to each `Room.apply`."""

    change: Change


Effect = Deliver | Close | Store | Erase | Relabel | Audit | Pinned | Replicate


# -- frames ------------------------------------------------------------------------------


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def chat_frame(message: ChatMessage, staff: bool = False) -> dict[str, Any]:
    """A message as its readers get it; `staff` adds what only staff see: the script it
    was written in and whether its language is unsure."""
    frame: dict[str, Any] = {
        "type": "chat",
        "id": message.id,
        "lang": message.lang,
        "text": message.text,
        "user": {"id": message.user_id, "name": message.user_name, "role": message.role.value},
        "ts": iso(message.ts),
        "mentions": list(message.mentions),
    }
    if message.reply_to is not None:
        frame["reply_to"] = message.reply_to
    if message.declared_lang is not None:
        frame["declared_lang"] = message.declared_lang
    if message.broadcast:
        frame["broadcast"] = True
    if staff:
        _language_fields(frame, message)
    return frame


def _language_fields(frame: dict[str, Any], message: ChatMessage) -> None:
    if message.script:
        frame["script"] = message.script
    if message.lang_unsure:
        frame["lang_unsure"] = True


def held_frame(held: Held) -> dict[str, Any]:
    """A held message, for staff only."""
    message = held.message
    frame: dict[str, Any] = {
        "type": "held",
        "id": held.hold_id,
        "lang": message.lang,
        "text": message.text,
        "user": {"id": message.user_id, "name": message.user_name, "role": message.role.value},
        "ts": iso(message.ts),
        "reasons": list(held.reasons),
    }
    _language_fields(frame, message)
    return frame


def notice_frame(code: str, template: str, **params: object) -> dict[str, Any]:
    return {"type": "notice", "code": code, "message": Text(template, params), **params}


def error_frame(code: str, template: str, **params: object) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": Text(template, params)}


def chat_frames(messages: Sequence[ChatMessage], staff: bool = False) -> list[dict[str, Any]]:
    """Chat frames for stored messages (the export and the page's first render)."""
    return [chat_frame(m, staff) for m in messages]
