"""Behind the user's own load balancer: the client's address comes from X-Forwarded-For,
but only when the request comes from a listed proxy (anyone else could claim any address)."""

from __future__ import annotations

import pytest

from livecommerce.config import Settings, load
from livecommerce.errors import ConfigError
from livecommerce.store import SqlStore
from livecommerce.web.middlewares import client_address
from tests.helpers.chat import Client, refused, running

PROXY = ("127.0.0.1/32", "10.0.0.0/8")


@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies", "expected"),
    [
        ("127.0.0.1", "203.0.113.5", PROXY, "203.0.113.5"),
        # A client's own claim sits at the left; our proxies append at the right.
        ("127.0.0.1", "198.51.100.1, 203.0.113.5", PROXY, "203.0.113.5"),
        ("127.0.0.1", "203.0.113.5, 10.1.2.3", PROXY, "203.0.113.5"),
        ("127.0.0.1", "2001:db8::7", PROXY, "2001:db8::7"),
        # Not from a proxy: the header is anyone's, ignored.
        ("192.0.2.9", "203.0.113.5", PROXY, "192.0.2.9"),
        ("127.0.0.1", "203.0.113.5", (), "127.0.0.1"),
        # Garbage, only proxies, or too long: the peer's address stays.
        ("127.0.0.1", "<script>", PROXY, "127.0.0.1"),
        ("127.0.0.1", "203.0.113.5, not-an-ip", PROXY, "127.0.0.1"),
        ("127.0.0.1", "10.0.0.1, 10.0.0.2", PROXY, "127.0.0.1"),
        ("127.0.0.1", "1.1.1.1," * 400, PROXY, "127.0.0.1"),
        ("127.0.0.1", None, PROXY, "127.0.0.1"),
    ],
)
def test_the_client_address(
    remote: str, forwarded: str | None, proxies: tuple[str, ...], expected: str
) -> None:
    assert client_address(remote, forwarded, proxies) == expected


def test_proxies_are_checked_when_settings_load() -> None:
    settings = load(environ={"LIVECOMMERCE_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1"})
    assert settings.trusted_proxies == ("10.0.0.0/8", "127.0.0.1/32")
    for bad in ("10.0.0.0/33", "localhost", "10.0.0.1;rm -rf /"):
        with pytest.raises(ConfigError) as caught:
            load(environ={"LIVECOMMERCE_TRUSTED_PROXIES": bad})
        assert "trusted_proxies" in str(caught.value)


async def test_limits_and_guests_count_the_forwarded_address(
    settings: Settings, seeded_store: SqlStore
) -> None:
    async with running(
        settings, seeded_store, trusted_proxies=("127.0.0.1/32",), connections_per_ip=2
    ) as server:

        def via(address: str) -> dict[str, str]:
            return {"X-Forwarded-For": address}

        first = await Client.open(
            server, lang="kk", name="Дана", additional_headers=via("203.0.113.5")
        )
        second = await Client.open(
            server, lang="kk", name="Дана", additional_headers=via("203.0.113.5")
        )
        status, body = await refused(server, headers=via("203.0.113.5"), lang="kk", name="Дана")
        assert status == 429
        assert body["error"]["code"] == "too_many_connections"
        # Another client behind the same proxy is another address, and another guest
        # even with the same name.
        other = await Client.open(
            server, lang="kk", name="Дана", additional_headers=via("203.0.113.6")
        )
        assert other.hello["you"]["id"] != first.hello["you"]["id"]
        assert second.hello["you"]["id"] == first.hello["you"]["id"]
        for client in (first, second, other):
            await client.close()


async def test_a_forwarded_header_from_anyone_else_changes_nothing(
    settings: Settings, seeded_store: SqlStore
) -> None:
    async with running(settings, seeded_store, connections_per_ip=2) as server:
        clients = [
            await Client.open(
                server,
                lang="kk",
                name="Дана",
                additional_headers={"X-Forwarded-For": f"203.0.113.{n}"},
            )
            for n in range(2)
        ]
        # Both count for 127.0.0.1, whatever they claim.
        assert clients[0].hello["you"]["id"] == clients[1].hello["you"]["id"]
        status, _ = await refused(server, headers={"X-Forwarded-For": "203.0.113.9"}, lang="kk")
        assert status == 429
        for client in clients:
            await client.close()
