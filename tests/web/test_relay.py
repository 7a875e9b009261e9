"""The chat relay end to end: real `websockets` clients against a real server.

Every test talks to an aiohttp server on a loopback port the OS picked, over a seeded
SQLite store with the clock pinned at NOW. Because the clock stands still, rate limits
never refill and slow mode never runs out within a test: what a connection may do is
decided by what it did, never by how fast the machine is.
"""

from __future__ import annotations

import csv
import io
import json

import aiohttp
import pytest

from livecommerce.config import Settings
from livecommerce.core import tokens
from livecommerce.core.models import Role
from livecommerce.store import SqlStore
from tests.conftest import NOW, Server
from tests.helpers.chat import (
    HOUR,
    KAZAKH,
    RUSSIAN,
    SEEDED_LAST_ID,
    SHOW,
    STAFF_CHATTER,
    Client,
    Frame,
    audit_actions,
    eventually,
    get_json,
    get_text,
    make_token,
    metric_settles,
    moderator,
    refused,
    running,
    streamer,
    viewer,
)

# -- before the upgrade ------------------------------------------------------------------


async def test_unknown_stream_is_404_with_a_json_error(server: Server) -> None:
    status, body = await refused(server, "no-such-show", lang="kk")
    assert status == 404
    assert body["error"]["code"] == "unknown_stream"
    assert body["error"]["message"]


async def test_bad_tokens_are_401(server: Server) -> None:
    good = make_token(server, "u-aigerim", "viewer", ["kk"])
    bad = {
        "garbage": "not-a-token",
        # The payload names a moderator now, but the signature was made for a viewer.
        "forged": make_token(server, "u-aigerim", "moderator", ["kk"]).split(".")[0]
        + "."
        + good.split(".")[1],
        "expired": make_token(server, "u-aigerim", expires=int(NOW.timestamp()) - 1),
        "other_secret": tokens.issue(
            b"x" * 32,
            tokens.Identity("u-aigerim", "A", Role.ADMIN, (), None, int(NOW.timestamp()) + HOUR),
        ),
    }
    for kind, token in bad.items():
        status, body = await refused(server, token=token)
        assert (kind, status, body["error"]["code"]) == (kind, 401, "bad_token")


async def test_bad_token_in_the_authorization_header_is_401(server: Server) -> None:
    status, body = await refused(server, headers={"Authorization": "Bearer abc.def"})
    assert status == 401
    assert body["error"]["code"] == "bad_token"


async def test_a_token_bound_to_another_stream_is_401(server: Server) -> None:
    token = make_token(server, "mod-kk", "moderator", ["kk"], stream="jiangxi-kitchen-2026-12-10")
    status, body = await refused(server, token=token)
    assert status == 401
    assert body["error"]["code"] == "bad_token"
    # On its own stream the same token is welcome.
    client = await Client.open(server, stream="jiangxi-kitchen-2026-12-10", token=token)
    assert client.hello["stream"]["id"] == "jiangxi-kitchen-2026-12-10"
    assert client.hello["moderates"] == ["kk"]
    await client.close()


async def test_unknown_language_is_400(server: Server) -> None:
    for lang in ("fr", "kk,fr", ["kk", "en"], "<script>"):
        status, body = await refused(server, lang=lang)
        assert (lang, status, body["error"]["code"]) == (lang, 400, "bad_language")


async def test_bad_since_is_400(server: Server) -> None:
    for since in ("abc", "-1", "1.5", "", str(2**53), "1e3"):
        status, body = await refused(server, lang="kk", since=since)
        assert (since, status, body["error"]["code"]) == (since, 400, "bad_since")


async def test_guests_are_refused_when_the_chat_needs_a_token(
    settings: Settings, seeded_store: SqlStore
) -> None:
    async with running(settings, seeded_store, allow_guests=False) as server:
        status, body = await refused(server, lang="kk", name="Гость")
        assert status == 401
        assert body["error"]["code"] == "token_required"
        # A token still gets in.
        client = await viewer(server, "u-aigerim", "kk")
        assert client.hello["you"]["id"] == "u-aigerim"
        await client.close()


async def test_a_guest_flood_from_one_address_is_429(
    settings: Settings, seeded_store: SqlStore
) -> None:
    async with running(settings, seeded_store, guest_joins_per_minute=3) as server:
        guests = [await Client.open(server, lang="kk", name=f"guest {n}") for n in range(3)]
        status, body = await refused(server, lang="kk", name="one more")
        assert status == 429
        assert body["error"]["code"] == "too_many_guests"
        # People with tokens are not guests: the flood does not lock them out.
        member = await viewer(server, "u-aigerim", "kk")
        for client in (*guests, member):
            await client.close()


# -- hello -------------------------------------------------------------------------------


async def test_hello_says_who_you_are_and_what_you_receive(server: Server) -> None:
    client = await Client.open(
        server,
        token=make_token(server, "u-aigerim", "viewer", ["kk"], name="Айгерім"),
        lang=["kk", "ru"],
    )
    hello = client.hello
    assert hello["v"] == 1
    assert hello["you"] == {"id": "u-aigerim", "name": "Айгерім", "role": "viewer"}
    assert hello["stream"] == {"id": SHOW, "languages": ["kk", "ru", "uz", "ky", "ug", "zh"]}
    assert hello["langs"] == ["kk", "ru"]
    assert hello["moderates"] == []
    assert hello["last_id"] == SEEDED_LAST_ID
    assert hello["recovered"] is True
    await client.close()


async def test_hello_of_a_moderator_and_a_guest(server: Server) -> None:
    mod = await moderator(server, "mod-kk", "kk", "ru", lang="zh")
    assert mod.hello["you"]["role"] == "moderator"
    assert mod.hello["moderates"] == ["kk", "ru"]
    assert mod.hello["langs"] == ["kk", "ru", "zh"]
    guest = await Client.open(server, lang="uz,ky", name="  Dilnoza   K ")
    assert guest.hello["you"]["name"] == "Dilnoza K"
    assert guest.hello["you"]["id"].startswith("g-")
    assert guest.hello["langs"] == ["ky", "uz"]
    # Comma-separated and repeated `lang` are the same thing.
    again = await Client.open(server, lang=["uz", "ky"], name="Dilnoza K")
    assert again.hello["langs"] == ["ky", "uz"]
    assert again.hello["you"]["id"] == guest.hello["you"]["id"]
    for client in (mod, guest, again):
        await client.close()


# -- routing -----------------------------------------------------------------------------


async def test_a_message_goes_to_its_language_moderators_and_the_streamer(
    server: Server,
) -> None:
    sender = await viewer(server, "u-aigerim", "kk")
    kk_viewer = await viewer(server, "u-bauyrzhan", "kk")
    ru_viewer = await viewer(server, "u-olga", "ru")
    kk_mod = await moderator(server, "mod-kk", "kk")
    boss = await streamer(server)

    ack = await sender.say("Сәлем! Бағасы қанша?")
    assert ack["status"] == "sent"
    for client in (sender, kk_viewer, kk_mod, boss):
        chat = await client.recv_until("chat")
        assert chat["id"] == ack["id"]
        assert chat["lang"] == "kk"
        assert chat["text"] == "Сәлем! Бағасы қанша?"
        assert chat["user"] == {"id": "u-aigerim", "name": "u-aigerim", "role": "viewer"}
        assert chat["ts"] == "2026-11-28T12:00:00Z"
        assert "fallback" not in chat
    await ru_viewer.assert_silent()
    for client in (sender, kk_viewer, ru_viewer, kk_mod, boss):
        await client.close()


async def test_a_language_without_moderator_falls_back_and_staff_are_told(
    server: Server,
) -> None:
    ru_mod = await moderator(server, "mod-ru", "ru")
    await ru_mod.recv_until("notice", code="covered", language="ru")
    boss = await streamer(server)
    kk_viewer = await viewer(server, "u-aigerim", "kk")

    # A kk moderator comes and goes: the staff hear about both.
    kk_mod = await moderator(server, "mod-kk", "kk")
    for staff in (ru_mod, boss):
        await staff.recv_until("notice", code="covered", language="kk")
    await kk_mod.close()
    for staff in (ru_mod, boss):
        uncovered = await staff.recv_until("notice", code="uncovered")
        assert uncovered["language"] == "kk"
        assert uncovered["message"]

    ack = await kk_viewer.say("Жеткізу қанша күн алады?")
    flagged = await ru_mod.recv_until("chat")
    assert flagged["id"] == ack["id"]
    assert flagged["lang"] == "kk"
    assert flagged["fallback"] is True
    assert "fallback" not in await boss.recv_until("chat", id=ack["id"])

    # The fallback moderator may act on the language they cover for.
    await ru_mod.send({"type": "delete", "id": ack["id"], "ref": "d1"})
    assert (await ru_mod.recv_until("mod", ref="d1"))["action"] == "delete"
    for client in (kk_viewer, ru_mod, boss):
        assert (await client.recv_until("deleted"))["id"] == ack["id"]

    # Back to covered: the kk moderator gets the next kk message, the ru one does not.
    kk_mod = await moderator(server, "mod-kk", "kk")
    await ru_mod.recv_until("notice", code="covered", language="kk")
    ack = await kk_viewer.say("Рақмет!")
    assert (await kk_mod.recv_until("chat"))["id"] == ack["id"]
    await ru_mod.assert_silent(ignore=("presence",))
    for client in (ru_mod, boss, kk_viewer, kk_mod):
        await client.close()


async def test_a_message_in_another_language_than_declared_goes_to_that_channel(
    server: Server,
) -> None:
    sender = await viewer(server, "u-marat", "ru")
    kk_viewer = await viewer(server, "u-aigerim", "kk")
    ru_viewer = await viewer(server, "u-olga", "ru")

    await sender.send({"type": "chat", "text": KAZAKH, "ref": "k"})
    notice = await sender.recv_until("notice", code="language_detected")
    assert notice["language"] == "kk"
    assert notice["message"]
    assert (await sender.recv_until("ack", ref="k"))["status"] == "sent"
    chat = await kk_viewer.recv_until("chat")
    assert chat["lang"] == "kk"
    assert chat["declared_lang"] == "ru"
    assert chat["text"] == KAZAKH
    await ru_viewer.assert_silent()

    # Plain Russian stays where it was declared.
    await sender.say(RUSSIAN)
    chat = await ru_viewer.recv_until("chat")
    assert chat["lang"] == "ru"
    assert "declared_lang" not in chat
    for client in (sender, kk_viewer, ru_viewer):
        await client.close()


async def test_the_streamers_broadcast_reaches_every_language(server: Server) -> None:
    boss = await streamer(server)
    viewers = {
        lang: await viewer(server, f"u-{lang}", lang) for lang in ("kk", "ru", "uz", "ug", "zh")
    }
    ack = await boss.say("Всем привет! 大家好!")
    for client in viewers.values():
        chat = await client.recv_until("chat")
        assert chat["id"] == ack["id"]
        assert chat["broadcast"] is True
        assert chat["text"] == "Всем привет! 大家好!"
    for client in (boss, *viewers.values()):
        await client.close()


async def test_the_streamer_writes_each_channel_its_own_text(server: Server) -> None:
    boss = await streamer(server)
    kk_viewer = await viewer(server, "u-aigerim", "kk")
    ru_viewer = await viewer(server, "u-olga", "ru")
    zh_viewer = await viewer(server, "u-wang", "zh")
    texts = {"kk": "Жеңілдік басталды!", "ru": "Скидки начались!", "zh": "优惠开始了！"}
    await boss.send({"type": "chat", "texts": texts, "ref": "t"})
    acks = [await boss.recv_until("ack", ref="t") for _ in texts]
    assert len({a["id"] for a in acks}) == 3
    for lang, client in (("kk", kk_viewer), ("ru", ru_viewer), ("zh", zh_viewer)):
        chat = await client.recv_until("chat")
        assert (chat["lang"], chat["text"]) == (lang, texts[lang])
        await client.assert_silent()
    for client in (boss, kk_viewer, ru_viewer, zh_viewer):
        await client.close()


async def test_only_the_streamer_writes_per_language_texts(server: Server) -> None:
    client = await viewer(server, "u-aigerim", "kk")
    await client.send({"type": "chat", "texts": {"kk": "a", "ru": "b"}, "ref": "t"})
    assert (await client.recv_until("error", ref="t"))["code"] == "forbidden"
    await client.close()


async def test_an_interpreters_reply_goes_into_the_language_it_answers(server: Server) -> None:
    kk_viewer = await viewer(server, "u-aigerim", "kk")
    ru_viewer = await viewer(server, "u-olga", "ru")
    interpreter = await moderator(server, "mod-kk-dana", "kk", "ru")

    question = await kk_viewer.say("Кепілдік бар ма?")
    await interpreter.send(
        {
            "type": "chat",
            "text": "Иә, бір жыл кепілдік бар.",
            "lang": "ru",
            "reply_to": question["id"],
            "ref": "i",
        }
    )
    answer = await interpreter.recv_until("ack", ref="i")
    chat = await kk_viewer.recv_until("chat", id=answer["id"])
    assert chat["lang"] == "kk"
    assert chat["reply_to"] == question["id"]
    assert chat["user"]["role"] == "moderator"
    await ru_viewer.assert_silent()
    for client in (kk_viewer, ru_viewer, interpreter):
        await client.close()


async def test_a_message_naming_a_product_carries_its_sku(server: Server) -> None:
    sender = await viewer(server, "u-olga", "ru")
    await sender.say("А ноутбук ещё есть в наличии?")
    chat = await sender.recv_until("chat")
    assert chat["mentions"] == ["IT-LAP-14"]
    await sender.say("Спасибо, до свидания")
    assert (await sender.recv_until("chat"))["mentions"] == []
    await sender.close()


# -- moderation --------------------------------------------------------------------------


async def test_delete_removes_a_message_everywhere(server: Server) -> None:
    sender = await viewer(server, "u-aigerim", "kk")
    kk_viewer = await viewer(server, "u-bauyrzhan", "kk")
    ru_viewer = await viewer(server, "u-olga", "ru")
    kk_mod = await moderator(server, "mod-kk", "kk")
    boss = await streamer(server)

    kept = await sender.say("Бұл хабар қалады.")
    doomed = await sender.say("Бұл хабар өшіріледі.")
    await kk_mod.send({"type": "delete", "id": doomed["id"], "ref": "del"})
    done = await kk_mod.recv_until("mod", ref="del")
    assert (done["action"], done["id"], done["lang"], done["user"]) == (
        "delete",
        doomed["id"],
        "kk",
        "u-aigerim",
    )
    for client in (sender, kk_viewer, boss):
        assert (await client.recv_until("deleted"))["id"] == doomed["id"]
    await ru_viewer.assert_silent()

    ids = [m["id"] for m in (await get_json(server, f"/api/streams/{SHOW}/chat"))["messages"]]
    assert kept["id"] in ids
    assert doomed["id"] not in ids

    late = await viewer(server, "u-late", "kk", since=kept["id"] - 1)
    assert (await late.recv_until("chat"))["id"] == kept["id"]
    await late.assert_silent()

    log = await audit_actions(server)
    assert [(e["action"], e["actor"], e["message_id"]) for e in log] == [
        ("delete", "mod-kk", doomed["id"])
    ]
    for client in (sender, kk_viewer, ru_viewer, kk_mod, boss, late):
        await client.close()


async def test_a_moderator_cannot_act_on_a_language_they_do_not_moderate(server: Server) -> None:
    ru_viewer = await viewer(server, "u-olga", "ru")
    ru_mod = await moderator(server, "mod-ru", "ru")  # ru is covered: nobody falls back
    kk_mod = await moderator(server, "mod-kk", "kk")
    ack = await ru_viewer.say(RUSSIAN)
    for frame in (
        {"type": "delete", "id": ack["id"], "ref": "x1"},
        {"type": "slow", "lang": "ru", "seconds": 30, "ref": "x2"},
    ):
        await kk_mod.send(frame)
        error = await kk_mod.recv_until("error", ref=frame["ref"])
        assert error["code"] == "forbidden"
        assert error["message"]
    await ru_viewer.recv_until("chat", id=ack["id"])
    await ru_viewer.assert_silent()
    assert await audit_actions(server) == []
    for client in (ru_viewer, ru_mod, kk_mod):
        await client.close()


async def test_a_viewer_cannot_moderate(server: Server) -> None:
    client = await viewer(server, "u-marat", "kk")
    other = await viewer(server, "u-aigerim", "kk")
    held = await other.say("shop-deals.kz арзан")
    frames: list[Frame] = [
        {"type": "delete", "id": SEEDED_LAST_ID},
        {"type": "approve", "id": held["id"]},
        {"type": "reject", "id": held["id"]},
        {"type": "ban", "user": "u-aigerim"},
        {"type": "timeout", "user": "u-aigerim", "seconds": 60},
        {"type": "unban", "user": "u-aigerim"},
        {"type": "slow", "lang": "kk", "seconds": 30},
        {"type": "pin", "sku": "IT-LAP-14"},
    ]
    for n, frame in enumerate(frames):
        await client.send({**frame, "ref": str(n)})
        error = await client.recv_until("error", ref=str(n))
        assert (frame["type"], error["code"]) == (frame["type"], "forbidden")
    await other.assert_silent()
    assert (await other.say("Мен әлі осындамын."))["status"] == "sent"
    assert await audit_actions(server) == []
    await client.close()
    await other.close()


async def test_a_timed_out_viewer_cannot_write_in_any_language(server: Server) -> None:
    target = await Client.open(
        server, token=make_token(server, "u-marat", "viewer", ["kk"]), lang="kk,ru"
    )
    kk_mod = await moderator(server, "mod-kk", "kk")
    await kk_mod.send({"type": "timeout", "user": "u-marat", "seconds": 60, "ref": "t"})
    done = await kk_mod.recv_until("mod", ref="t")
    assert (done["action"], done["user"], done["seconds"]) == ("timeout", "u-marat", 60)
    notice = await target.recv_until("notice", code="timed_out")
    assert notice["seconds"] == 60
    assert notice["message"]
    for lang in ("kk", "ru", "zh"):
        await target.send({"type": "chat", "text": "Неге?", "lang": lang, "ref": lang})
        error = await target.recv_until("error", ref=lang)
        assert error["code"] == "timed_out"
    await kk_mod.assert_silent(ignore=STAFF_CHATTER)
    # The others keep talking.
    other = await viewer(server, "u-aigerim", "kk")
    assert (await other.say("Сәлем"))["status"] == "sent"
    log = await audit_actions(server)
    assert [(e["action"], e["target_user"], e["seconds"]) for e in log] == [
        ("timeout", "u-marat", 60)
    ]
    for client in (target, kk_mod, other):
        await client.close()


async def test_ban_closes_keeps_out_and_unban_lets_back_in(server: Server) -> None:
    target = await viewer(server, "u-spammer", "ru")
    bystander = await viewer(server, "u-olga", "ru")
    ru_mod = await moderator(server, "mod-ru", "ru")
    await ru_mod.send({"type": "ban", "user": "u-spammer", "ref": "b"})
    assert (await ru_mod.recv_until("mod", ref="b"))["action"] == "ban"

    code, frames = await target.closed()
    assert code == 1008
    assert frames[-1]["type"] == "error"
    assert frames[-1]["code"] == "banned"

    again = await viewer(server, "u-spammer", "ru", hello=False)
    code, frames = await again.closed()
    assert code == 1008
    assert [(f["type"], f.get("code")) for f in frames] == [("error", "banned")]
    await bystander.assert_silent()

    await ru_mod.send({"type": "unban", "user": "u-spammer", "ref": "u"})
    assert (await ru_mod.recv_until("mod", ref="u"))["action"] == "unban"
    back = await viewer(server, "u-spammer", "ru")
    assert (await back.say("Извините, больше не буду."))["status"] == "sent"
    assert (await bystander.recv_until("chat"))["user"]["id"] == "u-spammer"

    log = await audit_actions(server)
    assert [(e["action"], e["actor"], e["target_user"]) for e in log] == [
        ("ban", "mod-ru", "u-spammer"),
        ("unban", "mod-ru", "u-spammer"),
    ]
    # The refused connection was never counted as an open one.
    await metric_settles(server, 'livecommerce_chat_connections{role="viewer"} 2.0')
    for client in (bystander, ru_mod, back):
        await client.close()


async def test_moderators_cannot_restrict_staff(server: Server) -> None:
    kk_mod = await moderator(server, "mod-kk", "kk")
    ru_mod = await moderator(server, "mod-ru", "ru")
    await kk_mod.send({"type": "ban", "user": "mod-ru", "ref": "b"})
    assert (await kk_mod.recv_until("error", ref="b"))["code"] == "forbidden"
    assert (await ru_mod.say(RUSSIAN))["status"] == "sent"
    await kk_mod.close()
    await ru_mod.close()


async def test_slow_mode_spaces_viewers_but_not_staff(server: Server) -> None:
    kk_mod = await moderator(server, "mod-kk", "kk")
    first = await viewer(server, "u-aigerim", "kk")
    second = await viewer(server, "u-bauyrzhan", "kk")
    ru_viewer = await viewer(server, "u-olga", "ru")

    await kk_mod.send({"type": "slow", "lang": "kk", "seconds": 30, "ref": "s"})
    assert (await kk_mod.recv_until("mod", ref="s"))["seconds"] == 30
    notice = await first.recv_until("notice", code="slow_mode")
    assert (notice["lang"], notice["seconds"]) == ("kk", 30)

    assert (await first.say("Бірінші"))["status"] == "sent"
    await first.send({"type": "chat", "text": "Екінші", "ref": "again"})
    error = await first.recv_until("error", ref="again")
    assert error["code"] == "slow_mode"
    assert error["message"]
    # Slow mode is per sender and per channel.
    assert (await second.say("Менің бірінші хабарым"))["status"] == "sent"
    assert (await ru_viewer.say(RUSSIAN))["status"] == "sent"
    assert (await ru_viewer.say("И ещё один вопрос"))["status"] == "sent"
    # Staff are exempt.
    assert (await kk_mod.say("Бір"))["status"] == "sent"
    assert (await kk_mod.say("Екі"))["status"] == "sent"
    # A newcomer learns it from hello.
    late = await viewer(server, "u-late", "kk")
    assert late.hello["slow"] == {"kk": 30}

    await kk_mod.send({"type": "slow", "lang": "kk", "seconds": 0, "ref": "off"})
    await kk_mod.recv_until("mod", ref="off")
    assert (await first.recv_until("notice", code="slow_mode_off"))["lang"] == "kk"
    assert (await first.say("Енді болады"))["status"] == "sent"

    log = await audit_actions(server)
    assert [(e["action"], e["lang"], e["seconds"]) for e in log] == [
        ("slow", "kk", 30),
        ("slow", "kk", 0),
    ]
    for client in (kk_mod, first, second, ru_viewer, late):
        await client.close()


async def test_a_link_is_held_until_a_moderator_approves_it(server: Server) -> None:
    sender = await viewer(server, "u-marat", "kk")
    kk_viewer = await viewer(server, "u-aigerim", "kk")
    kk_mod = await moderator(server, "mod-kk", "kk")
    ru_mod = await moderator(server, "mod-ru", "ru")

    ack = await sender.say("смотрите shop-deals.kz", lang="kk")
    assert ack["status"] == "held"
    held = await kk_mod.recv_until("held")
    assert held["id"] == ack["id"]
    assert (held["lang"], held["text"], held["reasons"]) == (
        "kk",
        "смотрите shop-deals.kz",
        ["link"],
    )
    await kk_viewer.assert_silent()
    await ru_mod.assert_silent(ignore=STAFF_CHATTER)
    await sender.assert_silent()

    # A moderator who joins later finds the queue waiting.
    late_mod = await moderator(server, "mod-kk-2", "kk")
    assert (await late_mod.recv_until("held"))["id"] == ack["id"]

    await kk_mod.send({"type": "approve", "id": ack["id"], "ref": "ok"})
    await kk_mod.recv_until("mod", ref="ok")
    assert (await late_mod.recv_until("resolved"))["action"] == "approve"
    chat = await kk_viewer.recv_until("chat")
    assert chat["id"] > ack["id"]
    assert chat["text"] == "смотрите shop-deals.kz"
    sent = await sender.recv_until("ack")
    assert (sent["status"], sent["id"], sent["held_id"]) == ("sent", chat["id"], ack["id"])

    # Approved once is approved: a second approve finds nothing.
    await late_mod.send({"type": "approve", "id": ack["id"], "ref": "again"})
    assert (await late_mod.recv_until("error", ref="again"))["code"] == "not_found"

    log = await audit_actions(server)
    assert [(e["action"], e["actor"], e["message_id"]) for e in log] == [
        ("approve", "mod-kk", ack["id"])
    ]
    for client in (sender, kk_viewer, kk_mod, ru_mod, late_mod):
        await client.close()


async def test_a_rejected_message_never_reaches_viewers(server: Server) -> None:
    sender = await viewer(server, "u-spam", "ru")
    ru_viewer = await viewer(server, "u-olga", "ru")
    ru_mod = await moderator(server, "mod-ru", "ru")

    ack = await sender.say("Лучшее казино, заходите")
    assert ack["status"] == "held"
    held = await ru_mod.recv_until("held")
    assert held["reasons"] == ["blocked_term"]
    await ru_mod.send({"type": "reject", "id": ack["id"], "ref": "no"})
    await ru_mod.recv_until("mod", ref="no")
    rejected = await sender.recv_until("ack")
    assert (rejected["id"], rejected["status"]) == (ack["id"], "rejected")
    await ru_viewer.assert_silent()

    messages = (await get_json(server, f"/api/streams/{SHOW}/chat"))["messages"]
    assert all("казино" not in m["text"] for m in messages)
    log = await audit_actions(server)
    assert [(e["action"], e["message_id"], e["target_user"]) for e in log] == [
        ("reject", ack["id"], "u-spam")
    ]
    for client in (sender, ru_viewer, ru_mod):
        await client.close()


async def test_the_audit_log_records_every_action_in_order(server: Server) -> None:
    kk_mod = await moderator(server, "mod-kk", "kk")
    sender = await viewer(server, "u-marat", "kk")
    plain = await sender.say("Сәлем бәріңе")
    held = await sender.say("казино мұнда", lang="kk")
    assert held["status"] == "held"
    frames: list[Frame] = [
        {"type": "delete", "id": plain["id"]},
        {"type": "reject", "id": held["id"]},
        {"type": "slow", "lang": "kk", "seconds": 10},
        {"type": "timeout", "user": "u-marat", "seconds": 30},
        {"type": "ban", "user": "u-marat"},
        {"type": "unban", "user": "u-marat"},
    ]
    for n, frame in enumerate(frames):
        await kk_mod.send({**frame, "ref": str(n)})
        await kk_mod.recv_until("mod", ref=str(n))
    log = await audit_actions(server)
    assert [e["action"] for e in log] == [
        "delete",
        "reject",
        "slow",
        "timeout",
        "ban",
        "unban",
    ]
    assert {e["actor"] for e in log} == {"mod-kk"}
    assert {e["role"] for e in log} == {"moderator"}
    assert all(e["ts"].replace(tzinfo=NOW.tzinfo) == NOW for e in log)
    await kk_mod.close()


# -- resume ------------------------------------------------------------------------------


async def test_a_reconnecting_client_gets_exactly_what_it_missed(server: Server) -> None:
    reader = await viewer(server, "u-aigerim", "kk")
    kk_writer = await viewer(server, "u-bauyrzhan", "kk")
    ru_writer = await viewer(server, "u-olga", "ru")
    boss = await streamer(server)

    seen = [(await kk_writer.say(f"Бұрын {n}"))["id"] for n in range(2)]
    assert [c["id"] for c in await reader.chats(2)] == seen
    await reader.close()

    missed = []
    missed.append((await kk_writer.say("Сен жоқта 1"))["id"])
    await ru_writer.say("Пока тебя не было")  # not the reader's language
    missed.append((await boss.say("Всем: скидка 10%"))["id"])  # a broadcast
    missed.append((await kk_writer.say("Сен жоқта 2"))["id"])
    await ru_writer.say("Ещё одно")

    back = await viewer(server, "u-aigerim", "kk", since=seen[-1])
    assert back.hello["recovered"] is True
    assert back.hello["last_id"] >= missed[-1]
    live = await kk_writer.say("Қайта келдің бе?")
    frames = [await back.recv() for _ in range(len(missed) + 1)]
    assert [f["type"] for f in frames] == ["chat"] * (len(missed) + 1)
    assert [f["id"] for f in frames] == [*missed, live["id"]]
    assert frames[1]["broadcast"] is True
    await back.assert_silent()
    for client in (kk_writer, ru_writer, boss, back):
        await client.close()


async def test_a_moderator_resumes_the_languages_they_moderate(server: Server) -> None:
    kk_mod = await moderator(server, "mod-kk", "kk", lang="zh")
    hello = kk_mod.hello
    await kk_mod.close()
    kk_viewer = await viewer(server, "u-aigerim", "kk")
    zh_viewer = await viewer(server, "u-wang", "zh")
    uz_viewer = await viewer(server, "u-dilnoza", "uz")
    ids = [
        (await kk_viewer.say("Сәлем"))["id"],
        (await zh_viewer.say("你好，有货吗？"))["id"],
    ]
    await uz_viewer.say("Salom, narxi qancha?")
    back = await moderator(server, "mod-kk", "kk", lang="zh", since=hello["last_id"])
    assert [c["id"] for c in await back.chats(2)] == ids
    await back.assert_silent(ignore=("presence", "notice"))
    for client in (kk_viewer, zh_viewer, uz_viewer, back):
        await client.close()


async def test_since_zero_replays_the_kept_history(server: Server) -> None:
    client = await viewer(server, "u-aigerim", "ug", since=0)
    assert client.hello["recovered"] is True
    frames = [await client.recv() for _ in range(19)]  # the 19 seeded Uyghur lines
    assert {f["lang"] for f in frames} == {"ug"}
    ids = [f["id"] for f in frames]
    assert ids == sorted(ids)
    assert ids[-1] == 124
    await client.assert_silent()
    await client.close()


async def test_a_short_history_says_it_could_not_recover(
    settings: Settings, seeded_store: SqlStore
) -> None:
    async with running(settings, seeded_store, chat_history=3) as server:
        reader = await viewer(server, "u-aigerim", "kk")
        writer = await moderator(server, "mod-kk", "kk")
        last_seen = (await writer.say("Бастадық"))["id"]
        await reader.recv_until("chat", id=last_seen)
        await reader.close()
        sent = [(await writer.say(f"Хабар {n}"))["id"] for n in range(5)]

        back = await viewer(server, "u-aigerim", "kk", since=last_seen)
        assert back.hello["recovered"] is False
        # What the history still holds comes, in order: the last three.
        assert [c["id"] for c in await back.chats(3)] == sent[-3:]
        await back.assert_silent()

        # A client that missed nothing beyond the history is recovered.
        fine = await viewer(server, "u-bauyrzhan", "kk", since=sent[-2])
        assert fine.hello["recovered"] is True
        assert [c["id"] for c in await fine.chats(1)] == sent[-1:]
        for client in (writer, back, fine):
            await client.close()


def history_evicted(metrics: str) -> float:
    """The value of livecommerce_chat_history_evicted_total in a /metrics text."""
    name = "livecommerce_chat_history_evicted_total "
    return next(float(line[len(name) :]) for line in metrics.splitlines() if line.startswith(name))


async def test_history_evictions_are_counted_and_the_messages_stay_in_the_store(
    settings: Settings, seeded_store: SqlStore
) -> None:
    """Pushing a message out of the history in memory loses nothing (the store keeps it),
    so it is counted on /metrics but is no moderation matter: no audit row."""
    async with running(settings, seeded_store, chat_history=3) as server:
        writer = await moderator(server, "mod-kk", "kk")
        # The room is open and its kk channel full (it loaded the newest stored ones).
        before = history_evicted(await get_text(server, "/metrics"))
        sent = [(await writer.say(f"Хабар {n}"))["id"] for n in range(5)]
        # 5 kept, 5 of the oldest pushed out, one per message kept, whatever was loaded
        assert history_evicted(await get_text(server, "/metrics")) == before + 5

        # Only the last three are still in memory; every one is in the store.
        back = await viewer(server, "u-aigerim", "kk", since=sent[0] - 1)
        assert back.hello["recovered"] is False
        assert [c["id"] for c in await back.chats(3)] == sent[-3:]
        stored = await get_json(server, f"/api/streams/{SHOW}/chat")
        assert set(sent) <= {m["id"] for m in stored["messages"]}
        assert all(row["action"] != "evict" for row in await audit_actions(server))
        for client in (writer, back):
            await client.close()


async def test_after_a_restart_resume_knows_what_it_did_not_load(
    settings: Settings, seeded_store: SqlStore
) -> None:
    # With a history of 3 per channel a new room loads the 21 latest stored messages
    # (ids 106-126); the Uyghur line 97 is older than all of them. A client that last
    # saw id 90 has missed it, and must be told so.
    async with running(settings, seeded_store, chat_history=3) as server:
        client = await viewer(server, "u-aigerim", "ug", since=90)
        assert client.hello["recovered"] is False
        assert [c["id"] for c in await client.chats(3)] == [113, 114, 124]
        await client.close()
        fine = await viewer(server, "u-aigerim", "ug", since=110)
        assert fine.hello["recovered"] is True
        assert [c["id"] for c in await fine.chats(3)] == [113, 114, 124]
        await fine.close()


async def test_a_since_beyond_the_last_id_is_not_recovered(server: Server) -> None:
    client = await viewer(server, "u-aigerim", "kk", since=10_000)
    assert client.hello["recovered"] is False
    await client.assert_silent()
    await client.close()


# -- persistence -------------------------------------------------------------------------


async def test_messages_are_kept_and_exported_as_json_and_csv(server: Server) -> None:
    sender = await Client.open(
        server,
        token=make_token(server, "+77011234567", "viewer", ["ru"], name="=HYPERLINK(1)"),
        lang="ru",
    )
    kk_viewer = await viewer(server, "u-aigerim", "kk")
    formula = await sender.say("=1+2")
    phone = await sender.say("+7 701 123 45 67 звоните")
    kazakh = await kk_viewer.say("Жақсы, рақмет!")

    data = await get_json(server, f"/api/streams/{SHOW}/chat")
    assert data["stream"] == SHOW
    rows = {m["id"]: m for m in data["messages"]}
    assert len(rows) == SEEDED_LAST_ID + 3
    assert rows[formula["id"]]["text"] == "=1+2"
    assert rows[formula["id"]]["lang"] == "ru"
    assert rows[formula["id"]]["user"] == "+77011234567"
    assert rows[kazakh["id"]]["text"] == "Жақсы, рақмет!"
    assert rows[kazakh["id"]]["ts"] == "2026-11-28T12:00:00Z"

    text = await get_text(server, f"/api/streams/{SHOW}/chat?format=csv")
    table = {int(r["id"]): r for r in csv.DictReader(io.StringIO(text))}
    assert len(table) == SEEDED_LAST_ID + 3
    assert table[formula["id"]]["text"] == "'=1+2"
    assert table[phone["id"]]["text"] == "'+7 701 123 45 67 звоните"
    assert table[formula["id"]]["name"] == "'=HYPERLINK(1)"
    assert table[formula["id"]]["user"] == "'+77011234567"
    assert table[kazakh["id"]]["text"] == "Жақсы, рақмет!"
    for row in table.values():
        for cell in row.values():
            assert cell[:1] not in ("=", "+", "-", "@"), row
    await sender.close()
    await kk_viewer.close()


async def test_the_export_of_an_unknown_stream_is_404(server: Server) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url("/api/streams/nope/chat")) as response,
    ):
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "not_found"


# -- bad input ---------------------------------------------------------------------------


BAD_FRAMES: list[tuple[Frame | str | bytes, str]] = [
    ("{not json", "bad_json"),
    ('["chat", "hello"]', "bad_json"),
    ('"chat"', "bad_json"),
    ("[" * 5000 + "]" * 5000, "bad_json"),
    ({"type": "dance"}, "unknown_type"),
    ({"text": "no type"}, "unknown_type"),
    ({"type": None}, "unknown_type"),
    ({"type": "chat", "text": 5}, "bad_field"),
    ({"type": "chat", "text": "hi", "lang": ["kk"]}, "bad_field"),
    ({"type": "chat", "text": "hi", "reply_to": "3"}, "bad_field"),
    ({"type": "chat", "text": "hi", "ref": {"x": 1}}, "bad_field"),
    ({"type": "chat", "text": "\ud800"}, "bad_field"),
    ({"type": "chat", "text": "bell \x07"}, "bad_field"),
    ({"type": "chat", "texts": ["kk"]}, "bad_field"),
    ({"type": "chat", "text": "   "}, "empty"),
    ({"type": "chat", "text": "а" * 501}, "too_long"),
    ({"type": "chat", "text": "hi", "lang": "fr"}, "bad_language"),
    ({"type": "subscribe", "langs": "kk"}, "bad_field"),
    ({"type": "subscribe", "langs": ["kk", "fr"]}, "bad_language"),
    ({"type": "delete", "id": "one"}, "bad_field"),
    ({"type": "delete", "id": True}, "bad_field"),
    ({"type": "timeout", "user": "u-x", "seconds": -5}, "bad_field"),
    ({"type": "slow", "lang": "kk"}, "bad_field"),
    (b"\xff\xfe\x00chat", "bad_utf8"),
]


async def test_bad_frames_get_an_error_and_the_connection_stays(server: Server) -> None:
    other = await viewer(server, "u-aigerim", "kk")
    for n, (frame, code) in enumerate(BAD_FRAMES):
        client = await viewer(server, f"u-clumsy-{n}", "kk")
        await client.send(frame)
        error = await client.recv_until("error")
        assert (str(frame)[:40], error["code"]) == (str(frame)[:40], code)
        assert isinstance(error["message"], str)
        assert error["message"]
        await other.assert_silent(seconds=0.05)
        # The connection still works, and so does the room.
        ack = await client.say("Бәрі жақсы")
        assert (await other.recv_until("chat"))["id"] == ack["id"]
        await client.close()
    await other.close()


async def test_a_reply_to_a_message_that_is_gone_is_not_found(server: Server) -> None:
    interpreter = await moderator(server, "mod-kk", "kk")
    await interpreter.send({"type": "chat", "text": "Иә", "reply_to": 999_999, "ref": "r"})
    assert (await interpreter.recv_until("error", ref="r"))["code"] == "not_found"
    assert (await interpreter.say("Иә"))["status"] == "sent"
    await interpreter.close()


async def test_an_error_echoes_the_ref_and_names_the_limit(server: Server) -> None:
    client = await Client.open(
        server, token=make_token(server, "u-olga", "viewer", ["ru"]), locale="ru"
    )
    await client.send({"type": "chat", "text": "а" * 501, "ref": "long-1"})
    error = await client.recv_until("error")
    assert error["ref"] == "long-1"
    assert error["code"] == "too_long"
    assert "500" in error["message"]
    await client.close()


async def test_a_flood_is_rate_limited(server: Server) -> None:
    flooder = await viewer(server, "u-flood", "kk")
    other = await viewer(server, "u-aigerim", "kk")
    burst = server.services.rooms.rules.burst
    for n in range(int(burst) + 3):
        await flooder.send({"type": "chat", "text": f"Хабар {n}", "ref": str(n)})
    statuses = []
    for n in range(int(burst) + 3):
        frame = await flooder.recv_until("ack" if n < burst else "error", ref=str(n))
        statuses.append(frame.get("status") or frame["code"])
    assert statuses == ["sent"] * int(burst) + ["rate_limited"] * 3
    assert len(await other.chats(int(burst))) == int(burst)
    await other.assert_silent()
    # Others are not limited by someone else's flood.
    assert (await other.say("Мен де жаза аламын"))["status"] == "sent"
    await flooder.close()
    await other.close()


async def test_repeated_abuse_closes_with_1008(server: Server) -> None:
    abuser = await viewer(server, "u-abuser", "kk")
    other = await viewer(server, "u-aigerim", "kk")
    limit = server.services.rooms.rules.abuse_limit
    for _ in range(limit + 1):
        await abuser.send("{nope")
    code, frames = await abuser.closed()
    assert code == 1008
    assert len(frames) == limit + 1
    assert {f["code"] for f in frames} == {"bad_json"}
    assert (await other.say("Тыныштық"))["status"] == "sent"
    await other.close()


async def test_a_frame_over_the_size_limit_closes_with_1009(server: Server) -> None:
    big = await viewer(server, "u-big", "kk")
    other = await viewer(server, "u-aigerim", "kk")
    size = server.services.settings.max_frame_bytes
    await big.send(json.dumps({"type": "chat", "text": "x" * size}))
    code, _ = await big.closed()
    assert code == 1009
    assert (await other.say("Әлі тірімін"))["status"] == "sent"
    await other.close()


async def test_a_slow_consumer_is_closed_without_slowing_the_room(
    settings: Settings, seeded_store: SqlStore
) -> None:
    # Long messages of four-byte characters fill the buffers between the server and a
    # client that stopped reading (a few megabytes on loopback) in a few hundred frames.
    async with running(
        settings,
        seeded_store,
        send_queue=20,
        chat_rate=10_000.0,
        chat_burst=10_000,
        max_text=4000,
    ) as server:
        # The slow one reads its hello and never again; websockets stops taking data
        # off its socket once one frame waits unread.
        slow = await viewer(server, "u-slow", "kk", max_queue=1)
        reader = await viewer(server, "u-reader", "kk")
        senders = [await viewer(server, f"u-sender-{n}", "uz") for n in range(2)]
        text = "😀" * 3990
        batch = 10  # small rounds: the slow one is read soon after the server gives up
        for round_ in range(100):
            sender = senders[round_ % len(senders)]
            for n in range(batch):
                frame = {"type": "chat", "text": f"{n} {text}", "lang": "kk", "ref": str(n)}
                await sender.send(json.dumps(frame, ensure_ascii=False))
            acks = [await sender.recv_until("ack", ref=str(n)) for n in range(batch)]
            assert {a["status"] for a in acks} == {"sent"}
            # The reader keeps receiving everything, in order.
            chats = await reader.chats(batch)
            assert [c["id"] for c in chats] == [a["id"] for a in acks]
            metrics = await get_text(server, "/metrics")
            if "livecommerce_chat_slow_consumers_total 1.0" in metrics:
                break
        else:
            pytest.fail("the slow consumer was never closed")

        code, _ = await slow.closed()
        assert code == 1013
        ack = await senders[0].say("Бәрі келді", lang="kk")
        assert (await reader.recv_until("chat"))["id"] == ack["id"]
        await reader.assert_silent()
        for client in (reader, *senders):
            await client.close()


async def test_a_burst_from_one_sender_does_not_make_readers_slow(
    settings: Settings, seeded_store: SqlStore
) -> None:
    # Frames that arrive together are handled together; the readers' outboxes must get
    # to drain in between, or a burst longer than the send queue would close them all.
    async with running(settings, seeded_store, send_queue=20) as server:
        boss = await streamer(server)
        readers = [await viewer(server, f"u-reader-{n}", "kk") for n in range(3)]
        count = 100
        for n in range(count):
            await boss.send({"type": "chat", "text": f"Хабар {n}", "ref": str(n)})
        for reader in readers:
            chats = await reader.chats(count)
            assert [c["text"] for c in chats] == [f"Хабар {n}" for n in range(count)]
        acks = [await boss.recv_until("ack", ref=str(n)) for n in range(count)]
        assert {a["status"] for a in acks} == {"sent"}
        for client in (boss, *readers):
            await client.close()


def _sample(metrics: str, name: str) -> float:
    for line in metrics.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} is not in /metrics")


async def test_frames_due_together_leave_in_one_write(
    settings: Settings, seeded_store: SqlStore
) -> None:
    # A window far longer than the burst takes to arrive: its frames share writes.
    async with running(settings, seeded_store, send_coalesce=1.0) as server:
        boss = await streamer(server)
        reader = await viewer(server, "u-reader", "kk")
        before = await get_text(server, "/metrics")
        count = 20
        for n in range(count):
            await boss.send({"type": "chat", "text": f"Жеңілдік {n}", "ref": str(n)})
        chats = await reader.chats(count)
        assert [c["text"] for c in chats] == [f"Жеңілдік {n}" for n in range(count)]
        for n in range(count):
            await boss.recv_until("ack", ref=str(n))
        after = await get_text(server, "/metrics")
        writes = _sample(after, "livecommerce_chat_socket_writes_total") - _sample(
            before, "livecommerce_chat_socket_writes_total"
        )
        frames = _sample(after, "livecommerce_chat_frames_written_total") - _sample(
            before, "livecommerce_chat_frames_written_total"
        )
        # The reader's 20 chats, the streamer's 20 chats and 20 acks at least.
        assert frames >= 3 * count
        assert 1 <= writes <= frames / 4
        for client in (boss, reader):
            await client.close()


# -- presence ----------------------------------------------------------------------------


async def test_the_api_counts_who_is_in_the_chat(server: Server) -> None:
    empty = await get_json(server, f"/api/streams/{SHOW}")
    assert empty["presence"]["viewers"] == dict.fromkeys(["kk", "ru", "uz", "ky", "ug", "zh"], 0)
    clients = [
        await viewer(server, "u-1", "kk"),
        await viewer(server, "u-2", "kk"),
        await Client.open(server, token=make_token(server, "u-3", "viewer"), lang="ru,zh"),
        await Client.open(server, lang="uz", name="guest"),
        await moderator(server, "mod-kk", "kk"),
    ]
    body = await get_json(server, f"/api/streams/{SHOW}")
    assert body["presence"]["viewers"] == {"kk": 2, "ru": 1, "uz": 1, "ky": 0, "ug": 0, "zh": 1}
    assert body["presence"]["moderators"]["kk"] == 1
    assert body["presence"]["uncovered"] == ["ky", "ru", "ug", "uz", "zh"]
    await clients[0].close()
    await clients[4].close()
    # A client that left is gone from the count once the server has seen it go.

    async def counted_out() -> bool:
        presence = (await get_json(server, f"/api/streams/{SHOW}"))["presence"]
        return bool(presence["viewers"]["kk"] == 1 and presence["moderators"]["kk"] == 0)

    await eventually(counted_out)
    for client in clients[1:4]:
        await client.close()


async def test_moderators_receive_presence(settings: Settings, seeded_store: SqlStore) -> None:
    async with running(settings, seeded_store, presence_interval=0.2) as server:
        mod = await moderator(server, "mod-ru", "ru")
        plain = await viewer(server, "u-olga", "ru")
        # The first count may predate the viewer: wait for one that includes them.
        frame = await mod.recv_until("presence")
        while frame["viewers"]["ru"] == 0:
            frame = await mod.recv_until("presence")
        assert frame["viewers"]["ru"] == 1
        assert frame["moderators"]["ru"] == 1
        assert "ru" not in frame["uncovered"]
        assert "kk" in frame["uncovered"]
        await plain.assert_silent(seconds=0.5)
        await mod.close()
        await plain.close()
