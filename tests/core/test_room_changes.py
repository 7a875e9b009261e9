"""Two copies of one room, as two processes hold them, kept in step by their changes.

The test plays the bus: it numbers each change and applies it to both copies in order."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from livecommerce.core.changes import Change, numbered
from livecommerce.core.moderation import HoldPolicy
from livecommerce.core.protocol import Chat, Moderate, Restrict, Slow
from livecommerce.core.room import Close, Deliver, Effect, Replicate, Room, RoomRules, Store
from tests.core.test_room import KK_MOD, KK_VIEWER, LANGS, NOW, RU_VIEWER, at, member


class Bus:
    def __init__(self, *rooms: Room) -> None:
        self.rooms = rooms
        self.seq = 0
        self.log: list[Change] = []

    def run(self, effects: list[Effect]) -> dict[str, list[Effect]]:
        """Carry out `effects` of one copy: every change to every copy, numbered; what
        each copy then does, by process."""
        done: dict[str, list[Effect]] = {r.process: [] for r in self.rooms}
        for effect in effects:
            if not isinstance(effect, Replicate):
                continue
            self.seq += 1
            change = numbered(effect.change, self.seq)
            self.log.append(change)
            for room in self.rooms:
                done[room.process] += room.apply(change)
        return done


def copies(**rules: Any) -> tuple[Room, Room, Bus]:
    made = []
    for process in ("a", "b"):
        room = Room("show-1", LANGS, ("ru",), rules=RoomRules(**rules))
        room.process, room.replicated = process, True
        made.append(room)
    return made[0], made[1], Bus(*made)


def frames_to(effects: list[Effect], conn: int) -> list[dict[str, Any]]:
    found = [e.ack if isinstance(e, Store) else e for e in effects]
    return [e.frame for e in found if isinstance(e, Deliver) and conn in e.to]


def test_a_message_decided_on_one_copy_is_delivered_by_both_and_stored_once() -> None:
    a, b, bus = copies()
    a.join(KK_VIEWER, NOW)
    b.join(replace(KK_MOD, conn=50), NOW)
    b.join(replace(RU_VIEWER, conn=51), NOW)
    decided = a.handle(KK_VIEWER.conn, Chat("Сәлем", ref="r"), NOW)
    # Nothing is delivered before the bus numbers it.
    assert [type(e) for e in decided] == [Replicate]
    done = bus.run(decided)
    chat_a = [f for f in frames_to(done["a"], KK_VIEWER.conn) if f["type"] == "chat"]
    chat_b = [f for f in frames_to(done["b"], 50) if f["type"] == "chat"]
    assert chat_a[0]["id"] == chat_b[0]["id"] == 1
    assert frames_to(done["b"], 51) == []
    ack = [f for f in frames_to(done["a"], KK_VIEWER.conn) if f["type"] == "ack"]
    assert ack == [{"type": "ack", "id": 1, "status": "sent", "ref": "r"}]
    # Both keep it (the store keeps one), so it survives the death of either process;
    # only the deciding one counts it as its own.
    assert [(e.message.id, e.here) for e in done["a"] if isinstance(e, Store)] == [(1, True)]
    assert [(e.message.id, e.here) for e in done["b"] if isinstance(e, Store)] == [(1, False)]
    # Both copies now hold the same history, so either can replay it.
    assert [m.id for m in a.replay(0, ["kk"])[0]] == [m.id for m in b.replay(0, ["kk"])[0]] == [1]


def test_held_on_one_copy_approved_on_the_other() -> None:
    a, b, bus = copies(hold=HoldPolicy(links=True))
    a.join(KK_VIEWER, NOW)
    b.join(replace(KK_MOD, conn=50), NOW)
    done = bus.run(a.handle(KK_VIEWER.conn, Chat("https://shop.kz", ref="h"), NOW))
    held = [f for f in frames_to(done["b"], 50) if f["type"] == "held"]
    assert held[0]["id"] == 1
    assert b.held.items.keys() == a.held.items.keys() == {1}
    done = bus.run(b.handle(50, Moderate("approve", 1, "ok"), at(5)))
    assert a.held.items == b.held.items == {}
    ack = [f for f in frames_to(done["a"], KK_VIEWER.conn) if f["type"] == "ack"]
    assert ack == [{"type": "ack", "id": 3, "held_id": 1, "status": "sent"}]
    # Decided by the approving copy.
    assert [(e.message.id, e.here) for e in done["b"] if isinstance(e, Store)] == [(3, True)]
    assert [(e.message.id, e.here) for e in done["a"] if isinstance(e, Store)] == [(3, False)]


def test_restrictions_and_slow_mode_hold_in_every_copy() -> None:
    a, b, bus = copies()
    writer = member(60, user="spammer")
    a.join(writer, NOW)
    b.join(replace(KK_MOD, conn=50), NOW)
    bus.run(b.handle(50, Slow("kk", 30, "s"), NOW))
    assert a.restrictions.slow["kk"] == 30
    bus.run(b.handle(50, Restrict("timeout", "spammer", 60, "t"), NOW))
    refused = a.handle(writer.conn, Chat("тағы", ref="x"), at(1))
    assert [f["code"] for f in frames_to(refused, writer.conn)] == ["timed_out"]
    done = bus.run(b.handle(50, Restrict("ban", "spammer", 0, "b"), at(2)))
    assert [e.conn for e in done["a"] if isinstance(e, Close)] == [writer.conn]
    assert "spammer" in a.restrictions.bans


def test_a_change_heard_twice_is_applied_once() -> None:
    a, b, bus = copies()
    a.join(KK_VIEWER, NOW)
    bus.run(a.handle(KK_VIEWER.conn, Chat("бір", ref="1"), NOW))
    again = b.apply(bus.log[0])
    assert again == []
    assert len(b.history.channels["kk"]) == 1


def test_peers_add_to_presence_and_cover_their_languages() -> None:
    room = Room("show-1", LANGS, ("ru",))
    ru_mod = member(70, KK_MOD.role, "ru", "ru", user="mod-ru")
    room.join(ru_mod, NOW)
    room.join(KK_VIEWER, NOW)
    assert "kk" in room.roster.gaps
    peer = {"viewers": {"kk": 4, "ru": 1, "xx": 9}, "moderators": {"kk": 1}}
    effects = room.set_peers([peer, {"viewers": {"kk": 1}, "moderators": {}}])
    covered = [f for f in frames_to(effects, 70) if f.get("code") == "covered"]
    assert [f["language"] for f in covered] == ["kk"]
    assert "kk" not in room.roster.gaps
    _, frame = room.presence()
    assert frame["viewers"]["kk"] == 6  # one here, five elsewhere
    assert frame["moderators"]["kk"] == 1
    assert "xx" not in frame["viewers"]
    # A kk message is no longer handed to the fallback moderator here.
    said = room.handle(KK_VIEWER.conn, Chat("Сәлем", ref="r"), NOW)
    assert [f for f in frames_to(said, 70) if f["type"] == "chat"] == []
    # The peer's moderator leaves: kk falls back again.
    effects = room.set_peers([])
    assert [f["language"] for f in frames_to(effects, 70) if f.get("code") == "uncovered"] == ["kk"]
