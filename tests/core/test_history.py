"""A room's history: bounded channels, ids, replay and what a resuming client missed."""

from __future__ import annotations

from datetime import UTC, datetime

from livecommerce.core.history import BROADCAST, History
from livecommerce.core.models import ChatMessage, Role

TS = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def message(id: int = 0, lang: str = "kk", broadcast: bool = False) -> ChatMessage:
    return ChatMessage("show-1", id, TS, lang, "u-1", "A", Role.VIEWER, "text", broadcast=broadcast)


def ids(found: list[ChatMessage]) -> list[int]:
    return [m.id for m in found]


def test_own_ids_count_up_and_the_bus_ids_move_them_on() -> None:
    history = History(("kk", "ru"), 10)
    assert history.sequenced(message()).id == 1
    assert history.sequenced(message()).id == 2
    assert history.sequenced(message(40)).id == 40  # numbered by the bus: kept
    assert history.sequenced(message()).id == 41
    assert history.sequenced(message(7)).id == 7  # an older one does not move back
    assert history.last_id == 41


def test_replay_merges_channels_and_broadcasts_in_id_order() -> None:
    history = History(("kk", "ru"), 10)
    for stored in (message(1), message(2, "ru"), message(3, "zh", broadcast=True), message(4)):
        history.remember(stored)
    history.next_id = 5
    assert history.replay(0, {"kk"}) == ([message(1), message(3, "zh", True), message(4)], True)
    assert ids(history.replay(1, {"kk", "ru", "de"})[0]) == [2, 3, 4]
    # From the future (another server's id): nothing to replay, nothing to claim.
    assert history.replay(9, {"kk"}) == ([], False)


def test_a_full_channel_drops_its_oldest_and_marks_it() -> None:
    history = History(("kk", "ru"), 2)
    history.restore([message(1), message(2), message(3), message(4, "ru")])
    assert history.evicted == {"kk": 1, "ru": 0, BROADCAST: 0}
    assert history.replay(0, {"kk"}) == ([message(2), message(3)], False)
    assert history.replay(1, {"kk"})[1] is True
    assert history.replay(0, {"ru"})[1] is True
    assert history.next_id == 5


def test_restore_keeps_ids_of_languages_the_show_no_longer_has() -> None:
    history = History(("kk",), 5)
    history.restore([message(1), message(8, "tt")])
    assert ids(history.replay(0, {"kk", "tt"})[0]) == [1]
    assert history.next_id == 9


def test_find_and_erase() -> None:
    history = History(("kk", "ru"), 5)
    history.restore([message(1), message(2, "ru", broadcast=True)])
    assert history.find(2) == message(2, "ru", broadcast=True)
    history.erase(2)
    assert history.find(2) is None
    assert history.find(1) == message(1)
    history.erase(99)  # gone already: nothing to do
    assert ids(history.replay(0, {"kk", "ru"})[0]) == [1]


def test_forget_through_claims_no_recovery_before_it() -> None:
    history = History(("kk",), 5)
    history.restore([message(1), message(2)])
    history.forget_through(2)
    assert history.replay(1, {"kk"})[1] is False
    assert history.replay(2, {"kk"})[1] is True
    history.forget_through(1)  # never moves back
    assert history.evicted["kk"] == 2


def test_no_history_at_all_loses_the_message_itself() -> None:
    history = History(("kk",), 0)
    history.remember(message(1))
    assert history.evicted["kk"] == 1
    assert history.find(1) is None


def test_a_moved_message_takes_its_place_by_id_in_its_new_channel() -> None:
    history = History(("kk", "uz"), 10)
    for stored in (message(1), message(2, "uz"), message(3, "uz")):
        history.remember(stored)
    history.next_id = 4
    history.channels["kk"][0] = ChatMessage(
        "show-1", 1, TS, "kk", "u-1", "A", Role.VIEWER, "text", declared_lang="uz", lang_unsure=True
    )
    moved = history.move(1, "uz")
    assert moved is not None
    assert (moved.lang, moved.lang_unsure, moved.declared_lang) == ("uz", False, None)
    assert ids(history.replay(0, {"uz"})[0]) == [1, 2, 3]
    assert history.replay(0, {"kk"}) == ([], True)
    assert history.move(99, "uz") is None


def test_a_move_into_a_full_channel_drops_its_oldest_or_itself() -> None:
    history = History(("kk", "uz"), 2)
    for stored in (message(1), message(2, "uz"), message(3), message(4, "uz")):
        history.remember(stored)
    history.next_id = 5
    history.move(3, "uz")  # newer than uz's oldest (2): 2 goes
    assert ids(history.replay(0, {"uz"})[0]) == [3, 4]
    assert history.evicted["uz"] == 2
    history.move(1, "uz")  # older than all uz keeps: it is what is lost
    assert ids(history.replay(0, {"uz"})[0]) == [3, 4]
    assert history.evicted["uz"] == 2
    assert history.replay(0, {"uz"})[1] is False  # a resume from before cannot recover


def test_a_broadcast_is_not_moved() -> None:
    history = History(("kk", "uz"), 10)
    history.remember(message(1, "kk", broadcast=True))
    assert history.move(1, "uz") is None
