"""Running the server (`livecommerce.web.server`, as `serve` runs it): nothing acknowledged
is lost when it is stopped mid-show. Chat messages and the product mentions they carry
are flushed on SIGTERM, and are there after a restart."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from websockets.asyncio.client import connect

from tests.conftest import SEEDS
from tests.helpers import serve

SHOW = "khorgos-it-2026-11-20"
LINES = [
    ("kk", "Ноутбук бар ма? Бағасы қанша?"),
    ("ru", "Сколько стоит роутер?"),
    ("zh", "这个笔记本电脑多少钱"),
    ("ru", "А SSD на 1 ТБ есть?"),
]


def _args(data: Path) -> tuple[str, ...]:
    return (
        "--port",
        "0",
        "--set",
        "data_dir",
        str(data),
        "--set",
        "seeds_dir",
        str(SEEDS),
        "--set",
        "chat_burst",
        "1000",
    )


async def _talk(server: serve.Serving, rounds: int) -> list[int]:
    """Send `rounds` × the lines as guests; the ids the server acknowledged."""
    acked: list[int] = []
    url = server.url(f"/ws/streams/{SHOW}?name=buyer&lang=kk,ru,zh").replace("http", "ws", 1)
    async with connect(url) as ws:
        await ws.recv()  # hello
        for n in range(rounds):
            for lang, text in LINES:
                await ws.send(
                    json.dumps({"type": "chat", "text": text, "lang": lang, "ref": str(n)})
                )
        while len(acked) < rounds * len(LINES):
            frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if frame["type"] == "ack":
                assert frame["status"] == "sent", frame
                acked.append(frame["id"])
    return acked


async def test_sigterm_mid_show_loses_nothing_acknowledged(tmp_path: Path) -> None:
    data = tmp_path / "var"
    async with serve.served({}, *_args(data)) as server:
        acked = await _talk(server, rounds=25)
    assert server.process.returncode == 0, server.output()

    with sqlite3.connect(data / "livecommerce.db") as db:
        stored = {
            row[0]
            for row in db.execute(
                "SELECT id FROM chat_messages WHERE show_id = ? AND id > 126", (SHOW,)
            )
        }
        mentions = db.execute(
            "SELECT COUNT(*) FROM mentions WHERE show_id = ? AND message_id > 126", (SHOW,)
        ).fetchone()[0]
    assert stored == set(acked)
    # Each round names the laptop twice (kk, zh), the router and the SSD once each.
    assert mentions == 25 * 4

    # After a restart the room continues the ids and replays what a client missed.
    async with serve.served({}, *_args(data)) as again:
        more = await _talk(again, rounds=1)
    assert min(more) > max(acked)
