"""The terminal client as its readers meet it, over the real protocol: presence shown
when it changes, /help by role, `/to` into one channel, the moderation log by name."""

from __future__ import annotations

from typing import Any

from livecommerce.cli.chat.rendering import render
from livecommerce.config import Settings
from livecommerce.core.models import Role
from livecommerce.store import SqlStore
from tests.cli.chat.conftest import CHINESE, EN, ws_url
from tests.cli.chat.test_session import Recorder, chatting, issue
from tests.conftest import Server
from tests.helpers.chat import running

MODERATION = ("/delete", "/approve", "/reject", "/timeout", "/ban", "/unban", "/slow", "/move")


def presences(out: Recorder) -> list[dict[str, Any]]:
    return [f for f in out.frames if f["type"] == "presence"]


async def test_presence_is_shown_only_when_it_changes(
    settings: Settings, seeded_store: SqlStore
) -> None:
    async with running(settings, seeded_store, presence_interval=0.2) as server:
        watcher = issue(server, Role.MODERATOR, "Oleg", ("kk",))
        reader = issue(server, Role.MODERATOR, "Asel", ("ru",))
        # A raw client (for scripts) gets every round; the people's client, the changes.
        async with (
            chatting(ws_url(server), token=watcher) as raw,
            chatting(ws_url(server), token=reader, raw=False) as people,
        ):
            await people.out.until(lambda r: len(presences(r)) == 1)
            rounds = len(presences(raw.out))
            await raw.out.until(lambda r: len(presences(r)) >= rounds + 3)
            # Three more rounds of the same counts: nothing more shown.
            assert len(presences(people.out)) == 1
            (shown,) = presences(people.out)
            assert (shown["moderators"]["kk"], shown["moderators"]["ru"]) == (1, 1)
            async with chatting(ws_url(server), name="Ахмет", langs=("ug",)):
                # A viewer came: the count changed, and is shown once.
                await people.out.until(lambda r: any(p["viewers"]["ug"] for p in presences(r)))
                rounds = len(presences(raw.out))
                await raw.out.until(lambda r: len(presences(r)) >= rounds + 2)
                assert len(presences(people.out)) == 2


async def test_a_viewers_help_lists_what_a_viewer_may_do(server: Server) -> None:
    async with chatting(ws_url(server), name="Bob", langs=("ru",)) as viewer:
        await viewer.type("/help")
        await viewer.out.status_with("/quit")
        shown = "\n".join(text for _, text in viewer.out.statuses)
        for syntax in ("/lang", "/reply", "/to", "/help", "/quit"):
            assert syntax in shown
        for syntax in (*MODERATION, "/pin", "/unpin"):
            assert syntax not in shown


async def test_staff_see_their_own_commands_in_help(server: Server) -> None:
    moderator = issue(server, Role.MODERATOR, "Asel", ("ru",))
    streamer = issue(server, Role.STREAMER, "Khorgos IT")
    async with (
        chatting(ws_url(server), token=moderator) as mod,
        chatting(ws_url(server), token=streamer) as lead,
    ):
        for chatter in (mod, lead):
            await chatter.type("/help")
            await chatter.out.status_with("/quit")
        mod_help = "\n".join(text for _, text in mod.out.statuses)
        lead_help = "\n".join(text for _, text in lead.out.statuses)
        assert all(syntax in mod_help for syntax in (*MODERATION, "/to", "/quit"))
        assert "/pin" not in mod_help  # pinning is the streamer's
        assert all(syntax in lead_help for syntax in (*MODERATION, "/pin", "/unpin"))


async def test_to_zh_writes_to_the_zh_channel_only(server: Server) -> None:
    async with (
        chatting(ws_url(server), name="Ахмет", langs=("ug",)) as ug,
        chatting(ws_url(server), name="Ли", langs=("zh",)) as zh,
        chatting(ws_url(server), name="Оля", langs=("ru",)) as ru,
        chatting(ws_url(server), name="Дина", langs=("ug", "zh", "ru")) as writer,
    ):
        for text in (CHINESE, "ok"):  # Chinese, and a line no detector can place
            await writer.type(f"/to zh {text}")
            sent = await zh.out.frame_where(type="chat", text=text)
            assert sent["lang"] == "zh"
            assert "declared_lang" not in sent  # nothing overrode the writer's choice
            assert (await writer.out.frame_where(type="chat", text=text))["lang"] == "zh"
            ack = await writer.out.frame_where(type="ack", id=sent["id"])
            assert ack["status"] == "sent"
        # The writer's next lines reach the other channels: the Chinese ones never did.
        await writer.type("/to ru Сколько стоит?")
        await ru.out.frame_where(type="chat", text="Сколько стоит?")
        await writer.type("/to ug باھاسى قانچە؟")
        await ug.out.frame_where(type="chat", text="باھاسى قانچە؟")
        for other in (ug, ru):
            assert {f["text"] for f in other.out.frames if f["type"] == "chat"}.isdisjoint(
                {CHINESE, "ok"}
            )
        assert not [f for f in writer.out.frames if f["type"] == "notice"]


async def test_the_moderation_log_names_people(server: Server) -> None:
    moderator = issue(server, Role.MODERATOR, "Asel", ("ru",))
    async with (
        chatting(ws_url(server), token=moderator) as mod,
        chatting(ws_url(server), name="Гость Борис", langs=("ru",)) as guest,
    ):
        guest_id = guest.out.frames[0]["you"]["id"]
        said = await guest.say("Сколько стоит доставка?")
        await guest.say("Алло?")
        await mod.type(f"/timeout {guest_id} 5m")
        timed = await mod.out.frame_where(type="mod", action="timeout")
        # The frame names both people, and keeps the ids for what takes them.
        assert timed["by"]["name"] == "Asel"
        assert timed["target"] == {"id": guest_id, "name": "Гость Борис"}
        assert timed["user"] == guest_id
        line = render(timed, EN).plain
        assert line.startswith("Asel timed out")
        assert "Гость Борис" in line
        assert f"[{guest_id}]" in line  # what /unban takes, beside the name
        await mod.type(f"/delete {said}")
        deleted = await mod.out.frame_where(type="mod", action="delete", id=said)
        assert deleted["target"]["name"] == "Гость Борис"
    # Gone from the room: unbanned by id, still named from their last message.
    async with chatting(ws_url(server), token=moderator) as mod:
        await mod.type(f"/unban {guest_id}")
        lifted = await mod.out.frame_where(type="mod", action="unban")
        assert lifted["target"] == {"id": guest_id, "name": "Гость Борис"}
