"""Opening hours over a real server: chat refused outside them, history still readable,
and the report left as it was by what comes after the close (issue 11, item 4).

The `settings` fixture turns the hours off (the demo world chats in its finished show);
these tests turn them on.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from livecommerce.config import Settings
from livecommerce.core.models import ChatMessage, Mention, MentionSource, Role
from livecommerce.store import SqlStore
from tests.conftest import NOW
from tests.helpers.chat import SHOW, Client, get_json, make_token, running

STARTS = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)
ENDS = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
UPCOMING = "jiangxi-kitchen-2026-12-10"


async def test_a_finished_show_refuses_chat_but_serves_history(
    settings: Settings, seeded_store: SqlStore
) -> None:
    async with running(settings, seeded_store, chat_opening_hours=True) as server:
        token = make_token(server, "u-late", "viewer", ["ru"])
        client = await Client.open(server, token=token, lang="ru", since=0, locale="ru")
        replayed = await client.recv_until("chat")  # the history is still there
        assert replayed["lang"] in ("ru",) or replayed.get("broadcast")
        await client.send({"type": "chat", "text": "ещё продаёте?", "ref": "late"})
        refused = await client.recv_until("error", ref="late")
        assert refused["code"] == "show_closed"
        assert refused["message"] == "Этот эфир закончился: его чат закрыт."
        messages = (await get_json(server, f"/api/streams/{SHOW}/chat"))["messages"]
        assert "ещё продаёте?" not in [m["text"] for m in messages]
        await client.close()


async def test_a_future_show_is_not_open_yet(settings: Settings, seeded_store: SqlStore) -> None:
    async with running(settings, seeded_store, chat_opening_hours=True) as server:
        token = make_token(server, "u-early", "viewer", ["kk"], stream=UPCOMING)
        client = await Client.open(server, stream=UPCOMING, token=token, lang="kk", locale="kk")
        await client.send({"type": "chat", "text": "сәлем", "ref": "early"})
        refused = await client.recv_until("error", ref="early")
        assert refused["code"] == "show_not_open"
        assert refused["message"] == "Бұл эфирдің чаты әлі ашылған жоқ."
        await client.close()


async def test_the_chat_opens_before_the_start(settings: Settings, seeded_store: SqlStore) -> None:
    opening = STARTS - timedelta(minutes=10)  # within chat_opens_before (15 minutes)
    async with running(
        settings, seeded_store, clock=lambda: opening, chat_opening_hours=True
    ) as server:
        token = make_token(
            server, "u-early", "viewer", ["ru"], expires=int(opening.timestamp()) + 3600
        )
        client = await Client.open(server, token=token, lang="ru")
        assert (await client.say("здравствуйте"))["status"] == "sent"
        await client.close()


async def report(server: Any) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url(f"/api/streams/{SHOW}/report")) as response,
    ):
        assert response.status == 200, await response.text()
        data: dict[str, Any] = await response.json()
        return data


async def test_a_late_message_does_not_change_the_closed_shows_report(
    settings: Settings, seeded_store: SqlStore
) -> None:
    # What reached the store after the close (a process of before this change, a message
    # decided on the close's edge): a question naming a product, and its mention.
    async with running(settings, seeded_store, chat_opening_hours=True) as server:
        before = await report(server)
        late = ENDS + timedelta(hours=1)
        question = ChatMessage(
            SHOW,
            9_000,
            late,
            "ru",
            "u-late",
            "Late",
            Role.VIEWER,
            "IT-TAB-11 ещё есть?",
            mentions=("IT-TAB-11",),
        )
        await seeded_store.add_chat_messages([question])
        await seeded_store.add_mentions(
            [Mention(SHOW, "IT-TAB-11", MentionSource.CHAT, "ru", late, 9_000)]
        )
        after = await report(server)
        assert after == before
        exported = await get_json(server, f"/api/streams/{SHOW}/chat")
        assert 9_000 not in [m["id"] for m in exported["messages"]]
        assert exported["messages"]  # the show's own chat is all there
    # The same store read with the hours off counts them: the filter is what keeps them out.
    async with running(settings, seeded_store, chat_opening_hours=False) as server:
        counted = await report(server)
        assert 9_000 in [q["message_id"] for q in counted["questions"]]
        assert counted != before
        exported = await get_json(server, f"/api/streams/{SHOW}/chat")
        assert 9_000 in [m["id"] for m in exported["messages"]]
    assert late < NOW
