"""The websocket's Origin check: a browser page of another website may not open the chat,
unless `allowed_origins` names it; clients that send no Origin are not checked."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect

from livecommerce.config import Settings, check, table
from livecommerce.errors import ConfigError
from livecommerce.store import SqlStore
from livecommerce.web.relay import origin_allowed
from tests.conftest import Server
from tests.helpers.chat import TIMEOUT, Client, refused, running, ws_url


async def test_a_page_of_another_website_is_refused_before_the_upgrade(server: Server) -> None:
    for origin in ("https://evil.example", "null", "http://127.0.0.1.evil.example", "junk"):
        status, body = await refused(server, headers={"Origin": origin}, name="Гость")
        assert status == 403
        assert body["error"]["code"] == "origin_not_allowed"
        assert body["error"]["message"] == "Pages of this website may not open this chat."


async def test_the_servers_own_pages_and_clients_without_origin_are_let_in(
    server: Server,
) -> None:
    own = server.base  # http://127.0.0.1:PORT, the Host the request is sent to
    async with connect(
        ws_url(server, name="Гость"), open_timeout=TIMEOUT, additional_headers={"Origin": own}
    ) as ws:
        assert '"hello"' in str(await ws.recv())
    plain = await Client.open(server, name="Гость")  # the terminal client sends no Origin
    assert plain.hello["type"] == "hello"
    await plain.close()


async def test_listed_origins_and_the_star(settings: Settings, seeded_store: SqlStore) -> None:
    async with running(settings, seeded_store, allowed_origins=("https://shop.example",)) as shop:
        async with connect(
            ws_url(shop, name="Гость"),
            open_timeout=TIMEOUT,
            additional_headers={"Origin": "https://SHOP.example:443"},
        ) as ws:
            assert '"hello"' in str(await ws.recv())
        status, _ = await refused(shop, headers={"Origin": "https://other.example"})
        assert status == 403
    async with (
        running(settings, seeded_store, allowed_origins=("*",)) as anyone,
        connect(
            ws_url(anyone, name="Гость"),
            open_timeout=TIMEOUT,
            additional_headers={"Origin": "https://other.example"},
        ) as ws,
    ):
        assert '"hello"' in str(await ws.recv())


@pytest.mark.parametrize(
    ("origin", "host", "allowed", "expected"),
    [
        ("http://localhost:8080", "localhost:8080", (), True),
        ("https://chat.example", "chat.example", (), True),
        ("https://chat.example:443", "chat.example", (), True),
        ("https://chat.example", "chat.example:8443", (), False),
        ("http://localhost:8081", "localhost:8080", (), False),
        ("https://shop.example", "chat.example", ("https://shop.example",), True),
        ("https://shop.example", "chat.example", (), False),
        ("null", "chat.example", (), False),
        ("null", "chat.example", ("*",), True),
        ("https://user@chat.example", "chat.example", (), False),
    ],
)
def test_origin_allowed(origin: str, host: str, allowed: tuple[str, ...], expected: bool) -> None:
    assert origin_allowed(origin, host, allowed) is expected


def test_the_setting_reads_origins_and_refuses_what_is_not_one() -> None:
    row = next(r for r in table() if r.name == "allowed_origins")
    assert check(row, "https://Shop.example, http://localhost:8080/", "env") == (
        "https://shop.example",
        "http://localhost:8080",
    )
    assert check(row, ["*"], "file") == ("*",)
    assert check(row, "", "env") == ()
    for bad in ("ftp://x.example", "https://x.example/path", "x.example", "https://x.example?q"):
        with pytest.raises(ConfigError):
            check(row, bad, "env")
