"""The room's held queue under a flood: bounded, evictions logged once, and a joining
moderator sent one page and the total (issue 11, item 3)."""

from __future__ import annotations

from typing import Any

import pytest

from livecommerce.core.changes import MessageHeld, Origin
from livecommerce.core.moderation import HoldPolicy
from livecommerce.core.protocol import Chat, FrameError, HeldPage, parse
from livecommerce.core.room import Audit, Deliver, Effect, Room, RoomRules
from tests.core.test_room import KK_MOD, KK_VIEWER, NOW, RU_MOD, RU_VIEWER, at, member

RULES = RoomRules(held_max=10, held_per_sender=4, held_page=3, hold=HoldPolicy(links=True))


def frames_to(effects: list[Effect], conn: int, kind: str) -> list[dict[str, Any]]:
    return [
        e.frame
        for e in effects
        if isinstance(e, Deliver) and conn in e.to and e.frame["type"] == kind
    ]


def flood(room: Room, senders: int, each: int) -> list[Effect]:
    """`each` held messages (a link) from each of `senders` guests, in turns."""
    effects: list[Effect] = []
    for round_ in range(each):
        for n in range(senders):
            conn = 100 + n
            # a round every 10 s: within the rate limit, a flood of many writers
            effects += room.handle(conn, Chat(f"see shop.kz/{round_}"), at(10 * round_))
    return effects


def flooded_room(senders: int = 5, each: int = 6) -> tuple[Room, list[Effect]]:
    room = Room("show-1", ("kk", "ru"), ("ru",), rules=RULES)
    room.join(KK_MOD, NOW)
    for n in range(senders):
        room.join(member(100 + n, langs="kk", user=f"guest-{n}"), NOW)
    return room, flood(room, senders, each)


def test_a_flood_of_held_messages_stays_bounded_and_is_logged() -> None:
    room, effects = flooded_room(senders=5, each=6)  # 30 held
    assert len(room.held) == 10
    audits = [e for e in effects if isinstance(e, Audit)]
    assert len(audits) == 20
    assert {a.action for a in audits} == {"evict"}
    assert all((a.actor, a.role, a.lang) == ("server", "system", "kk") for a in audits)
    # the moderator is told each eviction, so their list stays the queue
    evicted = frames_to(effects, KK_MOD.conn, "resolved")
    assert [f["id"] for f in evicted] == [a.message_id for a in audits]
    assert {f["action"] for f in evicted} == {"evicted"}
    kept = {h.hold_id for h in room.held}
    assert not kept & {a.message_id for a in audits}
    # the newest are kept, oldest first
    assert sorted(kept) == [h.hold_id for h in room.held][-10:]


def test_one_writer_keeps_at_most_its_share() -> None:
    room, _ = flooded_room(senders=1, each=9)
    assert [h.message.text for h in room.held] == [f"see shop.kz/{i}" for i in (5, 6, 7, 8)]


def test_a_joining_moderator_gets_one_page_and_the_total() -> None:
    room, _ = flooded_room(senders=5, each=6)
    late = member(50, KK_MOD.role, "kk", "kk", user="mod-late")
    joined = room.join(late, NOW)
    newest = [h.hold_id for h in room.held][-3:]
    assert [f["id"] for f in frames_to(joined, 50, "held")] == newest
    (page,) = frames_to(joined, 50, "held_page")
    assert page == {"type": "held_page", "total": 10, "more": True, "oldest": newest[0]}
    # paging back, to the start
    seen = list(newest)
    before = newest[0]
    while True:
        answer = room.handle(50, HeldPage(before=before, ref="p"), NOW)
        (older,) = frames_to(answer, 50, "held_page")
        assert (older["ref"], older["total"], older["before"]) == ("p", 10, before)
        ids = [item["id"] for item in older["items"]]
        assert all(i < before for i in ids)
        seen = ids + seen
        if not older["more"]:
            break
        before = older["oldest"]
    assert seen == [h.hold_id for h in room.held]


def test_a_page_shows_only_what_the_moderator_may_act_on() -> None:
    room = Room("show-1", ("kk", "ru"), ("ru",), rules=RULES)
    for m in (KK_MOD, RU_MOD, KK_VIEWER, RU_VIEWER):
        room.join(m, NOW)
    room.handle(KK_VIEWER.conn, Chat("see shop.kz"), NOW)
    room.handle(RU_VIEWER.conn, Chat("see shop.ru", lang="ru"), NOW)
    (page,) = frames_to(room.handle(KK_MOD.conn, HeldPage(), NOW), KK_MOD.conn, "held_page")
    assert ([i["lang"] for i in page["items"]], page["total"]) == (["kk"], 1)


def test_viewers_may_not_page_the_held_queue() -> None:
    room, _ = flooded_room(senders=1, each=2)
    refused = room.handle(100, HeldPage(), NOW)
    assert [f["code"] for f in frames_to(refused, 100, "error")] == ["forbidden"]
    assert frames_to(refused, 100, "held_page") == []


def test_an_eviction_is_logged_by_the_copy_that_decided_the_hold_only() -> None:
    room, _ = flooded_room(senders=1, each=4)  # the writer's share is full
    message = next(iter(room.held)).message
    elsewhere = MessageHeld(message=message, reasons=("link",), origin=Origin("other", 1, None))
    effects = room.apply(elsewhere)
    assert [e for e in effects if isinstance(e, Audit)] == []
    assert len(frames_to(effects, KK_MOD.conn, "resolved")) == 1
    assert len(room.held) == 4


def test_the_held_page_frame() -> None:
    assert parse('{"type": "held_page"}') == HeldPage()
    assert parse('{"type": "held_page", "before": 12, "ref": "a"}') == HeldPage(12, "a")
    for bad in ('{"type": "held_page", "before": 0}', '{"type": "held_page", "before": "x"}'):
        with pytest.raises(FrameError) as caught:
            parse(bad)
        assert caught.value.code == "bad_field"


def test_nothing_held_sends_no_page_on_join() -> None:
    room = Room("show-1", ("kk", "ru"), ("ru",), rules=RULES)
    joined = room.join(KK_MOD, NOW)
    assert frames_to(joined, KK_MOD.conn, "held_page") == []
    (page,) = frames_to(room.handle(KK_MOD.conn, HeldPage(), NOW), KK_MOD.conn, "held_page")
    assert page == {"type": "held_page", "items": [], "total": 0, "more": False, "oldest": None}
