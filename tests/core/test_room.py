"""The chat room state machine: routing, moderation, held queue, limits, history, resume.

Plain data in, effects out; the clock is `now`, passed in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from livecommerce.core.langid import DECLARED, MODEL, Detection, Prior
from livecommerce.core.messages import Text
from livecommerce.core.models import ChatMessage, Role
from livecommerce.core.moderation import HoldPolicy
from livecommerce.core.protocol import (
    Chat,
    Command,
    FrameError,
    Moderate,
    Pin,
    Restrict,
    Slow,
    Subscribe,
)
from livecommerce.core.room import (
    CLOSE_POLICY,
    Audit,
    Close,
    Deliver,
    Effect,
    Erase,
    Pinned,
    Room,
    RoomRules,
    Store,
    chat_frames,
)
from livecommerce.core.routing import Member

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
LANGS = ("kk", "ru", "zh", "ug", "ky", "uz", "en")
V, M, S, A = Role.VIEWER, Role.MODERATOR, Role.STREAMER, Role.ADMIN


def at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def member(
    conn: int,
    role: Role = V,
    langs: str = "kk",
    moderates: str = "",
    user: str | None = None,
    guest: bool = False,
) -> Member:
    return Member(
        conn=conn,
        user=user or f"u{conn}",
        name=f"Name {conn}",
        role=role,
        langs=frozenset(langs.split()),
        moderates=frozenset(moderates.split()),
        guest=guest,
    )


# The cast: ru is the fallback language, so the ru moderator covers for languages with
# nobody online (zh, ug, ky, uz, en here).
KK_VIEWER = member(1, V, "kk", user="aigerim")
RU_VIEWER = member(2, V, "ru", user="ivan")
KK_RU_VIEWER = member(3, V, "kk ru", user="dana")
ZH_VIEWER = member(4, V, "zh", user="li")
KK_MOD = member(10, M, "kk", "kk", user="mod-kk")
RU_MOD = member(11, M, "ru", "ru", user="mod-ru")
STREAMER = member(20, S, "zh", user="seller")
CAST = (KK_VIEWER, RU_VIEWER, KK_RU_VIEWER, ZH_VIEWER, KK_MOD, RU_MOD, STREAMER)
EVERYONE = frozenset(m.conn for m in CAST)
STAFF = frozenset({10, 11, 20})


def make_room(*members: Member, rules: RoomRules | None = None, **options: Any) -> Room:
    room = Room("show-1", LANGS, ("ru",), rules=rules or RoomRules(), **options)
    for m in members:
        room.join(m, NOW)
    return room


def cast_room(**options: Any) -> Room:
    return make_room(*CAST, **options)


def say(
    room: Room, conn: int, text: str = "hi", now: datetime = NOW, **fields: Any
) -> list[Effect]:
    return room.handle(conn, Chat(text, **fields), now)


def delivered(effects: Iterable[Effect]) -> list[Deliver]:
    """Every delivery, the acks the adapter releases after the store's commit included."""
    found: list[Deliver] = []
    for effect in effects:
        if isinstance(effect, Deliver):
            found.append(effect)
        elif isinstance(effect, Store) and effect.ack is not None:
            found.append(effect.ack)
    return found


def inbox(effects: Iterable[Effect]) -> dict[int, list[dict[str, Any]]]:
    """Frames per connection, in order."""
    box: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for effect in delivered(effects):
        if isinstance(effect, Deliver):
            for conn in sorted(effect.to):
                box[conn].append(effect.frame)
    return box


def frames(effects: Iterable[Effect], kind: str) -> list[tuple[frozenset[int], dict[str, Any]]]:
    return [(e.to, e.frame) for e in delivered(effects) if e.frame["type"] == kind]


def receivers(effects: Iterable[Effect], kind: str, **match: Any) -> frozenset[int]:
    """Who got a frame of `kind` whose fields include `match`."""
    found: set[int] = set()
    for to, frame in frames(effects, kind):
        if all(frame.get(k) == v for k, v in match.items()):
            found |= to
    return frozenset(found)


def only(effects: Iterable[Effect], kind: str) -> dict[str, Any]:
    found = [frame for _, frame in frames(effects, kind)]
    assert len(found) == 1, found
    return found[0]


def error(effects: Iterable[Effect], conn: int) -> dict[str, Any] | None:
    errors = [f for f in inbox(effects).get(conn, []) if f["type"] == "error"]
    assert len(errors) <= 1
    return errors[0] if errors else None


def error_code(effects: Iterable[Effect], conn: int) -> str | None:
    found = error(effects, conn)
    return None if found is None else str(found["code"])


def ack(effects: Iterable[Effect], conn: int) -> dict[str, Any]:
    acks = [f for f in inbox(effects).get(conn, []) if f["type"] == "ack"]
    assert len(acks) == 1, inbox(effects)
    return acks[0]


def sent(room: Room, conn: int, text: str = "hi", now: datetime = NOW, **fields: Any) -> int:
    """Send a message that must go out; its id."""
    effects = say(room, conn, text, now, **fields)
    reply = ack(effects, conn)
    assert reply["status"] == "sent", effects
    return int(reply["id"])


def closes(effects: Iterable[Effect]) -> list[Close]:
    return [e for e in effects if isinstance(e, Close)]


def of(effects: Iterable[Effect], kind: type[Any]) -> list[Any]:
    return [e for e in effects if isinstance(e, kind)]


def history_ids(room: Room, langs: Collection[str] = LANGS, since: int = 0) -> list[int]:
    return [m.id for m in room.replay(since, langs)[0]]


# -- routing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sender", "lang", "regular", "fallback"),
    [
        # a kk message: kk viewers (also the one reading two), the kk moderator, streamer
        (1, None, {1, 3, 10, 20}, set()),
        (1, "kk", {1, 3, 10, 20}, set()),
        (3, "kk", {1, 3, 10, 20}, set()),
        (2, "ru", {2, 3, 11, 20}, set()),
        (3, "ru", {2, 3, 11, 20}, set()),
        # zh has no moderator online: the fallback moderator gets a flagged copy
        (4, "zh", {4, 20}, {11}),
        # a channel nobody reads: the streamer, and the fallback for want of a moderator;
        # the sender sees their own message where it went
        (1, "ug", {1, 20}, {11}),
        (10, "ky", {10, 20}, {11}),
    ],
)
def test_a_message_reaches_its_language_channel(
    sender: int, lang: str | None, regular: set[int], fallback: set[int]
) -> None:
    room = cast_room()
    effects = say(room, sender, "Сәлем", lang=lang)
    assert receivers(effects, "chat") == regular | fallback
    assert receivers(effects, "chat", fallback=True) == fallback
    for to, frame in frames(effects, "chat"):
        assert frame["lang"] == (lang or "kk")
        assert ("fallback" in frame) == bool(to & fallback)
    assert ack(effects, sender)["status"] == "sent"


def test_a_viewer_of_several_languages_receives_each() -> None:
    room = cast_room()
    kk, ru = say(room, 1, "Сәлем"), say(room, 2, "Привет", lang="ru")
    assert 3 in receivers(kk, "chat")
    assert 3 in receivers(ru, "chat")
    assert 2 not in receivers(kk, "chat")
    assert 1 not in receivers(ru, "chat")


def test_the_chat_frame() -> None:
    room = cast_room(match=lambda text: ("SINK-01",) if "раковина" in text else ())
    effects = say(room, 2, "раковина", lang="ru", ref="r1")
    frame = only(effects, "chat")
    assert frame == {
        "type": "chat",
        "id": 1,
        "lang": "ru",
        "text": "раковина",
        "user": {"id": "ivan", "name": "Name 2", "role": "viewer"},
        "ts": "2026-11-28T12:00:00Z",
        "mentions": ["SINK-01"],
    }
    assert ack(effects, 2) == {"type": "ack", "id": 1, "status": "sent", "ref": "r1"}
    (store,) = of(effects, Store)
    assert store.message.id == 1
    assert store.message.mentions == ("SINK-01",)
    assert chat_frames([store.message]) == [frame]


def test_a_language_the_stream_lacks_is_refused() -> None:
    room = cast_room()
    effects = say(room, 1, lang="de", ref="r")
    found = error(effects, 1)
    assert found is not None
    assert found["code"] == "bad_language"
    assert found["ref"] == "r"
    assert found["message"] == Text("This stream has no {language} channel.", {"language": "de"})
    assert not frames(effects, "chat")


def test_coverage_notices_when_the_last_moderator_leaves_and_one_returns() -> None:
    second_kk_mod = member(12, M, "kk", "kk", user="mod-kk-2")
    room = make_room(*CAST, second_kk_mod)
    assert room.leave(12) == []  # kk is still covered
    lost = room.leave(10)
    assert only(lost, "notice")["code"] == "uncovered"
    assert only(lost, "notice")["language"] == "kk"
    assert only(lost, "notice")["message"] == Text(
        "Nobody moderates {language} now: fallback moderators see it.", {"language": "kk"}
    )
    assert receivers(lost, "notice") == {11, 20}  # staff only, no viewer
    # while uncovered, kk goes to the fallback moderator too, flagged
    effects = say(room, 1, "Сәлем")
    assert receivers(effects, "chat", fallback=True) == {11}
    regained = room.join(KK_MOD, NOW)
    assert [f["code"] for f in inbox(regained)[20] if f["type"] == "notice"] == ["covered"]
    assert receivers(regained, "notice", code="covered", language="kk") == STAFF
    assert receivers(say(room, 1, "Сәлем"), "chat", fallback=True) == frozenset()


def test_coverage_changes_when_a_moderator_subscribes_away() -> None:
    room = cast_room()
    effects = room.handle(10, Subscribe(("ru",)), NOW)
    assert receivers(effects, "notice", code="uncovered", language="kk") == STAFF
    assert only(effects, "subscribed") == {"type": "subscribed", "langs": ["ru"], "moderates": []}


def test_the_streamers_plain_message_goes_to_every_language_channel() -> None:
    room = cast_room()
    effects = say(room, 20, "Добро пожаловать! 欢迎!")
    assert receivers(effects, "chat") == EVERYONE
    frame = only(effects, "chat")
    assert frame["broadcast"] is True
    assert "fallback" not in frame
    assert room.replay(0, ["kk"])[0][0].broadcast


def test_the_streamers_texts_per_language_go_each_to_its_channel() -> None:
    room = cast_room()
    effects = say(room, 20, "", texts={"kk": "Сәлем", "ru": "Привет", "zh": "你好"}, ref="t")
    by_lang = {
        frame["lang"]: (to, frame)
        for to, frame in frames(effects, "chat")
        if "fallback" not in frame
    }
    assert by_lang["kk"][0] == {1, 3, 10, 20}
    assert by_lang["ru"][0] == {2, 3, 11, 20}
    assert by_lang["zh"][0] == {4, 20}
    assert receivers(effects, "chat", fallback=True, lang="zh") == {11}
    assert {lang: frame["text"] for lang, (_, frame) in by_lang.items()} == {
        "kk": "Сәлем",
        "ru": "Привет",
        "zh": "你好",
    }
    ids = [frame["id"] for _, frame in by_lang.values()]
    assert sorted(ids) == [1, 2, 3]
    assert not any(frame.get("broadcast") for _, frame in by_lang.values())
    assert [f["id"] for f in inbox(effects)[20] if f["type"] == "ack"] == [1, 2, 3]
    assert len(of(effects, Store)) == 3


@pytest.mark.parametrize(
    ("sender", "texts", "code"),
    [
        (1, {"kk": "hi"}, "forbidden"),
        (10, {"kk": "hi"}, "forbidden"),
        (20, {"kk": "hi", "de": "hallo"}, "bad_language"),
    ],
)
def test_texts_per_language_are_the_streamers_only(
    sender: int, texts: dict[str, str], code: str
) -> None:
    room = cast_room()
    effects = say(room, sender, "", texts=texts)
    assert error_code(effects, sender) == code
    assert not frames(effects, "chat")
    assert not of(effects, Store)


def test_a_moderators_reply_goes_into_the_language_it_answers() -> None:
    room = cast_room()
    question = sent(room, 4, "这个水槽多少钱？", lang="zh")
    # the kk moderator interprets: the answer goes to the zh channel, not to kk
    effects = say(room, 10, "三万坚戈", reply_to=question)
    frame = only([e for e in effects if isinstance(e, Deliver) and 4 in e.to], "chat")
    assert frame["lang"] == "zh"
    assert frame["reply_to"] == question
    # the zh channel, and the interpreter sees their own answer where it went
    assert receivers(effects, "chat") == {4, 20, 11, 10}
    assert 1 not in receivers(effects, "chat")
    assert ack(effects, 10)["status"] == "sent"


def test_a_moderators_reply_to_a_message_gone_is_not_found() -> None:
    room = cast_room()
    assert error_code(say(room, 10, "hi", reply_to=999), 10) == "not_found"


def test_a_viewers_reply_stays_in_the_viewers_language() -> None:
    room = cast_room()
    question = sent(room, 4, "你好", lang="zh")
    effects = say(room, 1, "Сәлем", reply_to=question)
    frame = only(effects, "chat")
    assert frame["lang"] == "kk"
    assert frame["reply_to"] == question


def identify_as(
    lang: str, confident: bool, calls: list[tuple[str, str | None]] | None = None
) -> Any:
    """A detector (a fake of the model) that reads every text as `lang`."""

    def identify(
        text: str, declared: str | None, allowed: Collection[str], prior: Prior
    ) -> Detection:
        assert set(allowed) == set(LANGS)
        if calls is not None:
            calls.append((text, declared))
        return Detection(lang, confident, MODEL if confident else DECLARED)

    return identify


@pytest.mark.parametrize(
    ("detected", "confident", "lang", "declared_lang"),
    [
        ("ru", True, "ru", "kk"),  # confident and wrong: overridden, declared kept
        ("ru", False, "kk", None),  # not confident: the declared language stands
        ("kk", True, "kk", None),  # right already
        ("de", True, "kk", None),  # not a language of the stream
    ],
)
def test_language_identification_overrides_only_when_confident(
    detected: str, confident: bool, lang: str, declared_lang: str | None
) -> None:
    room = cast_room(identify=identify_as(detected, confident))
    effects = say(room, 1, "Привет, сколько стоит?", lang="kk")
    (message,) = [e.message for e in of(effects, Store)]
    assert (message.lang, message.declared_lang) == (lang, declared_lang)
    frame = only(effects, "chat")
    assert frame["lang"] == lang
    assert frame.get("declared_lang") == declared_lang
    # the ru channel when placed there, and the sender (1) always sees their own
    expected = {1, 2, 3, 11, 20} if lang == "ru" else {1, 3, 10, 20}
    assert receivers(effects, "chat") == expected
    notices = [f for f in inbox(effects)[1] if f["type"] == "notice"]
    if declared_lang is None:
        assert notices == []
    else:
        assert [(n["code"], n["language"]) for n in notices] == [("language_detected", "ru")]
        assert notices[0]["message"].params == {"language": "ru"}
    assert ack(effects, 1)["status"] == "sent"


@pytest.mark.parametrize("sender", [10, 20])
def test_language_identification_is_not_for_staff(sender: int) -> None:
    calls: list[tuple[str, str | None]] = []
    room = cast_room(identify=identify_as("ru", True, calls))
    effects = say(room, sender, "Привет", lang="kk")
    (message,) = [e.message for e in of(effects, Store)]
    assert message.lang == "kk"
    assert message.declared_lang is None
    assert calls == []
    assert not frames(effects, "notice")


def test_language_identification_sees_the_text_and_declared_language() -> None:
    calls: list[tuple[str, str | None]] = []
    room = cast_room(identify=identify_as("kk", False, calls))
    say(room, 1, "Сәлем")  # one channel chosen: it is the declared language
    say(room, 3, "Сәлем")  # two channels and no /to: nothing declared, the priors weigh
    say(room, 3, "Сәлем", lang="ru")
    assert calls == [("Сәлем", "kk"), ("Сәлем", None), ("Сәлем", "ru")]


# -- moderation: delete, forbidden ----------------------------------------------------------


def test_delete_removes_from_history_and_tells_that_languages_receivers() -> None:
    room = cast_room()
    keep, gone = sent(room, 1, "ok"), sent(room, 1, "spam")
    effects = room.handle(10, Moderate("delete", gone, ref="d1"), at(5))
    assert of(effects, Erase) == [Erase(gone)]
    assert receivers(effects, "deleted") == {1, 3, 10, 20}
    assert only(effects, "deleted") == {"type": "deleted", "id": gone}
    (audit,) = of(effects, Audit)
    assert audit == Audit(at(5), "mod-kk", "moderator", "delete", "aigerim", gone, "kk", None)
    mine = [f for f in inbox(effects)[10] if f["type"] == "mod"]
    assert mine == [
        {
            "type": "mod",
            "action": "delete",
            "by": {"id": "mod-kk", "name": "Name 10"},
            "target": {"id": "aigerim", "name": "Name 1"},  # the author, as people call them
            "user": "aigerim",
            "id": gone,
            "lang": "kk",
            "ref": "d1",
        }
    ]
    assert receivers(effects, "mod") == STAFF
    assert history_ids(room) == [keep]
    reconnect = room.join(member(30, V, "kk"), NOW, since=0)
    assert [f["id"] for _, f in frames(reconnect, "chat")] == [keep]
    # twice: it is gone
    assert error_code(room.handle(10, Moderate("delete", gone), NOW), 10) == "not_found"


def test_deleting_a_broadcast_tells_every_channel() -> None:
    room = cast_room()
    message = sent(room, 20, "Welcome", lang="zh")
    effects = room.handle(20, Moderate("delete", message), NOW)
    assert receivers(effects, "deleted") == EVERYONE


def _held_kk(room: Room) -> int:
    return int(ack(say(room, 1, "see shop.kz"), 1)["id"])


def _held_ru(room: Room) -> int:
    return int(ack(say(room, 2, "see shop.kz", lang="ru"), 2)["id"])


FORBIDDEN: list[tuple[int, Any]] = [
    # moderators outside their languages
    (11, lambda room: Moderate("delete", sent(room, 1))),
    (10, lambda room: Moderate("delete", sent(room, 2, lang="ru"))),
    (10, lambda room: Moderate("approve", _held_ru(room))),
    (11, lambda room: Moderate("reject", _held_kk(room))),
    (10, lambda room: Slow("ru", 30)),
    # viewers, whatever they try, whether the target exists or not
    (1, lambda room: Moderate("delete", sent(room, 1))),
    (1, lambda room: Moderate("delete", 999)),
    (1, lambda room: Moderate("approve", _held_kk(room))),
    (1, lambda room: Moderate("reject", _held_kk(room))),
    (1, lambda room: Moderate("approve", 999)),
    (2, lambda room: Restrict("timeout", "aigerim", 60)),
    (2, lambda room: Restrict("ban", "aigerim")),
    (2, lambda room: Restrict("unban", "aigerim")),
    (1, lambda room: Slow("kk", 30)),
    (1, lambda room: Slow("de", 30)),
    (1, lambda room: Pin("pin", "SINK-01")),
    (1, lambda room: Pin("unpin", "SINK-01")),
    # pins are the streamer's
    (10, lambda room: Pin("pin", "SINK-01")),
    # staff cannot be restricted
    (10, lambda room: Restrict("ban", "mod-ru")),
    (10, lambda room: Restrict("timeout", "seller", 60)),
    (11, lambda room: Restrict("ban", "mod-ru")),
]


@pytest.mark.parametrize(("actor", "build"), FORBIDDEN)
def test_forbidden(actor: int, build: Any) -> None:
    room = cast_room()
    command: Command = build(room)
    before = (
        history_ids(room),
        dict(room.held.items),
        set(room.restrictions.bans),
        dict(room.restrictions.slow),
    )
    effects = room.handle(actor, command, NOW)
    assert error_code(effects, actor) == "forbidden"
    assert error(effects, actor) == {
        "type": "error",
        "code": "forbidden",
        "message": Text("You are not allowed to do this."),
    }
    assert [e for e in effects if not isinstance(e, Deliver)] == []
    assert (
        history_ids(room),
        dict(room.held.items),
        set(room.restrictions.bans),
        dict(room.restrictions.slow),
    ) == before


def test_errors_echo_the_ref() -> None:
    room = cast_room()
    found = error(room.handle(1, Moderate("delete", 1, ref="x1"), NOW), 1)
    assert found is not None
    assert found["ref"] == "x1"


# -- timeout, ban, unban --------------------------------------------------------------------


def test_a_timeout_holds_the_users_sends_in_every_language_until_it_expires() -> None:
    second_connection = member(5, V, "zh", user="ivan")
    room = make_room(*CAST, second_connection)
    effects = room.handle(10, Restrict("timeout", "ivan", 60, ref="t"), NOW)
    assert receivers(effects, "notice", code="timed_out") == {2, 5}
    for _, notice in frames(effects, "notice"):
        assert notice["message"] == Text(
            "A moderator timed you out for {seconds} seconds.", {"seconds": 60}
        )
    (audit,) = of(effects, Audit)
    assert (audit.action, audit.user, audit.seconds, audit.actor) == (
        "timeout",
        "ivan",
        60,
        "mod-kk",
    )
    for offset, conn, lang, remaining in [
        (0, 2, "ru", 60),
        (1, 2, "kk", 59),
        (10.5, 5, "zh", 50),  # rounded up
        (59.9, 2, "ru", 1),
    ]:
        refused = say(room, conn, "hi", at(offset), lang=lang)
        found = error(refused, conn)
        assert found is not None, (offset, refused)
        assert found["code"] == "timed_out"
        assert found["message"].params == {"seconds": remaining}
        assert not frames(refused, "chat")
    assert sent(room, 2, "back", at(60), lang="ru")
    assert sent(room, 5, "back", at(61), lang="zh")
    # others were never affected
    assert sent(room, 1, "hi", at(1))


def test_unban_lifts_a_timeout() -> None:
    room = cast_room()
    room.handle(10, Restrict("timeout", "ivan", 600), NOW)
    room.handle(10, Restrict("unban", "ivan"), at(1))
    assert sent(room, 2, "hi", at(2), lang="ru")


def test_a_ban_closes_every_connection_of_the_user_and_refuses_a_rejoin() -> None:
    second_connection = member(5, V, "zh", user="ivan")
    room = make_room(*CAST, second_connection)
    effects = room.handle(11, Restrict("ban", "ivan", ref="b"), NOW)
    assert sorted((c.conn, c.code, c.reason) for c in closes(effects)) == [
        (2, CLOSE_POLICY, "banned"),
        (5, CLOSE_POLICY, "banned"),
    ]
    assert CLOSE_POLICY == 1008
    assert receivers(effects, "error", code="banned") == {2, 5}
    (audit,) = of(effects, Audit)
    assert (audit.action, audit.user, audit.seconds) == ("ban", "ivan", None)
    # a frame that arrives before the adapter has closed the connection
    assert closes(say(room, 2, "still here", lang="ru")) == [Close(2, CLOSE_POLICY, "banned")]
    room.leave(2)
    room.leave(5)
    rejoin = room.join(member(6, V, "ru", user="ivan"), at(10))
    assert error_code(rejoin, 6) == "banned"
    assert closes(rejoin) == [Close(6, CLOSE_POLICY, "banned")]
    assert 6 not in room.members
    assert not frames(rejoin, "hello")
    # unban lifts it
    lifted = room.handle(11, Restrict("unban", "ivan"), at(20))
    assert [a.action for a in of(lifted, Audit)] == ["unban"]
    welcome = room.join(member(7, V, "ru", user="ivan"), at(30))
    assert frames(welcome, "hello")
    assert not closes(welcome)
    assert sent(room, 7, "sorry", at(31), lang="ru")


def test_a_ban_of_someone_offline_refuses_their_join() -> None:
    room = cast_room()
    assert closes(room.handle(10, Restrict("ban", "stranger"), NOW)) == []
    assert closes(room.join(member(40, V, "kk", user="stranger"), NOW))


# -- slow mode -------------------------------------------------------------------------------


def test_slow_mode_per_language() -> None:
    room = cast_room()
    on = room.handle(10, Slow("kk", 30, ref="s"), NOW)
    assert receivers(on, "notice", code="slow_mode") == {1, 3, 10, 20}
    notice = only(on, "notice")
    assert (notice["seconds"], notice["lang"]) == (30, "kk")
    assert notice["message"] == Text(
        "Slow mode: one message every {seconds} seconds.", {"seconds": 30, "lang": "kk"}
    )
    assert [a.action for a in of(on, Audit)] == ["slow"]
    assert only(room.join(member(30, V, "kk"), NOW), "hello")["slow"] == {"kk": 30}

    assert sent(room, 1, "first", at(1))
    refused = say(room, 1, "second", at(11))
    found = error(refused, 1)
    assert found is not None
    assert found["code"] == "slow_mode"
    assert found["message"].params == {"seconds": 20}
    # only in that language: the same viewer in ru, another viewer in kk
    assert sent(room, 1, "in ru", at(12), lang="ru")
    assert sent(room, 3, "other viewer", at(12))
    # staff are exempt
    assert sent(room, 10, "mod", at(13))
    assert sent(room, 10, "mod again", at(13))
    assert sent(room, 20, "streamer", at(13), lang="kk")
    assert sent(room, 1, "after the wait", at(31))

    off = room.handle(10, Slow("kk", 0), at(32))
    assert only(off, "notice")["code"] == "slow_mode_off"
    assert only(off, "notice")["seconds"] == 0
    assert sent(room, 1, "free again", at(33))
    assert only(room.join(member(31, V, "kk"), NOW), "hello")["slow"] == {}


def test_slow_mode_of_a_language_the_stream_lacks() -> None:
    assert error_code(cast_room().handle(10, Slow("de", 30), NOW), 10) == "bad_language"


# -- held queue ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reasons"),
    [
        ("see http://cheap.example", ["link"]),
        ("www.cheap.example", ["link"]),
        ("join t.me/cheapsinks", ["link"]),
        ("buy at shop.kz", ["link"]),
        ("this is a scamword", ["blocked_term"]),
        ("scamword at shop.kz", ["link", "blocked_term"]),
    ],
)
def test_links_and_blocked_terms_are_held_for_that_languages_staff(
    text: str, reasons: list[str]
) -> None:
    checked: list[tuple[str, str]] = []

    def blocked(text: str, lang: str) -> bool:
        checked.append((text, lang))
        return "scamword" in text

    room = cast_room(blocked=blocked)
    effects = say(room, 1, text, ref="h")
    reply = ack(effects, 1)
    assert reply == {"type": "ack", "id": reply["id"], "status": "held", "ref": "h"}
    assert receivers(effects, "held") == {10, 20}
    held = only(effects, "held")
    assert (held["id"], held["text"], held["lang"], held["reasons"]) == (
        reply["id"],
        text,
        "kk",
        reasons,
    )
    # viewers get nothing (the sender only its ack), nothing is stored or shown
    assert set(inbox(effects)) == {1, 10, 20}
    assert not frames(effects, "chat")
    assert not of(effects, Store)
    assert history_ids(room) == []
    assert checked == [(text, "kk")]


def test_first_time_guests_are_held_when_the_policy_asks() -> None:
    rules = RoomRules(hold=HoldPolicy(first_time_guests=True))
    guest = member(30, V, "kk", user="g-1", guest=True)
    room = make_room(*CAST, guest, rules=rules)
    first = say(room, 30, "hello")
    assert ack(first, 30)["status"] == "held"
    assert only(first, "held")["reasons"] == ["first_time_guest"]
    assert sent(room, 30, "hello again")
    # a signed-in viewer is no guest
    assert sent(room, 1, "hello")


def test_first_time_guests_go_out_by_default() -> None:
    room = make_room(*CAST, member(30, V, "kk", user="g-1", guest=True))
    assert sent(room, 30, "hello")


def test_approve_delivers_with_a_new_id_and_acks_the_sender() -> None:
    room = cast_room()
    before = sent(room, 2, "first", lang="ru")
    hold_id = _held_kk(room)
    after = sent(room, 2, "meanwhile", lang="ru")
    assert before < hold_id < after
    effects = room.handle(10, Moderate("approve", hold_id, ref="a"), at(5))
    frame = only(effects, "chat")
    assert frame["id"] > after
    assert frame["text"] == "see shop.kz"
    assert frame["lang"] == "kk"
    assert receivers(effects, "chat") == {1, 3, 10, 20}
    assert inbox(effects)[1][-1] == {
        "type": "ack",
        "id": frame["id"],
        "held_id": hold_id,
        "status": "sent",
    }
    assert receivers(effects, "resolved") == {10, 20}
    assert only(effects, "resolved") == {"type": "resolved", "id": hold_id, "action": "approve"}
    (store,) = of(effects, Store)
    assert store.message.id == frame["id"]
    (audit,) = of(effects, Audit)
    assert (audit.action, audit.message_id, audit.user) == ("approve", hold_id, "aigerim")
    assert [f.get("ref") for f in inbox(effects)[10] if f["type"] == "mod"] == ["a"]
    assert history_ids(room) == [before, after, frame["id"]]
    assert sent(room, 1, "next") > frame["id"]
    # resolved once only
    assert error_code(room.handle(10, Moderate("approve", hold_id), NOW), 10) == "not_found"
    assert error_code(room.handle(10, Moderate("reject", hold_id), NOW), 10) == "not_found"


def test_reject_acks_rejected_and_delivers_nothing() -> None:
    room = cast_room()
    hold_id = _held_kk(room)
    effects = room.handle(20, Moderate("reject", hold_id), NOW)
    assert not frames(effects, "chat")
    assert not of(effects, Store)
    assert inbox(effects)[1] == [{"type": "ack", "id": hold_id, "status": "rejected"}]
    assert only(effects, "resolved")["action"] == "reject"
    assert [a.action for a in of(effects, Audit)] == ["reject"]
    assert history_ids(room) == []


def test_approve_after_the_sender_left_delivers_without_an_ack() -> None:
    room = cast_room()
    hold_id = _held_kk(room)
    room.leave(1)
    effects = room.handle(10, Moderate("approve", hold_id), NOW)
    assert receivers(effects, "chat") == {3, 10, 20}
    assert not frames(effects, "ack")


def test_a_moderator_joining_later_sees_the_held_queue_of_their_languages() -> None:
    room = make_room(KK_VIEWER, RU_VIEWER, STREAMER)
    kk_hold, ru_hold = _held_kk(room), _held_ru(room)
    joined = room.join(KK_MOD, NOW)
    assert [f["id"] for f in inbox(joined)[10] if f["type"] == "held"] == [kk_hold]
    assert [f["id"] for f in inbox(room.join(RU_MOD, NOW))[11] if f["type"] == "held"] == [ru_hold]
    assert [f["id"] for f in inbox(room.join(KK_VIEWER, NOW))[1] if f["type"] == "held"] == []


def test_the_fallback_moderator_sees_and_resolves_an_uncovered_languages_queue() -> None:
    room = cast_room()
    effects = say(room, 4, "see shop.kz", lang="zh")
    hold_id = int(ack(effects, 4)["id"])
    assert receivers(effects, "held") == {20, 11}
    assert receivers(effects, "held", fallback=True) == {11}
    approved = room.handle(11, Moderate("approve", hold_id), NOW)
    assert receivers(approved, "chat") == {4, 20, 11}
    # and can delete and slow down there, while the language stays uncovered
    (approved_id,) = {frame["id"] for _, frame in frames(approved, "chat")}
    assert of(room.handle(11, Moderate("delete", approved_id), NOW), Erase)
    assert error_code(room.handle(11, Slow("zh", 10), NOW), 11) is None
    # a fallback moderator who joins later gets the queue, flagged
    second = int(ack(say(room, 4, "www.x.example", lang="zh", now=at(60)), 4)["id"])
    rejoin = room.join(member(12, M, "ru", "ru", user="mod-ru-2"), NOW)
    assert [(f["id"], f.get("fallback")) for f in inbox(rejoin)[12] if f["type"] == "held"] == [
        (second, True)
    ]
    # once zh has its own moderator, the fallback may no longer act on it
    room.join(member(13, M, "zh", "zh", user="mod-zh"), NOW)
    assert error_code(room.handle(11, Moderate("reject", second), NOW), 11) == "forbidden"
    assert error_code(room.handle(13, Moderate("reject", second), NOW), 13) is None


# -- rate limit, abuse ------------------------------------------------------------------------


def test_a_flood_is_rate_limited_and_tokens_refill() -> None:
    room = cast_room(rules=RoomRules(rate=1.0, burst=5.0))
    results = [say(room, 1, f"m{i}", at(0)) for i in range(7)]
    assert [ack(r, 1)["status"] for r in results[:5]] == ["sent"] * 5
    for refused in results[5:]:
        assert error_code(refused, 1) == "rate_limited"
        assert not frames(refused, "chat")
    assert sent(room, 1, "one more", at(1))
    assert error_code(say(room, 1, "too soon", at(1)), 1) == "rate_limited"
    assert sent(room, 1, "after a while", at(3))
    assert sent(room, 1, "and another", at(3))


def test_the_rate_limit_is_per_connection_and_staff_are_exempt() -> None:
    room = cast_room(rules=RoomRules(rate=1.0, burst=2.0))
    for _ in range(2):
        sent(room, 1)
    assert error_code(say(room, 1), 1) == "rate_limited"
    assert sent(room, 3)
    for i in range(20):
        assert sent(room, 20, f"streamer {i}")
        assert sent(room, 10, f"moderator {i}")


def test_repeated_errors_close_the_connection() -> None:
    room = cast_room(rules=RoomRules(abuse_limit=3, abuse_window=60.0))
    bad = FrameError("bad_json", "The frame is not valid JSON.")
    for second in range(3):
        effects = room.reject_frame(1, bad, at(second))
        assert error_code(effects, 1) == "bad_json"
        assert not closes(effects)
    effects = room.reject_frame(1, bad, at(3))
    assert error_code(effects, 1) == "bad_json"
    assert closes(effects) == [Close(1, CLOSE_POLICY, "abuse")]


def test_errors_from_commands_count_as_abuse_too() -> None:
    room = cast_room(rules=RoomRules(abuse_limit=2, abuse_window=60.0))
    results = [room.handle(1, Moderate("delete", 1), at(i)) for i in range(3)]
    assert [bool(closes(r)) for r in results] == [False, False, True]


def test_errors_spread_beyond_the_window_do_not_close() -> None:
    room = cast_room(rules=RoomRules(abuse_limit=2, abuse_window=10.0))
    bad = FrameError("unknown_type", "This kind of frame is not known.", "r")
    for second in range(0, 100, 5):
        effects = room.reject_frame(1, bad, at(second))
        assert not closes(effects)
        found = error(effects, 1)
        assert found == {
            "type": "error",
            "code": "unknown_type",
            "message": Text("This kind of frame is not known."),
            "ref": "r",
        }


def test_frame_error_params_reach_the_message() -> None:
    room = cast_room()
    found = error(
        room.reject_frame(1, FrameError("too_long", "At most {limit}.", limit=500), NOW), 1
    )
    assert found is not None
    assert found["message"] == Text("At most {limit}.", {"limit": 500})
    assert "ref" not in found


def test_an_unknown_connection_is_ignored() -> None:
    room = cast_room()
    assert room.handle(99, Chat("hi"), NOW) == []
    assert room.leave(99) == []
    assert room.reject_frame(99, FrameError("bad_json", "x"), NOW) == [
        Deliver(frozenset({99}), {"type": "error", "code": "bad_json", "message": Text("x")})
    ]


# -- ids, history, resume ----------------------------------------------------------------------


def _traffic(room: Room) -> list[int]:
    """1 kk, 2 ru, 3 broadcast, 4 zh, 5 kk, 6 ru."""
    return [
        sent(room, 1, "kk one"),
        sent(room, 2, "ru one", lang="ru"),
        sent(room, 20, "to everyone"),
        sent(room, 4, "zh one", lang="zh"),
        sent(room, 3, "kk two", lang="kk"),
        sent(room, 3, "ru two", lang="ru"),
    ]


def test_ids_grow_within_the_stream_across_languages() -> None:
    room = cast_room()
    assert _traffic(room) == [1, 2, 3, 4, 5, 6]
    assert history_ids(room) == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("joining", "since", "expected"),
    [
        (member(30, V, "kk"), 0, [1, 3, 5]),
        (member(30, V, "kk"), 1, [3, 5]),
        (member(30, V, "kk"), 3, [5]),
        (member(30, V, "kk"), 5, []),
        (member(30, V, "kk"), 6, []),
        (member(30, V, "ru"), 0, [2, 3, 6]),
        (member(30, V, "kk ru"), 1, [2, 3, 5, 6]),
        (member(30, V, "ug"), 0, [3]),
        (member(30, V, "zh ug"), 2, [3, 4]),
        # a moderator: what they read and what they moderate
        (member(30, M, "ug", "zh"), 0, [3, 4]),
        # the streamer receives every channel live, and so in the replay
        (member(30, S, "zh"), 0, [1, 2, 3, 4, 5, 6]),
        (member(30, A, ""), 4, [5, 6]),
    ],
)
def test_join_since_replays_what_followed_in_the_members_languages(
    joining: Member, since: int, expected: list[int]
) -> None:
    room = cast_room()
    _traffic(room)
    effects = room.join(joining, at(60), since=since)
    mine = inbox(effects)[30]
    assert mine[0]["type"] == "hello"
    assert mine[0]["recovered"] is True
    assert mine[0]["last_id"] == 6
    replayed = [f["id"] for f in mine[1:] if f["type"] == "chat"]
    assert replayed == expected
    # after the replay, at most the coverage the joining moderator brings
    assert [f["code"] for f in mine[1:] if f["type"] != "chat"] == (
        ["covered"] if joining.moderates else []
    )
    assert room.replay(since, joining.langs | joining.moderates)[1] is True


def test_join_without_since_replays_nothing() -> None:
    room = cast_room()
    _traffic(room)
    effects = room.join(member(30, V, "kk"), NOW)
    assert [f["type"] for f in inbox(effects)[30]] == ["hello"]
    assert only(effects, "hello")["recovered"] is True


def test_the_hello_frame() -> None:
    room = cast_room()
    _traffic(room)
    effects = room.join(member(30, M, "kk ru", "ru", user="mod-2"), NOW)
    assert only(effects, "hello") == {
        "type": "hello",
        "v": 1,
        "you": {"id": "mod-2", "name": "Name 30", "role": "moderator"},
        "stream": {"id": "show-1", "languages": list(LANGS)},
        "langs": ["kk", "ru"],
        "moderates": ["ru"],
        "last_id": 6,
        "recovered": True,
        "slow": {},
    }


def test_resume_without_gaps_or_duplicates() -> None:
    """A client that reconnects with the last id it saw sees every message exactly once."""
    room = cast_room()
    seen: list[int] = []
    for i in range(3):
        seen += [f["id"] for f in inbox(say(room, 2, f"a{i}", lang="ru"))[3] if f["type"] == "chat"]
    room.leave(3)
    missed = [sent(room, 2, "while away", lang="ru"), sent(room, 1, "kk while away")]
    sent(room, 4, "zh while away", lang="zh")
    back = room.join(KK_RU_VIEWER, at(10), since=seen[-1])
    replayed = [f["id"] for f in inbox(back)[3] if f["type"] == "chat"]
    assert replayed == missed
    live = [f["id"] for f in inbox(say(room, 1, "live", at(11)))[3] if f["type"] == "chat"]
    everything = seen + replayed + live
    assert everything == sorted(set(everything))


SMALL = RoomRules(history=3)


@pytest.mark.parametrize(
    ("langs", "since", "expected", "recovered"),
    [
        # kk kept 3, 4, 5 of 1..5: message 2 (after since=1) was evicted
        ({"kk"}, 0, [3, 4, 5], False),
        ({"kk"}, 1, [3, 4, 5], False),
        ({"kk"}, 2, [3, 4, 5], True),
        ({"kk"}, 4, [5], True),
        ({"kk"}, 5, [], True),
        # ru lost nothing
        ({"ru"}, 0, [6], True),
        ({"kk", "ru"}, 2, [3, 4, 5, 6], True),
        ({"kk", "ru"}, 1, [3, 4, 5, 6], False),
        # since beyond the last id: the client saw another stream's history
        ({"kk"}, 6, [], True),
        ({"kk"}, 7, [], False),
        ({"ru"}, 1000, [], False),
    ],
)
def test_recovered_is_false_when_bounded_history_lost_what_followed(
    langs: set[str], since: int, expected: list[int], recovered: bool
) -> None:
    room = cast_room(rules=SMALL)
    for i in range(5):
        sent(room, 1, f"kk {i}", at(i))
    sent(room, 2, "ru", at(5), lang="ru")
    assert room.replay(since, langs) == (
        [m for m in room.replay(0, LANGS)[0] if m.id in expected],
        recovered,
    )
    assert history_ids(room, langs, since) == expected
    effects = room.join(member(30, V, " ".join(sorted(langs))), at(9), since=since)
    assert only(effects, "hello")["recovered"] is recovered


def test_evicted_broadcasts_are_lost_for_everyone() -> None:
    room = cast_room(rules=SMALL)
    for i in range(4):
        sent(room, 20, f"broadcast {i}", at(i))
    assert room.replay(0, {"ru"}) == (room.replay(0, {"kk"})[0], False)
    assert room.replay(1, {"ru"})[1] is True


def _stored(
    id: int, lang: str = "kk", broadcast: bool = False, user: str = "aigerim"
) -> ChatMessage:
    return ChatMessage(
        show_id="show-1",
        id=id,
        ts=NOW,
        lang=lang,
        user_id=user,
        user_name="A",
        role=Role.STREAMER if broadcast else Role.VIEWER,
        text=f"stored {id}",
        broadcast=broadcast,
    )


def test_restore_after_a_restart_continues_ids_and_replays() -> None:
    room = Room("show-1", LANGS, ("ru",))
    room.restore([_stored(10), _stored(12, "ru"), _stored(15, "zh", broadcast=True)])
    assert room.next_id == 16
    assert history_ids(room, {"kk"}) == [10, 15]
    room.join(KK_VIEWER, NOW)
    assert sent(room, 1, "after the restart") == 16
    back = room.join(member(30, V, "kk ru"), NOW, since=11)
    assert [f["id"] for f in inbox(back)[30] if f["type"] == "chat"] == [12, 15, 16]
    assert only(back, "hello")["last_id"] == 16


def test_restore_remembers_who_has_written_before() -> None:
    rules = RoomRules(hold=HoldPolicy(first_time_guests=True))
    room = Room("show-1", LANGS, ("ru",), rules=rules)
    room.restore([_stored(1, user="g-1")])
    room.join(member(30, V, "kk", user="g-1", guest=True), NOW)
    assert sent(room, 30, "hello again")


def test_restore_keeps_the_id_of_a_language_the_show_no_longer_has() -> None:
    room = Room("show-1", ("kk",), ())
    room.restore([_stored(1), _stored(2, "tt"), _stored(3)])
    assert room.next_id == 4
    assert history_ids(room, {"kk", "tt"}) == [1, 3]


def test_restore_into_bounded_history_marks_what_it_evicted() -> None:
    room = Room("show-1", LANGS, ("ru",), rules=SMALL)
    room.restore([_stored(i) for i in range(1, 6)])
    assert room.replay(0, {"kk"}) == ([_stored(i) for i in (3, 4, 5)], False)
    assert room.replay(2, {"kk"})[1] is True


def test_a_room_that_keeps_no_history() -> None:
    room = make_room(KK_VIEWER, rules=RoomRules(history=0))
    first, second = sent(room, 1, "one"), sent(room, 1, "two")
    assert (first, second) == (1, 2)
    assert room.replay(0, {"kk"}) == ([], False)
    assert room.replay(2, {"kk"}) == ([], True)


# -- subscribe, grant, presence, pins ---------------------------------------------------------


def test_subscribe_changes_what_a_viewer_receives() -> None:
    room = cast_room()
    effects = room.handle(1, Subscribe(("ru", "zh"), ref="s"), NOW)
    assert only(effects, "subscribed") == {
        "type": "subscribed",
        "langs": ["ru", "zh"],
        "moderates": [],
        "ref": "s",
    }
    assert 1 in receivers(say(room, 2, "Привет", lang="ru"), "chat")
    assert 1 not in receivers(say(room, 3, "Сәлем", lang="kk"), "chat")


def test_subscribe_to_a_language_the_stream_lacks() -> None:
    room = cast_room()
    assert error_code(room.handle(1, Subscribe(("kk", "de")), NOW), 1) == "bad_language"
    assert room.members[1] == KK_VIEWER


@pytest.mark.parametrize("granted", [True, False])
def test_a_moderator_moderates_within_the_grant_whatever_it_subscribes(granted: bool) -> None:
    room = make_room(RU_VIEWER)
    if granted:
        room.grant(10, frozenset({"kk", "ru"}))
    room.join(member(10, M, "kk ru", "kk ru", user="mod"), NOW)
    ru_message = sent(room, 2, "Привет", lang="ru")
    narrow = room.handle(10, Subscribe(("kk",)), NOW)
    assert only(narrow, "subscribed")["moderates"] == ["kk"]
    assert error_code(room.handle(10, Moderate("delete", ru_message), NOW), 10) == "forbidden"
    wide = room.handle(10, Subscribe(("kk", "ru", "zh")), NOW)
    assert only(wide, "subscribed")["moderates"] == ["kk", "ru"]
    assert only(wide, "subscribed")["langs"] == ["kk", "ru", "zh"]
    assert of(room.handle(10, Moderate("delete", ru_message), NOW), Erase) == [Erase(ru_message)]


def test_a_grant_narrower_than_the_members_languages_limits_moderation() -> None:
    room = Room("show-1", LANGS, ("ru",))
    room.grant(10, frozenset({"kk"}))
    room.join(member(10, M, "kk ru", "kk", user="mod"), NOW)
    effects = room.handle(10, Subscribe(("kk", "ru")), NOW)
    assert only(effects, "subscribed")["moderates"] == ["kk"]


def test_a_leaving_connection_forgets_its_grant() -> None:
    room = cast_room()
    room.grant(10, frozenset({"kk"}))
    room.leave(10)
    assert 10 not in room.roster.granted
    assert 10 not in room.members
    assert 10 not in room.restrictions.senders


def test_presence_counts_viewers_and_moderators_per_language_for_staff() -> None:
    room = cast_room()
    staff, frame = room.presence()
    assert staff == STAFF
    assert frame == {
        "type": "presence",
        "viewers": {"kk": 2, "ru": 2, "zh": 1, "ug": 0, "ky": 0, "uz": 0, "en": 0},
        "moderators": {"kk": 1, "ru": 1, "zh": 0, "ug": 0, "ky": 0, "uz": 0, "en": 0},
        "uncovered": ["en", "ky", "ug", "uz", "zh"],
    }


@pytest.mark.parametrize(("actor", "action"), [(20, "pin"), (20, "unpin"), (21, "pin")])
def test_the_streamer_pins_products(actor: int, action: str) -> None:
    room = make_room(*CAST, member(21, A, "en", user="admin"))
    [pinned] = room.handle(actor, Pin(action, "SINK-01"), at(7))
    assert pinned == Pinned("SINK-01", action, at(7), conn=actor, lang=pinned.lang)
    assert pinned.lang in room.languages  # the language its mention is logged in


def test_moderation_events_reach_the_other_staff_and_confirm_to_the_actor() -> None:
    room = cast_room()
    effects = room.handle(10, Restrict("timeout", "ivan", 30, ref="r9"), NOW)
    event = {
        "type": "mod",
        "action": "timeout",
        "by": {"id": "mod-kk", "name": "Name 10"},
        "target": {"id": "ivan", "name": "Name 2"},  # in the room: their name there
        "user": "ivan",
        "seconds": 30,
    }
    assert [(to, f) for to, f in frames(effects, "mod")] == [
        (frozenset({11, 20}), event),
        (frozenset({10}), {**event, "ref": "r9"}),
    ]
