"""Detection, priors, the unsure flag and the move frame over a real server and real
websockets (issue 12, part B). The detector is a fake of the model (tests/helpers/
detectors.py) where a test needs one that is sure or unsure on cue; the real one
elsewhere."""

from __future__ import annotations

from typing import Any

from livecommerce.core.langid import MODEL, Detection
from tests.conftest import Server
from tests.helpers.chat import (
    RUSSIAN,
    SHOW,
    Client,
    audit_actions,
    make_token,
    moderator,
    streamer,
    viewer,
)
from tests.helpers.detectors import Reader

UZBEK_LATIN = "narxi qancha, yetkazib berasizlarmi?"
UZBEK = Detection("uz", True, MODEL, "Latn")
NO_CHANNEL = "В этой трансляции нет канала"
ALREADY = "Это сообщение уже в канале"


def reading(server: Server, **known: Detection) -> Reader:
    """Put a fake detector in the rooms (before the show's room opens)."""
    reader = Reader(dict(known))
    server.services.rooms.identify = reader
    return reader


async def guest(server: Server, accept: str | None = None, **options: Any) -> Client:
    headers = {"Accept-Language": accept} if accept is not None else None
    return await Client.open(server, name="Guest", additional_headers=headers, **options)


async def test_the_browsers_languages_are_a_prior_and_nothing_is_declared(server: Server) -> None:
    reader = reading(server)
    browser = await guest(server, "uz-Latn-UZ,ru-RU;q=0.8,de;q=0.5")
    assert browser.hello["langs"] == ["uz"]  # what it reads: the browser's first
    await browser.say("ok")
    text, declared, prior = reader.calls[-1]
    assert (text, declared) == ("ok", None)
    assert (prior.accept, prior.channels, prior.history) == (("uz", "ru"), (), ())


async def test_a_viewer_who_declared_nothing_is_placed_by_what_they_write(server: Server) -> None:
    reading(server, **{UZBEK_LATIN: UZBEK})
    uz_reader = await viewer(server, "u-uz", "uz")
    someone = await guest(server)  # no Accept-Language: reads the show's first channel
    assert someone.hello["langs"] == ["kk"]
    ack = await someone.say(UZBEK_LATIN)
    chat = await uz_reader.recv_until("chat", id=ack["id"])
    assert (chat["lang"], "lang_unsure" in chat, "script" in chat) == ("uz", False, False)
    notice = await someone.recv_until("notice", code="language_detected")
    assert notice["language"] == "uz"
    # Their prior learned it: a short "ok" of theirs stays Uzbek.
    ok = await someone.say("ok")
    assert (await uz_reader.recv_until("chat", id=ok["id"]))["lang"] == "uz"


async def test_an_unsure_message_is_flagged_for_its_moderators_only(server: Server) -> None:
    reading(server)
    mod = await moderator(server, "mod-kk", "kk")
    kk = await viewer(server, "u-kk", "kk")
    writer = await viewer(server, "u-w", "kk")
    ack = await writer.say("ok")
    staff = await mod.recv_until("chat", id=ack["id"])
    seen = await kk.recv_until("chat", id=ack["id"])
    assert (staff["lang"], staff["lang_unsure"], staff["script"]) == ("kk", True, "Latn")
    assert seen["lang"] == "kk"
    assert "lang_unsure" not in seen
    assert "script" not in seen
    # A resuming moderator gets the flag again; the store kept it.
    again = await moderator(server, "mod-kk2", "kk", since=ack["id"] - 1)
    replayed = await again.recv_until("chat", id=ack["id"])
    assert replayed["lang_unsure"] is True
    await server.services.rooms.writer.drain()
    (stored,) = await server.services.store.chat_messages(SHOW, after_id=ack["id"] - 1)
    assert (stored.lang_unsure, stored.script) == (True, "Latn")


async def test_a_moderator_moves_a_message_and_everything_follows(server: Server) -> None:
    reader = reading(server)
    mod = await moderator(server, "mod-kk", "kk")
    uz_mod = await moderator(server, "mod-uz", "uz")
    kk = await viewer(server, "u-kk", "kk")
    uz = await viewer(server, "u-uz", "uz")
    writer = await guest(server)
    ack = await writer.say("zor ekan")
    message = ack["id"]
    await mod.recv_until("chat", id=message)

    await mod.send({"type": "move", "id": message, "lang": "uz", "ref": "mv"})
    done = await mod.recv_until("mod", ref="mv")
    assert (done["action"], done["id"], done["lang"], done["from"]) == ("move", message, "uz", "kk")
    assert (await kk.recv_until("moved", id=message))["lang"] == "uz"
    assert (await writer.recv_until("moved", id=message))["from"] == "kk"
    arrived = await uz.recv_until("chat", id=message)
    assert (arrived["lang"], arrived["text"]) == ("uz", "zor ekan")
    staff = await uz_mod.recv_until("chat", id=message)
    assert "lang_unsure" not in staff  # a moderator placed it: no longer unsure
    assert (await uz_mod.recv_until("mod", action="move"))["id"] == message

    # Logged; the store keeps the new language; a resuming uz reader gets it.
    assert {"action": "move", "message_id": message, "lang": "uz"}.items() <= next(
        entry for entry in await audit_actions(server) if entry["action"] == "move"
    ).items()
    (stored,) = await server.services.store.chat_messages(SHOW, after_id=message - 1)
    assert (stored.lang, stored.lang_unsure) == ("uz", False)
    late = await viewer(server, "u-uz-late", "uz", since=message - 1)
    assert (await late.recv_until("chat", id=message))["lang"] == "uz"
    late_kk = await viewer(server, "u-kk-late", "kk", since=message - 1)
    await late_kk.assert_silent(ignore=("presence", "notice", "product"))

    # The sender's prior learned it.
    await writer.say("ok")
    assert reader.calls[-1][2].history == ("uz",)


async def test_moving_errors_are_clear_and_translated(server: Server) -> None:
    reading(server)
    mod = await moderator(server, "mod-kk", "kk", locale="ru")
    writer = await viewer(server, "u-w", "kk")
    message = (await writer.say("ok"))["id"]
    cases = [
        (mod, {"id": 99_999, "lang": "uz"}, "not_found", "Этого сообщения больше нет в чате."),
        (mod, {"id": message, "lang": "en"}, "bad_language", f"{NO_CHANNEL} «Английский»."),
        (mod, {"id": message, "lang": "kk"}, "same_language", f"{ALREADY} «Казахский»."),
        (writer, {"id": message, "lang": "uz"}, "forbidden", None),
        (mod, {"id": message}, "bad_field", None),
    ]
    for index, (who, fields, code, text) in enumerate(cases):
        await who.send({"type": "move", "ref": f"e{index}", **fields})
        error = await who.recv_until("error", ref=f"e{index}")
        assert error["code"] == code, error
        if text is not None:
            assert error["message"] == text


async def test_the_streamers_plain_russian_line_is_tagged_ru(server: Server) -> None:
    lead = await streamer(server)
    ru = await viewer(server, "u-ru", "ru")
    await lead.send({"type": "chat", "text": RUSSIAN, "ref": "s1"})
    chat = await ru.recv_until("chat", text=RUSSIAN)
    assert (chat["lang"], chat["broadcast"]) == ("ru", True)


async def test_a_viewer_with_several_channels_is_read_without_to(server: Server) -> None:
    reader_token = make_token(server, "u-two", "viewer", ["kk", "ru"])
    two = await Client.open(server, token=reader_token, lang=["kk", "ru"])
    ru = await viewer(server, "u-ru", "ru")
    ack = await two.say(RUSSIAN)
    chat = await ru.recv_until("chat", id=ack["id"])
    assert chat["lang"] == "ru"
    assert "declared_lang" not in chat
