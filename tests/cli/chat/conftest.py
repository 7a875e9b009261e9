"""What the chat client's tests share: a stream of the seeded world, sample texts in
the scripts the client must keep intact, and addresses on the test server."""

from __future__ import annotations

from typing import Any

from livecommerce.i18n import Localizer
from tests.conftest import Server

STREAM = "khorgos-it-2026-11-20"
EN = Localizer("en", "UTC")
WAIT = 15.0
FSI, PDI = "\u2068", "\u2069"
UYGHUR = "ياخشىمۇسىز، باھاسى قانچە؟"
CHINESE = "这台笔记本多少钱？"


def chat_frame(**fields: Any) -> dict[str, Any]:
    """A chat message as the relay sends it, with `fields` changed."""
    return {
        "type": "chat",
        "id": 41,
        "lang": "ru",
        "text": "Сколько стоит ноутбук?",
        "user": {"id": "g-1", "name": "Айгерим", "role": "viewer"},
        "ts": "2026-11-20T13:05:00Z",
        "mentions": [],
        **fields,
    }


def ws_url(server: Server, stream: str = STREAM, port: int | None = None) -> str:
    base = server.base.replace("http://", "ws://")
    if port is not None:
        base = f"ws://127.0.0.1:{port}"
    return f"{base}/ws/streams/{stream}"
