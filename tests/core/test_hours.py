"""A show's opening hours: when its chat takes messages, and what the report counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from livecommerce.core.hours import ALWAYS, Opening, OpeningHours, Phase, during
from livecommerce.core.models import ChatMessage, Role, Show, ShowStatus
from livecommerce.core.protocol import Chat, Moderate, Restrict
from livecommerce.core.room import Deliver, Effect, Room, RoomRules, Store
from livecommerce.core.routing import Member

STARTS = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)
ENDS = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
SHOW = Show("show-1", "KHG", "seller", STARTS, ENDS, ("kz",), ("kk", "ru"), ShowStatus.SCHEDULED)
OPENING = Opening(before=timedelta(minutes=15), grace=timedelta(minutes=30))
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)

VIEWER = Member(1, "u-1", "Aigerim", Role.VIEWER, frozenset({"kk"}))
MODERATOR = Member(10, "m-1", "Mod", Role.MODERATOR, frozenset({"kk"}), frozenset({"kk"}))
STREAMER = Member(20, "seller", "Seller", Role.STREAMER, frozenset({"kk"}))

# (moment, phase): before opening, at opening, during, just before the close, at the
# close, after it.
PHASES = [
    (STARTS - 15 * MINUTE - SECOND, Phase.NOT_OPEN),
    (STARTS - 15 * MINUTE, Phase.OPEN),
    (STARTS, Phase.OPEN),
    (ENDS, Phase.OPEN),
    (ENDS + 30 * MINUTE - SECOND, Phase.OPEN),
    (ENDS + 30 * MINUTE, Phase.CLOSED),
    (ENDS + timedelta(days=8), Phase.CLOSED),
    (STARTS - timedelta(days=20), Phase.NOT_OPEN),
]


@pytest.mark.parametrize(("now", "phase"), PHASES)
def test_the_phase_of_a_show(now: datetime, phase: Phase) -> None:
    hours = OPENING.hours(SHOW)
    assert hours == OpeningHours(STARTS - 15 * MINUTE, ENDS + 30 * MINUTE)
    assert hours.phase(now) is phase
    assert hours.open(now) is (phase is Phase.OPEN)
    assert ALWAYS.phase(now) is Phase.OPEN


def room() -> Room:
    made = Room("show-1", ("kk", "ru"), rules=RoomRules(opening=OPENING))
    made.hours = RoomRules(opening=OPENING).hours(SHOW)
    for member in (VIEWER, MODERATOR, STREAMER):
        made.join(member, STARTS)
    return made


def delivered(effects: list[Effect], conn: int, kind: str) -> list[dict[str, object]]:
    """The frames of `kind` to `conn`, the ack the adapter releases after the store's
    commit included."""
    deliveries = [
        e.ack if isinstance(e, Store) else e
        for e in effects
        if isinstance(e, Deliver) or (isinstance(e, Store) and e.ack is not None)
    ]
    return [
        d.frame for d in deliveries if d is not None and conn in d.to and d.frame["type"] == kind
    ]


CODES = {Phase.NOT_OPEN: "show_not_open", Phase.OPEN: None, Phase.CLOSED: "show_closed"}


@pytest.mark.parametrize(("now", "phase"), PHASES)
@pytest.mark.parametrize("sender", [VIEWER, MODERATOR, STREAMER])
def test_chat_is_taken_only_while_the_show_is_open(
    now: datetime, phase: Phase, sender: Member
) -> None:
    chat = room()
    effects = chat.handle(sender.conn, Chat("сәлем", ref="r1"), now)
    errors = delivered(effects, sender.conn, "error")
    code = CODES[phase]
    if code is None:
        assert errors == []
        assert delivered(effects, sender.conn, "ack")[0]["status"] == "sent"
    else:
        assert [(e["code"], e["ref"]) for e in errors] == [(code, "r1")]
        assert delivered(effects, VIEWER.conn, "chat") == []
        assert chat.history.last_id == 0  # nothing kept


def test_refusals_outside_the_hours_are_not_abuse() -> None:
    chat = room()
    late = ENDS + timedelta(hours=2)
    for _ in range(100):
        effects = chat.handle(VIEWER.conn, Chat("hello?"), late)
        assert [e["code"] for e in delivered(effects, VIEWER.conn, "error")] == ["show_closed"]
    assert chat.members[VIEWER.conn] == VIEWER  # never closed for abuse


def test_staff_still_moderate_after_the_close() -> None:
    chat = room()
    message = chat.handle(VIEWER.conn, Chat("hi"), STARTS)
    sent = delivered(message, VIEWER.conn, "ack")[0]["id"]
    late = ENDS + timedelta(hours=2)
    deleted = chat.handle(MODERATOR.conn, Moderate("delete", int(str(sent))), late)
    assert delivered(deleted, VIEWER.conn, "deleted") == [{"type": "deleted", "id": sent}]
    banned = chat.handle(MODERATOR.conn, Restrict("ban", VIEWER.user), late)
    assert delivered(banned, VIEWER.conn, "error")[0]["code"] == "banned"


def test_reading_history_works_outside_the_hours() -> None:
    chat = room()
    chat.handle(VIEWER.conn, Chat("hi"), STARTS)
    late = Member(2, "u-2", "Late", Role.VIEWER, frozenset({"kk"}))
    effects = chat.join(late, ENDS + timedelta(days=3), since=0)
    assert [f["text"] for f in delivered(effects, 2, "chat")] == ["hi"]


def message(ts: datetime) -> ChatMessage:
    return ChatMessage("show-1", 1, ts, "kk", "u-1", "A", Role.VIEWER, "hi")


def test_during_keeps_what_was_written_while_open() -> None:
    hours = OPENING.hours(SHOW)
    written = [message(now) for now, _ in PHASES]
    kept = during(hours, written)
    assert [m.ts for m in kept] == [now for now, phase in PHASES if phase is Phase.OPEN]
