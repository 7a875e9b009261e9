"""The room reads each message's language with the priors a person would use, keeps an
unsure one visible to its moderators, and lets a moderator move a message to another
language channel (logged, routed, stored, and taught to the sender's prior)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from livecommerce.core.changes import MessageMoved, from_json, to_json
from livecommerce.core.langid import MODEL, SCRIPT, Detection, Prior
from livecommerce.core.protocol import Chat, Move
from livecommerce.core.room import Audit, Effect, Relabel, Replicate, Room, RoomRules, Store
from livecommerce.core.routing import Member
from tests.core.test_room import (
    KK_MOD,
    KK_RU_VIEWER,
    KK_VIEWER,
    LANGS,
    NOW,
    RU_MOD,
    RU_VIEWER,
    STREAMER,
    ZH_VIEWER,
    at,
    error,
    error_code,
    frames,
    history_ids,
    inbox,
    make_room,
    member,
    of,
    only,
    receivers,
    say,
    sent,
)
from tests.helpers.detectors import Reader

UZBEK = Detection("uz", True, MODEL, "Latn")
KAZAKH_ARABIC = Detection("kk", True, SCRIPT, "Arab")
RUSSIAN = Detection("ru", True, MODEL, "Cyrl")


def chat(effects: list[Effect]) -> dict[str, Any]:
    """The one message the effects deliver, as viewers see it (staff get the same with
    `script` and `lang_unsure`, fallback moderators flagged `fallback`)."""
    found = [f for _, f in frames(effects, "chat")]
    assert len({f["id"] for f in found}) == 1, found
    staff_only = ("script", "lang_unsure", "fallback")
    plain = [{k: v for k, v in f.items() if k not in staff_only} for f in found]
    assert all(p == plain[0] for p in plain), found
    return plain[0]


def room_with(reader: Reader, *members: Member) -> Room:
    cast = members or (KK_VIEWER, RU_VIEWER, KK_RU_VIEWER, ZH_VIEWER, KK_MOD, RU_MOD, STREAMER)
    return make_room(*cast, identify=reader)


UZ_MOD = member(12, role=RU_MOD.role, langs="uz", moderates="uz", user="mod-uz")
UZ_VIEWER = member(5, langs="uz", user="timur")
# A guest who chose nothing: it reads the show's first channel, but declared nothing.
GUEST = replace(member(6, langs="kk", user="g-1", guest=True), declared=False, address="a-77")


# -- priors --------------------------------------------------------------------------


def test_a_placed_language_teaches_the_senders_prior() -> None:
    reader = Reader({"narxi qancha, yetkazib berasizlarmi?": UZBEK})
    room = room_with(reader, KK_VIEWER, GUEST, UZ_VIEWER, KK_MOD, STREAMER)
    say(room, 6, "narxi qancha, yetkazib berasizlarmi?")
    effects = say(room, 6, "ok")
    _, declared, prior = reader.calls[-1]
    assert declared is None  # chose nothing: never the show's first language by default
    assert prior == Prior(history=("uz",))
    assert chat(effects)["lang"] == "uz"
    # A person is a user: another guest behind the same address has a history of its own,
    # the same guest on another connection the same.
    neighbour = replace(GUEST, conn=7, user="g-2")
    again = replace(GUEST, conn=8)
    room.join(neighbour, NOW)
    room.join(again, NOW)
    say(room, 7, "+")
    assert reader.calls[-1][2].history == ()
    say(room, 8, "+")
    assert reader.calls[-1][2].history == ("uz",)


def test_a_guess_from_the_priors_teaches_nothing() -> None:
    reader = Reader()
    room = room_with(reader)
    say(room, 1, "ok")
    say(room, 1, "ok")
    assert reader.calls[-1][2].history == ()


def test_channels_are_a_prior_only_when_chosen() -> None:
    reader = Reader()
    room = room_with(reader, KK_RU_VIEWER, GUEST, KK_MOD)
    say(room, 3, "ok")
    say(room, 6, "ok")
    assert [(declared, prior.channels) for _, declared, prior in reader.calls] == [
        (None, ("kk", "ru")),
        (None, ()),
    ]


def test_a_viewer_with_several_channels_is_placed_by_the_detector() -> None:
    reader = Reader({"Добрый вечер, а доставка есть?": RUSSIAN})
    room = room_with(reader)
    effects = say(room, 3, "Добрый вечер, а доставка есть?")
    frame = chat(effects)
    assert frame["lang"] == "ru"
    assert "declared_lang" not in frame  # nothing was declared, nothing overridden
    assert receivers(effects, "chat") == {2, 3, 11, 20}
    assert not frames(effects, "notice")  # they read ru: nothing to tell them


def test_a_sender_who_does_not_read_the_channel_is_told_where_it_went() -> None:
    reader = Reader({"narxi qancha?": UZBEK})
    room = room_with(reader, GUEST, UZ_MOD, STREAMER)
    effects = say(room, 6, "narxi qancha?")
    (notice,) = [f for f in inbox(effects)[6] if f["type"] == "notice"]
    assert (notice["code"], notice["language"]) == ("language_detected", "uz")


def test_the_streamers_plain_line_is_tagged_with_its_language() -> None:
    reader = Reader({"Добрый вечер всем!": RUSSIAN})
    room = room_with(reader)
    frame = chat(say(room, 20, "Добрый вечер всем!"))
    assert (frame["lang"], frame["broadcast"]) == ("ru", True)
    assert "lang_unsure" not in frame


# -- the unsure flag -----------------------------------------------------------------


def test_an_unsure_message_goes_to_the_senders_channel_flagged_for_staff() -> None:
    reader = Reader()
    room = room_with(reader)
    effects = say(room, 1, "ok")
    (store,) = of(effects, Store)
    assert (store.message.lang, store.message.lang_unsure, store.message.script) == (
        "kk",
        True,
        "Latn",
    )
    box = inbox(effects)
    viewers = [f for conn in (1, 3) for f in box[conn] if f["type"] == "chat"]
    staff = [f for conn in (10, 20) for f in box[conn] if f["type"] == "chat"]
    assert all("lang_unsure" not in f and "script" not in f for f in viewers)
    assert all(f["lang_unsure"] is True and f["script"] == "Latn" for f in staff)
    assert {f["id"] for f in viewers + staff} == {store.message.id}


def test_a_placed_message_shows_staff_its_script_only() -> None:
    reader = Reader({"ساتىلامدۇ بۇ؟": KAZAKH_ARABIC})
    room = room_with(reader)
    effects = say(room, 1, "ساتىلامدۇ بۇ؟")
    staff = [f for f in inbox(effects)[10] if f["type"] == "chat"]
    assert [(f["lang"], f["script"], "lang_unsure" in f) for f in staff] == [("kk", "Arab", False)]


def test_a_resuming_moderator_gets_the_flag_and_a_viewer_does_not() -> None:
    room = room_with(Reader())
    message = sent(room, 1, "ok")
    room.leave(10)
    room.leave(1)
    for who in (KK_MOD, KK_VIEWER):
        replayed = [f for _, f in frames(room.join(who, at(1), since=message - 1), "chat")]
        assert [f["id"] for f in replayed] == [message]
        assert replayed[0].get("lang_unsure") is (True if who is KK_MOD else None)


def test_a_held_unsure_message_shows_its_moderators_the_flag() -> None:
    room = make_room(KK_VIEWER, KK_MOD, identify=Reader(), rules=RoomRules())
    effects = say(room, 1, "see http://x.example")
    held = only(effects, "held")
    assert (held["lang_unsure"], held["script"]) == (True, "Latn")


# -- the move action -----------------------------------------------------------------


def moved_room() -> tuple[Room, Reader, int]:
    reader = Reader()
    room = room_with(reader, KK_VIEWER, UZ_VIEWER, GUEST, KK_MOD, UZ_MOD, STREAMER)
    return room, reader, sent(room, 6, "zor ekan")


def test_a_moderator_moves_a_message_with_one_action() -> None:
    room, reader, message = moved_room()
    effects = room.handle(10, Move(message, "uz", ref="m1"), at(5))
    # Its old channel's readers lose it; the new channel's get it; both sides' staff
    # (and the streamer, who has it already) are told it moved.
    moved = {"type": "moved", "id": message, "lang": "uz", "from": "kk"}
    assert receivers(effects, "moved") == {1, 6, 10, 20}
    assert only(effects, "moved") == moved
    chats = frames(effects, "chat")
    assert {conn for to, _ in chats for conn in to} == {5, 12}
    assert all(f["lang"] == "uz" and "lang_unsure" not in f for _, f in chats)
    assert of(effects, Relabel) == [Relabel(message, "uz")]
    (audit,) = of(effects, Audit)
    assert audit == Audit(at(5), "mod-kk", "moderator", "move", "g-1", message, "uz", None)
    mine = [f for f in inbox(effects)[10] if f["type"] == "mod"]
    assert mine[0] == {
        "type": "mod",
        "action": "move",
        "by": {"id": "mod-kk", "name": "Name 10"},
        "target": {"id": "g-1", "name": "Name 6"},
        "user": "g-1",
        "id": message,
        "lang": "uz",
        "from": "kk",
        "ref": "m1",
    }
    # The history: a resuming uz reader gets it, a kk reader no longer does.
    assert history_ids(room, ("uz",)) == [message]
    assert history_ids(room, ("kk",)) == []
    # The sender's prior learned it: their next short message goes to uz.
    assert chat(say(room, 6, "ok"))["lang"] == "uz"
    assert reader.calls[-1][2].history == ("uz",)


def test_a_moved_message_keeps_its_place_among_the_new_channels() -> None:
    room, _, message = moved_room()
    before = sent(room, 5, "salom", lang="uz")
    after = sent(room, 5, "rahmat", lang="uz")
    assert message < before < after
    room.handle(10, Move(message, "uz"), at(5))
    assert history_ids(room, ("uz",)) == [message, before, after]


def test_moving_is_refused_with_a_clear_code() -> None:
    room, _, message = moved_room()
    broadcast = sent(room, 20, "Всем привет", lang="ru")
    cases = [
        (1, Move(message, "uz"), "forbidden"),  # a viewer
        (12, Move(message, "ru"), "forbidden"),  # a uz moderator, the message is in kk
        (10, Move(999, "uz"), "not_found"),
        (10, Move(message, "de"), "bad_language"),
        (10, Move(message, "kk"), "same_language"),
        (20, Move(broadcast, "kk"), "not_movable"),
    ]
    for conn, command, code in cases:
        effects = room.handle(conn, command, at(5))
        assert error_code(effects, conn) == code, (command, effects)
        assert not of(effects, Relabel)
    found = error(room.handle(10, Move(message, "kk"), at(6)), 10)
    assert found is not None
    assert found["message"].params == {"language": "kk"}


def test_a_move_crosses_processes_and_teaches_every_copy() -> None:
    room, _, message = moved_room()
    room.replicated = True
    (replicate,) = of(room.handle(10, Move(message, "uz"), at(5)), Replicate)
    change = from_json(to_json(replicate.change))
    assert isinstance(change, MessageMoved)
    assert (change.lang, change.previous, change.person) == ("uz", "kk", "g-1")
    other = room_with(Reader(), UZ_VIEWER)
    other.apply(change)
    assert other.priors.history("g-1") == ("uz",)


def test_a_chat_to_a_language_is_still_a_declaration() -> None:
    reader = Reader({"narxi qancha?": UZBEK})
    room = room_with(reader)
    effects = room.handle(1, Chat("narxi qancha?", lang="kk"), NOW)
    assert reader.calls[-1][1] == "kk"
    assert chat(effects)["declared_lang"] == "kk"
    assert set(LANGS) >= {"uz"}
