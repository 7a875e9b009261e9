"""Who is in a room: members, grants, counts, coverage and the fallback moderators."""

from __future__ import annotations

from livecommerce.core.effects import Deliver, Effect
from livecommerce.core.models import Role
from livecommerce.core.presence import Roster
from livecommerce.core.routing import Member

LANGS = ("kk", "ru", "zh")


def member(conn: int, role: Role, langs: str, moderates: str = "") -> Member:
    return Member(
        conn, f"u{conn}", f"N{conn}", role, frozenset(langs.split()), frozenset(moderates.split())
    )


VIEWER = member(1, Role.VIEWER, "kk ru")
KK_MOD = member(10, Role.MODERATOR, "kk", "kk")
RU_MOD = member(11, Role.MODERATOR, "ru", "ru")  # ru is the fallback language
STREAMER = member(20, Role.STREAMER, "zh")


def codes(effects: list[Effect]) -> list[tuple[str, str]]:
    return [(e.frame["code"], e.frame["language"]) for e in effects if isinstance(e, Deliver)]


def roster(*members: Member) -> Roster:
    made = Roster(LANGS, ("ru",))
    for m in members:
        made.add(m)
    made.coverage_changes()
    return made


def test_coverage_changes_are_told_to_the_staff_once() -> None:
    room = roster(VIEWER, RU_MOD, STREAMER)
    assert room.gaps == {"kk", "zh"}
    room.add(KK_MOD)
    effects = room.coverage_changes()
    assert [e.to for e in effects if isinstance(e, Deliver)] == [frozenset({10, 11, 20})]
    assert codes(effects) == [("covered", "kk")]
    assert room.coverage_changes() == []
    room.remove(10)
    assert codes(room.coverage_changes()) == [("uncovered", "kk")]


def test_the_fallback_moderator_covers_only_uncovered_languages() -> None:
    room = roster(VIEWER, KK_MOD, RU_MOD)
    assert room.fallback() == {11}
    assert room.covers_for(RU_MOD, "zh")
    assert not room.covers_for(RU_MOD, "kk")  # kk has its own moderator
    assert not room.covers_for(KK_MOD, "zh")  # not a fallback moderator
    assert room.may_moderate(RU_MOD, "zh")
    assert room.may_moderate(KK_MOD, "kk")
    assert not room.may_moderate(KK_MOD, "ru")
    recipients = room.route("zh")
    assert recipients.fallback == {11}
    assert room.route("kk").fallback == frozenset()


def test_a_moderator_subscribes_within_the_grant() -> None:
    room = Roster(LANGS, ("ru",))
    room.grant(12, frozenset({"kk", "ru"}))
    wide = member(12, Role.MODERATOR, "kk ru", "kk ru")
    room.add(wide)
    narrow = room.subscribe(wide, frozenset({"kk"}))
    assert narrow.moderates == {"kk"}
    again = room.subscribe(narrow, frozenset({"kk", "ru", "zh"}))
    assert (again.langs, again.moderates) == ({"kk", "ru", "zh"}, {"kk", "ru"})
    assert room.members[12] == again
    room.remove(12)
    assert 12 not in room.granted


def test_a_moderator_without_a_grant_keeps_what_they_joined_with() -> None:
    room = roster(KK_MOD)
    assert room.granted[10] == {"kk"}
    narrow = room.subscribe(KK_MOD, frozenset())
    assert room.subscribe(narrow, frozenset({"kk", "ru"})).moderates == {"kk"}


def test_peers_add_to_the_counts_and_cover_languages() -> None:
    room = roster(VIEWER, RU_MOD, STREAMER)
    assert room.counts() == {
        "viewers": {"kk": 1, "ru": 1, "zh": 0},
        "moderators": {"kk": 0, "ru": 1, "zh": 0},
    }
    effects = room.set_peers([{"viewers": {"kk": 2, "de": 5}, "moderators": {"zh": 1, "kk": 0}}])
    assert codes(effects) == [("covered", "zh")]
    assert room.covered_here() == {"ru"}  # what this process's connections moderate
    staff, frame = room.presence()
    assert staff == {11, 20}
    assert frame == {
        "type": "presence",
        "viewers": {"kk": 3, "ru": 1, "zh": 0},
        "moderators": {"kk": 0, "ru": 1, "zh": 1},
        "uncovered": ["kk"],
    }
