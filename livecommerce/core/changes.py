"""Changes to a room's shared state, as plain data that can cross processes.

A room decides (checks the sender's rights, limits and the rules) where the command
arrives, and records what it decided as a `Change`, one class per kind: a message
published (`MessagePublished`) or held (`MessageHeld`), a held message resolved
(`HeldResolved`), a message erased (`MessageErased`), a user timed out, banned or let
back (`UserRestricted`), a slow mode set (`SlowModeSet`), a product pinned
(`ProductPinned`), a message moved to another language channel (`MessageMoved`); and
`PresenceChanged`, which changes nothing but asks the other copies to look at the counts
again. Every copy of the room, in every process, applies the same changes in the same
order, so they share history, ids, moderation state and the senders' language priors.
With one process the room applies its own changes at once; with several, a bus (Redis)
gives each message its id and hands every change to every process in one order.

`Change` is the union of the kinds: code that handles changes dispatches with `match`
and ends in `assert_never`, so a kind it forgets fails the type check.

`to_json` / `from_json` carry a change over the wire: plain JSON types only, one object
with a `kind` key (`message`, `held`, `resolved`, `erase`, `timeout`, `ban`, `unban`,
`slow`, `pin`, `move`, `presence`) and the kind's fields; changes kept by the bus before
the kinds had classes read the same.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, assert_never

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
    "move",
    "presence",
)


@dataclass(frozen=True, slots=True)
class Origin:
    """The connection a change answers: its process, connection id and the `ref` of the
    frame that caused it (so that process can acknowledge it)."""

    process: str
    conn: int
    ref: str | None = None


class Restriction(StrEnum):
    """What a moderator did to a user (the change's `kind` on the wire)."""

    TIMEOUT = "timeout"
    BAN = "ban"
    UNBAN = "unban"


# Every kind carries `origin` (the connection it answers, if any) and `seq`, its place in
# the show's sequence given by the bus (0: not through one). A message's or held
# message's id is its place. `store` names the process that decided it (and counts it in
# its metrics); `mod` is the staff's `mod` frame when a moderator caused it. `person` is
# the sender (`priors.person_of`) when the message's language teaches the sender's prior
# (placed on evidence, or moved by a moderator); empty when it does not.


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagePublished:
    """A chat message for the channels (id 0 until sequenced); `held_id` the id it was
    held under, when a moderator approved it."""

    message: ChatMessage
    origin: Origin | None = None
    store: str | None = None
    held_id: int = 0
    seq: int = 0
    person: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageHeld:
    """A message kept for a moderator to approve or reject (id 0 until sequenced)."""

    message: ChatMessage
    reasons: tuple[str, ...] = ()
    origin: Origin | None = None
    seq: int = 0
    person: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class HeldResolved:
    """Held message `id` approved or rejected (`action`)."""

    id: int
    action: str
    origin: Origin | None = None
    mod: dict[str, Any] | None = None
    seq: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageErased:
    """Message `id` deleted; `lang` its channel (None for a broadcast)."""

    id: int
    lang: str | None = None
    origin: Origin | None = None
    store: str | None = None
    mod: dict[str, Any] | None = None
    seq: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class UserRestricted:
    """A user timed out (`until`, a POSIX timestamp, for `seconds`), banned or let back."""

    action: Restriction
    user: str
    seconds: int | None = None
    until: float | None = None
    origin: Origin | None = None
    mod: dict[str, Any] | None = None
    seq: int = 0
    # The guest's address key when the deciding process knows it (between servers only).
    address: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SlowModeSet:
    """One message every `seconds` per writer in channel `lang` (0: off)."""

    lang: str
    seconds: int
    origin: Origin | None = None
    mod: dict[str, Any] | None = None
    seq: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductPinned:
    """A product pinned or unpinned (`action`) at `ts`, by someone speaking `lang`."""

    sku: str
    action: str
    ts: datetime
    lang: str | None = None
    origin: Origin | None = None
    seq: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageMoved:
    """Message `id` moved by a moderator from channel `previous` to channel `lang`."""

    id: int
    lang: str
    previous: str
    person: str = ""
    origin: Origin | None = None
    store: str | None = None
    mod: dict[str, Any] | None = None
    seq: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PresenceChanged:
    """Nothing changed but the counts: the other copies read them again."""

    origin: Origin | None = None
    seq: int = 0


Change = (
    MessagePublished
    | MessageHeld
    | HeldResolved
    | MessageErased
    | UserRestricted
    | SlowModeSet
    | ProductPinned
    | MessageMoved
    | PresenceChanged
)


def numbered(change: Change, seq: int) -> Change:
    """The change at its place in the sequence; a message takes the place as its id."""
    match change:
        case MessagePublished() | MessageHeld():
            return replace(change, seq=seq, message=replace(change.message, id=seq))
        case _:
            return replace(change, seq=seq)


class ChangeError(ValueError):
    """A change from the wire that does not parse."""


def _message_to_json(message: ChatMessage) -> dict[str, Any]:
    data = {
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
    # What the detector said of the language, only when it said something.
    if message.lang_unsure:
        data["lang_unsure"] = True
    if message.script:
        data["script"] = message.script
    return data


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
        lang_unsure=bool(data.get("lang_unsure", False)),
        script=str(data.get("script") or ""),
    )


def _wire(
    kind: str,
    origin: Origin | None,
    *,
    message: ChatMessage | None = None,
    id: int = 0,
    held_id: int = 0,
    reasons: tuple[str, ...] = (),
    **optional: object,
) -> dict[str, Any]:
    """The wire object: `kind`, `origin`, `message`, the optional fields that are set, then
    the ids and reasons that are not empty (the order the format has always had)."""
    data: dict[str, Any] = {"kind": kind}
    if origin is not None:
        data["origin"] = [origin.process, origin.conn, origin.ref]
    if message is not None:
        data["message"] = _message_to_json(message)
    for key in (
        "store",
        "user",
        "until",
        "lang",
        "seconds",
        "action",
        "mod",
        "sku",
        "address",
        "previous",
        "person",
    ):
        value = optional.get(key)
        if value is not None:
            data[key] = value
    if id:
        data["id"] = id
    if held_id:
        data["held_id"] = held_id
    if reasons:
        data["reasons"] = list(reasons)
    return data


def to_json(change: Change) -> dict[str, Any]:
    match change:
        case MessagePublished(message=message, origin=origin):
            return _wire(
                "message",
                origin,
                message=message,
                store=change.store,
                held_id=change.held_id,
                person=change.person or None,
            )
        case MessageHeld(message=message, origin=origin):
            return _wire(
                "held",
                origin,
                message=message,
                reasons=change.reasons,
                person=change.person or None,
            )
        case HeldResolved(origin=origin):
            return _wire("resolved", origin, id=change.id, action=change.action, mod=change.mod)
        case MessageErased(origin=origin):
            return _wire(
                "erase", origin, id=change.id, store=change.store, lang=change.lang, mod=change.mod
            )
        case UserRestricted(origin=origin):
            return _wire(
                change.action.value,
                origin,
                user=change.user,
                until=change.until,
                seconds=change.seconds,
                mod=change.mod,
                address=change.address or None,
            )
        case SlowModeSet(origin=origin):
            return _wire("slow", origin, lang=change.lang, seconds=change.seconds, mod=change.mod)
        case ProductPinned(origin=origin):
            return _wire(
                "pin",
                origin,
                sku=change.sku,
                action=change.action,
                lang=change.lang,
                until=change.ts.timestamp(),
            )
        case MessageMoved(origin=origin):
            return _wire(
                "move",
                origin,
                id=change.id,
                lang=change.lang,
                previous=change.previous,
                person=change.person or None,
                store=change.store,
                mod=change.mod,
            )
        case PresenceChanged(origin=origin):
            return _wire("presence", origin)
        case _:
            assert_never(change)


def _optional_int(data: dict[str, Any], key: str) -> int | None:
    return None if data.get(key) is None else int(data[key])


def _optional_str(data: dict[str, Any], key: str) -> str | None:
    return None if data.get(key) is None else str(data[key])


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
        mod = data.get("mod")
        if mod is not None and not isinstance(mod, dict):
            raise ChangeError("a change's mod frame is not an object")
        if kind == "message":
            return MessagePublished(
                message=_message_from_json(data["message"]),
                origin=origin,
                store=_optional_str(data, "store"),
                held_id=int(data.get("held_id", 0)),
                person=str(data.get("person") or ""),
            )
        if kind == "held":
            return MessageHeld(
                message=_message_from_json(data["message"]),
                reasons=tuple(str(r) for r in data.get("reasons", ())),
                origin=origin,
                person=str(data.get("person") or ""),
            )
        if kind == "move":
            return MessageMoved(
                id=int(data["id"]),
                lang=str(data["lang"]),
                previous=str(data["previous"]),
                person=str(data.get("person") or ""),
                origin=origin,
                store=_optional_str(data, "store"),
                mod=mod,
            )
        if kind == "resolved":
            return HeldResolved(
                id=int(data.get("id", 0)), action=str(data["action"]), origin=origin, mod=mod
            )
        if kind == "erase":
            return MessageErased(
                id=int(data.get("id", 0)),
                lang=_optional_str(data, "lang"),
                origin=origin,
                store=_optional_str(data, "store"),
                mod=mod,
            )
        if kind == "slow":
            return SlowModeSet(
                lang=str(data["lang"]), seconds=int(data["seconds"]), origin=origin, mod=mod
            )
        if kind == "pin":
            return ProductPinned(
                sku=str(data["sku"]),
                action=str(data["action"]),
                ts=datetime.fromtimestamp(float(data["until"]), UTC),
                lang=_optional_str(data, "lang"),
                origin=origin,
            )
        if kind == "presence":
            return PresenceChanged(origin=origin)
        return UserRestricted(
            action=Restriction(kind),
            user=str(data["user"]),
            seconds=_optional_int(data, "seconds"),
            until=None if data.get("until") is None else float(data["until"]),
            origin=origin,
            mod=mod,
            address=str(data.get("address") or ""),
        )
    except ChangeError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, OverflowError) as error:
        raise ChangeError(f"not a room change: {error}") from None
