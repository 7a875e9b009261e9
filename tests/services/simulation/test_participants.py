"""A simulated participant across a drop: it resumes with `since` and sends again, with
the same `ref`, what the server took but never answered. The server is a real aiohttp
websocket endpoint on a loopback port that drops the first connection after reading a
frame, as a server killed mid-message would."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import WSMsgType, web

from livecommerce.services.simulation.participants import Frame, Participant
from tests.conftest import serving


async def test_an_unanswered_frame_goes_out_again_with_its_ref_after_a_drop() -> None:
    heard: list[tuple[int, dict[str, Any], str | None]] = []  # connection, frame, since

    async def endpoint(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        connection = len({c for c, _, _ in heard}) + 1
        await ws.send_json({"type": "hello", "last_id": 41 if connection == 1 else 42})
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                break
            frame = json.loads(message.data)
            heard.append((connection, frame, request.query.get("since")))
            if connection == 1:
                await ws.close()  # took it, never answered
                break
            await ws.send_json({"type": "chat", "id": 42, "lang": "kk", "mentions": []})
            await ws.send_json({"type": "ack", "id": 42, "status": "sent", "ref": frame["ref"]})
        return ws

    app = web.Application()
    app.router.add_get("/ws", endpoint)
    answers: list[Frame] = []
    async with serving(app) as server:
        url = server.base.replace("http", "ws") + "/ws?lang=kk"

        def on_frame(who: Participant, frame: Frame) -> None:
            if frame["type"] == "ack":
                who.answered(frame["ref"])
                answers.append(frame)

        person = Participant("v1", url, on_frame)
        running = asyncio.create_task(person.run())
        ref = person.send({"type": "chat", "text": "Бағасы қанша?"})
        async with asyncio.timeout(20):
            while not answers:  # noqa: ASYNC110 - the participant's own task
                await asyncio.sleep(0.01)
        person.stop()
        async with asyncio.timeout(10):
            await running

    assert [(c, f["ref"], f["text"]) for c, f, _ in heard] == [
        (1, ref, "Бағасы қанша?"),
        (2, ref, "Бағасы қанша?"),
    ]
    assert [since for _, _, since in heard] == [None, "41"]  # resumed after what it saw
    assert answers == [{"type": "ack", "id": 42, "status": "sent", "ref": ref}]
    assert person.resent == 1
    assert person.reconnects == 1
    assert person.pending == {}
    assert person.since == 42
