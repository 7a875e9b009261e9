"""Nothing acknowledged is lost when the server is stopped mid-show: chat messages and
the product mentions they carry are flushed on SIGTERM, and are there after a restart."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from websockets.asyncio.client import connect

from tests.cli.test_main import _free_port, _wait_for_line
from tests.conftest import SEEDS

SHOW = "khorgos-it-2026-11-20"
LINES = [
    ("kk", "Ноутбук бар ма? Бағасы қанша?"),
    ("ru", "Сколько стоит роутер?"),
    ("zh", "这个笔记本电脑多少钱"),
    ("ru", "А SSD на 1 ТБ есть?"),
]


def _serve(data: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "livecommerce",
            "serve",
            "--port",
            str(port),
            "--set",
            "data_dir",
            str(data),
            "--set",
            "seeds_dir",
            str(SEEDS),
            "--set",
            "chat_burst",
            "1000",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LANG": "C.UTF-8"},
    )


async def _talk(port: int, rounds: int) -> list[int]:
    """Send `rounds` × the lines as guests; the ids the server acknowledged."""
    acked: list[int] = []
    url = f"ws://127.0.0.1:{port}/ws/streams/{SHOW}?name=buyer&lang=kk,ru,zh"
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


def test_sigterm_mid_show_loses_nothing_acknowledged(tmp_path: Path) -> None:
    data = tmp_path / "var"
    port = _free_port()
    server = _serve(data, port)
    try:
        _wait_for_line(server, "/api/streams")
        acked = asyncio.run(_talk(port, rounds=25))
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=60)
    assert server.returncode == 0, err

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
    port = _free_port()
    again = _serve(data, port)
    try:
        _wait_for_line(again, "/api/streams")
        more = asyncio.run(_talk(port, rounds=1))
    finally:
        again.send_signal(signal.SIGTERM)
        again.communicate(timeout=60)
    assert min(more) > max(acked)
