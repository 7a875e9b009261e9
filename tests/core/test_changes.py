"""Changes on the wire: every kind round-trips, and reads the JSON the bus has always kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from livecommerce.core.changes import (
    KINDS,
    Change,
    ChangeError,
    HeldResolved,
    MessageErased,
    MessageHeld,
    MessageMoved,
    MessagePublished,
    Origin,
    PresenceChanged,
    ProductPinned,
    Restriction,
    SlowModeSet,
    UserRestricted,
    from_json,
    numbered,
    to_json,
)
from livecommerce.core.models import ChatMessage, Role

TS = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
MESSAGE = ChatMessage(
    show_id="show-1",
    id=0,
    ts=TS,
    lang="kk",
    user_id="u-1",
    user_name="Айгерім",
    role=Role.VIEWER,
    text="Сәлем",
    reply_to=4,
    mentions=("SINK-60",),
)
MESSAGE_JSON = {
    "show_id": "show-1",
    "id": 0,
    "ts": "2026-11-28T12:00:00+00:00",
    "lang": "kk",
    "user_id": "u-1",
    "user_name": "Айгерім",
    "role": "viewer",
    "text": "Сәлем",
    "reply_to": 4,
    "declared_lang": None,
    "broadcast": False,
    "mentions": ["SINK-60"],
}
MOD = {"type": "mod", "action": "ban", "by": {"id": "m-1", "name": "Модератор"}}
ORIGIN = Origin("p-1", 7, "r1")

# Each kind, and the JSON the bus has always carried for it (key for key).
WIRE: list[tuple[Change, dict[str, Any]]] = [
    (
        MessagePublished(message=MESSAGE, origin=ORIGIN, store="p-1", held_id=3),
        {
            "kind": "message",
            "origin": ["p-1", 7, "r1"],
            "message": MESSAGE_JSON,
            "store": "p-1",
            "held_id": 3,
        },
    ),
    (
        MessageHeld(message=MESSAGE, reasons=("link", "blocked"), origin=ORIGIN),
        {
            "kind": "held",
            "origin": ["p-1", 7, "r1"],
            "message": MESSAGE_JSON,
            "reasons": ["link", "blocked"],
        },
    ),
    (
        MessagePublished(message=replace(MESSAGE, lang_unsure=True, script="Arab"), person="u-1"),
        {
            "kind": "message",
            "message": {**MESSAGE_JSON, "lang_unsure": True, "script": "Arab"},
            "person": "u-1",
        },
    ),
    (
        HeldResolved(id=5, action="reject", origin=Origin("p-1", 8), mod=MOD),
        {"kind": "resolved", "origin": ["p-1", 8, None], "action": "reject", "mod": MOD, "id": 5},
    ),
    (
        MessageErased(id=9, lang="ru", origin=ORIGIN, store="p-1", mod=MOD),
        {
            "kind": "erase",
            "origin": ["p-1", 7, "r1"],
            "store": "p-1",
            "lang": "ru",
            "mod": MOD,
            "id": 9,
        },
    ),
    (MessageErased(id=9), {"kind": "erase", "id": 9}),
    (
        UserRestricted(
            action=Restriction.TIMEOUT, user="u-9", seconds=60, until=1764331260.5, mod=MOD
        ),
        {"kind": "timeout", "user": "u-9", "until": 1764331260.5, "seconds": 60, "mod": MOD},
    ),
    (
        UserRestricted(action=Restriction.BAN, user="u-9", seconds=0, origin=ORIGIN),
        {"kind": "ban", "origin": ["p-1", 7, "r1"], "user": "u-9", "seconds": 0},
    ),
    (
        UserRestricted(action=Restriction.UNBAN, user="u-9", seconds=0),
        {"kind": "unban", "user": "u-9", "seconds": 0},
    ),
    (
        SlowModeSet(lang="ky", seconds=30, origin=ORIGIN, mod=MOD),
        {"kind": "slow", "origin": ["p-1", 7, "r1"], "lang": "ky", "seconds": 30, "mod": MOD},
    ),
    (
        ProductPinned(sku="SINK-60", action="unpin", ts=TS, lang="zh"),
        {
            "kind": "pin",
            "until": TS.timestamp(),
            "lang": "zh",
            "action": "unpin",
            "sku": "SINK-60",
        },
    ),
    (
        MessageMoved(id=9, lang="uz", previous="kk", person="a-1f", origin=ORIGIN, mod=MOD),
        {
            "kind": "move",
            "origin": ["p-1", 7, "r1"],
            "lang": "uz",
            "mod": MOD,
            "previous": "kk",
            "person": "a-1f",
            "id": 9,
        },
    ),
    (PresenceChanged(origin=Origin("p-2", 0)), {"kind": "presence", "origin": ["p-2", 0, None]}),
]


@pytest.mark.parametrize(("change", "wire"), WIRE)
def test_every_kind_round_trips_in_the_wire_format(change: Change, wire: dict[str, Any]) -> None:
    assert to_json(change) == wire
    assert list(to_json(change)) == list(wire)  # the order the format has always had
    assert from_json(wire) == change


def test_every_kind_on_the_wire_has_a_class() -> None:
    assert {to_json(change)["kind"] for change, _ in WIRE} == set(KINDS)


def test_a_sequenced_message_takes_its_place_as_its_id() -> None:
    published = numbered(MessagePublished(message=MESSAGE), 42)
    assert isinstance(published, MessagePublished)
    assert (published.seq, published.message.id) == (42, 42)
    held = numbered(MessageHeld(message=MESSAGE), 43)
    assert isinstance(held, MessageHeld)
    assert (held.seq, held.message.id) == (43, 43)
    assert numbered(SlowModeSet(lang="kk", seconds=0), 44) == SlowModeSet(
        lang="kk", seconds=0, seq=44
    )


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {},
        {"kind": "launch"},
        {"kind": "message"},
        {"kind": "message", "message": {}},
        {"kind": "held", "message": {**MESSAGE_JSON, "role": "king"}},
        {"kind": "resolved", "id": 1},
        {"kind": "slow", "lang": "kk"},
        {"kind": "slow", "lang": "kk", "seconds": "soon"},
        {"kind": "pin", "sku": "A", "action": "pin"},
        {"kind": "ban"},
        {"kind": "erase", "id": 1, "origin": ["p"]},
        {"kind": "erase", "id": 1, "mod": "deleted"},
    ],
)
def test_what_is_not_a_change_is_refused(data: Any) -> None:
    with pytest.raises(ChangeError):
        from_json(data)
