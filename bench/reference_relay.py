"""A reference chat relay: the least a relay can do, to measure livecommerce against.

It speaks enough of protocol v1 for the benchmark's clients (`hello`, `chat`, `ack`) and
does only language-group broadcast: each connection joins the groups of its `lang`
query parameters; a chat frame from a client is encoded once (JSON and websocket
header) and the same bytes are written to every transport of the message's language
group, without awaiting per recipient. No tokens, moderation, history, storage,
language detection or localization.

Run on its own: `python bench/reference_relay.py [--host 127.0.0.1] [--port 0]`; it
prints `serving on http://HOST:PORT` once it listens.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import signal
import struct
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

# A transport that has this much unsent is a slow consumer: cut, as the real relay does.
MAX_BUFFER = 4 * 1024 * 1024


def frame_bytes(text: str) -> bytes:
    """One unmasked websocket text frame (server to client), header and payload."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 65536:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


class Hub:
    """Language groups of open transports, and the next message id."""

    def __init__(self) -> None:
        self.groups: dict[str, set[asyncio.Transport]] = {}
        self.ids = itertools.count(1)
        self.cut = 0

    def broadcast(self, lang: str, data: bytes) -> None:
        slow: list[asyncio.Transport] = []
        for transport in self.groups.get(lang, ()):
            transport.write(data)
            if transport.get_write_buffer_size() > MAX_BUFFER:
                slow.append(transport)
        for transport in slow:
            self.cut += 1
            self.drop(transport)
            transport.abort()

    def drop(self, transport: asyncio.Transport) -> None:
        for group in self.groups.values():
            group.discard(transport)


HUB = web.AppKey("hub", Hub)


def _langs(values: list[str]) -> list[str]:
    found: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip().lower()
            if part and part not in found:
                found.append(part)
    return found


async def websocket(request: web.Request) -> web.StreamResponse:
    hub = request.app[HUB]
    langs = _langs(request.query.getall("lang", [])) or ["ru"]
    name = request.query.get("name", "guest")[:32]
    user = {"id": f"g-{name}", "name": name, "role": "viewer"}
    ws = web.WebSocketResponse(compress=False, max_msg_size=16384)
    await ws.prepare(request)
    transport = request.transport
    if transport is None:
        return ws
    hello = {
        "type": "hello",
        "v": 1,
        "you": user,
        "stream": {"id": request.match_info["stream"], "languages": langs},
        "langs": langs,
    }
    await ws.send_str(json.dumps(hello, ensure_ascii=False, separators=(",", ":")))
    for lang in langs:
        hub.groups.setdefault(lang, set()).add(transport)
    try:
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                continue
            try:
                data: Any = json.loads(message.data)
            except ValueError:
                continue
            if not isinstance(data, dict) or data.get("type") != "chat":
                continue
            lang = data.get("lang") if data.get("lang") in langs else langs[0]
            message_id = next(hub.ids)
            chat = {
                "type": "chat",
                "id": message_id,
                "lang": lang,
                "text": str(data.get("text", ""))[:500],
                "user": user,
                "ts": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "mentions": [],
            }
            hub.broadcast(
                str(lang), frame_bytes(json.dumps(chat, ensure_ascii=False, separators=(",", ":")))
            )
            ack: dict[str, Any] = {"type": "ack", "id": message_id, "status": "sent"}
            if isinstance(data.get("ref"), str):
                ack["ref"] = data["ref"]
            if not transport.is_closing():
                transport.write(frame_bytes(json.dumps(ack, separators=(",", ":"))))
    finally:
        hub.drop(transport)
    return ws


def create_app() -> web.Application:
    app = web.Application()
    app[HUB] = Hub()
    app.router.add_get("/ws/streams/{stream}", websocket)
    return app


async def serve(host: str, port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(create_app(), handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024)
    await site.start()
    bound_host, bound_port = runner.addresses[0][:2]
    print(f"serving on http://{bound_host}:{bound_port}", flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
