"""Changes to a room's shared state, as plain data that can cross processes.

A room decides (checks the sender's rights, limits and the rules) where the command
arrives, and records what it decided as a `Change`: a message published or held, a
held message resolved, a message erased, a user timed out, banned or let back, a slow
mode set, a product pinned (`until` then holds the moment, as a POSIX timestamp); and
`presence`, which changes nothing but asks the other copies to look at the counts again.
Every copy of the room, in every process, applies the same changes in the same order,
so they share history, ids and moderation state. With one process the room applies its
own changes at once; with several, a bus (Redis) gives each message its id and hands
every change to every process in one order.

`to_json` / `from_json` carry a change over the wire: plain JSON types only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from livecommerce.core.models import ChatMessage, Role

KINDS = (
    "message",
    "held",
    "resolved",
    "erase",
    "timeout",
    "ban",
    "unban",
    "slow",
    "pin",
    "presence",
)
# Changes that need an id from the sequence (messages and held messages).
SEQUENCED = ("message", "held")


@dataclass(frozen=True)
class Origin:
    """The connection a change answers: its process, connection id and the `ref` of the
    frame that caused it (so that process can acknowledge it)."""

    process: str
    conn: int
    ref: str | None = None


@dataclass(frozen=True)
class Change:
    """One decided change. `message` for message/held (id 0 until sequenced), `id` the
    held or erased message id, `user`/`until` for restrictions, `lang`/`seconds` for slow
    mode, `mod` the staff's `mod` frame when a moderator caused it."""

    kind: str
    origin: Origin | None = None
    store: str | None = None  # the process that decided it (and counts it in its metrics)
    message: ChatMessage | None = None
    id: int = 0
    held_id: int = 0  # for an approved message: the id it was held under
    user: str | None = None
    until: float | None = None
    lang: str | None = None
    seconds: int | None = None
    action: str | None = None
    reasons: tuple[str, ...] = ()
    mod: dict[str, Any] | None = None
    sku: str | None = None  # a pinned or unpinned product (`action` pin or unpin)
    # The change's place in the show's sequence, given by the bus (0: not through one).
    # A message's or held message's id is its place.
    seq: int = 0

    @property
    def sequenced(self) -> bool:
        return self.kind in SEQUENCED


class ChangeError(ValueError):
    """A change from the wire that does not parse."""


def _message_to_json(message: ChatMessage) -> dict[str, Any]:
    return {
        "show_id": message.show_id,
        "id": message.id,
        "ts": message.ts.isoformat(),
        "lang": message.lang,
        "user_id": message.user_id,
        "user_name": message.user_name,
        "role": message.role.value,
        "text": message.text,
        "reply_to": message.reply_to,
        "declared_lang": message.declared_lang,
        "broadcast": message.broadcast,
        "mentions": list(message.mentions),
    }


def _message_from_json(data: dict[str, Any]) -> ChatMessage:
    return ChatMessage(
        show_id=str(data["show_id"]),
        id=int(data["id"]),
        ts=datetime.fromisoformat(data["ts"]),
        lang=str(data["lang"]),
        user_id=str(data["user_id"]),
        user_name=str(data["user_name"]),
        role=Role(data["role"]),
        text=str(data["text"]),
        reply_to=None if data.get("reply_to") is None else int(data["reply_to"]),
        declared_lang=data.get("declared_lang"),
        broadcast=bool(data.get("broadcast", False)),
        mentions=tuple(str(s) for s in data.get("mentions", ())),
    )


def to_json(change: Change) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": change.kind}
    if change.origin is not None:
        data["origin"] = [change.origin.process, change.origin.conn, change.origin.ref]
    if change.message is not None:
        data["message"] = _message_to_json(change.message)
    for key in ("store", "user", "until", "lang", "seconds", "action", "mod", "sku"):
        value = getattr(change, key)
        if value is not None:
            data[key] = value
    if change.id:
        data["id"] = change.id
    if change.held_id:
        data["held_id"] = change.held_id
    if change.reasons:
        data["reasons"] = list(change.reasons)
    return data


def from_json(data: Any) -> Change:
    """The change a peer sent; `ChangeError` when it is not one."""
    try:
        kind = data["kind"]
        if kind not in KINDS:
            raise ChangeError(f"unknown change kind {kind!r}")
        origin = data.get("origin")
        if origin is not None:
            ref = None if origin[2] is None else str(origin[2])
            origin = Origin(str(origin[0]), int(origin[1]), ref)
        return Change(
            kind=kind,
            origin=origin,
            store=data.get("store"),
            message=None if "message" not in data else _message_from_json(data["message"]),
            id=int(data.get("id", 0)),
            held_id=int(data.get("held_id", 0)),
            user=data.get("user"),
            until=None if data.get("until") is None else float(data["until"]),
            lang=data.get("lang"),
            seconds=None if data.get("seconds") is None else int(data["seconds"]),
            action=data.get("action"),
            reasons=tuple(str(r) for r in data.get("reasons", ())),
            mod=data.get("mod"),
            sku=data.get("sku"),
        )
    except ChangeError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise ChangeError(f"not a room change: {error}") from None
