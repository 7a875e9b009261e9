"""Who a guest is: an id that says nothing of its address, and restrictions that hold for
its address whatever name it takes; rate limits per person, not per connection.

Real `websockets` clients against a real server; every client here comes from 127.0.0.1,
so two guests with different names are the same person at one address.
"""

from __future__ import annotations

import hashlib
import ipaddress

from livecommerce.web.relay import guest_keys
from tests.conftest import Server
from tests.helpers.chat import KAZAKH, Client, moderator, viewer

LOOPBACK = "127.0.0.1"


async def test_a_guest_id_is_a_keyed_hash_that_does_not_give_the_address_away(
    server: Server,
) -> None:
    guest = await Client.open(server, lang="kk", name="Айгерим")
    other = await Client.open(server, lang="kk", name="Бауыржан")
    ids = [guest.hello["you"]["id"], other.hello["you"]["id"]]
    secret = server.services.secret
    assert ids == [
        guest_keys(secret, LOOPBACK, "Айгерим")[0],
        guest_keys(secret, LOOPBACK, "Бауыржан")[0],
    ]
    assert ids[0] != ids[1]
    # The attack on the old id: hash every address of a network with the name and
    # compare. Without the server's secret no address matches.
    for address in ipaddress.ip_network("127.0.0.0/24"):
        for name, shown in zip(("Айгерим", "Бауыржан"), ids, strict=True):
            digest = hashlib.sha256(f"{address}|{name}".encode()).hexdigest()
            assert not shown.endswith(digest[:12])
    # The address key stays on the server: it appears in nothing the room is sent.
    address_key = guest_keys(secret, LOOPBACK, "Айгерим")[1]
    assert address_key not in str(guest.hello)
    await guest.send({"type": "chat", "text": KAZAKH, "ref": "a"})
    seen = await other.recv_until("chat")
    assert seen["user"]["id"] == ids[0]
    assert address_key not in str(seen)
    for client in (guest, other):
        await client.close()


def test_guest_keys_are_per_secret_and_an_ipv6_guest_is_known_by_its_network() -> None:
    one, two = b"a" * 32, b"b" * 32
    assert guest_keys(one, "203.0.113.7", "x") != guest_keys(two, "203.0.113.7", "x")
    user_a, address_a = guest_keys(one, "2001:db8::1", "x")
    user_b, address_b = guest_keys(one, "2001:db8::ffff:2", "y")
    assert address_a == address_b  # one /64: one person's many addresses
    assert user_a != user_b
    assert guest_keys(one, "2001:db8:0:1::1", "x")[1] != address_a
    # An IPv4 address seen through an IPv6 socket is the same IPv4 guest.
    assert guest_keys(one, "::ffff:203.0.113.7", "x")[1] == guest_keys(one, "203.0.113.7", "x")[1]


async def test_a_banned_guest_stays_banned_under_another_name(server: Server) -> None:
    ru_mod = await moderator(server, "mod-ru", "ru")
    guest = await Client.open(server, lang="ru", name="Спамер")
    await ru_mod.send({"type": "ban", "user": guest.hello["you"]["id"], "ref": "b"})
    assert (await ru_mod.recv_until("mod", ref="b"))["action"] == "ban"
    code, frames = await guest.closed()
    assert code == 1008
    assert frames[-1]["code"] == "banned"

    renamed = await Client.open(server, lang="ru", name="Честный покупатель", hello=False)
    code, frames = await renamed.closed()
    assert code == 1008
    assert [(f["type"], f.get("code")) for f in frames] == [("error", "banned")]
    nameless = await Client.open(server, lang="ru", hello=False)
    code, _ = await nameless.closed()
    assert code == 1008
    # People with tokens are not guests: the address ban is not theirs.
    member = await viewer(server, "u-olga", "ru")
    assert (await member.say("Добрый вечер"))["status"] == "sent"

    await ru_mod.send({"type": "unban", "user": guest.hello["you"]["id"], "ref": "u"})
    assert (await ru_mod.recv_until("mod", ref="u"))["action"] == "unban"
    back = await Client.open(server, lang="ru", name="Честный покупатель")
    assert (await back.say("Извините"))["status"] == "sent"
    for client in (ru_mod, member, back):
        await client.close()


async def test_a_ban_reaches_every_name_a_guest_has_open(server: Server) -> None:
    kk_mod = await moderator(server, "mod-kk", "kk")
    first = await Client.open(server, lang="kk", name="Бір")
    second = await Client.open(server, lang="kk", name="Екі")
    await kk_mod.send({"type": "ban", "user": first.hello["you"]["id"], "ref": "b"})
    for client in (first, second):
        code, frames = await client.closed()
        assert code == 1008
        assert frames[-1]["code"] == "banned"
    await kk_mod.close()


async def test_a_timed_out_guest_stays_timed_out_under_another_name(server: Server) -> None:
    kk_mod = await moderator(server, "mod-kk", "kk")
    guest = await Client.open(server, lang="kk", name="Асқар")
    await kk_mod.send(
        {"type": "timeout", "user": guest.hello["you"]["id"], "seconds": 600, "ref": "t"}
    )
    assert (await kk_mod.recv_until("mod", ref="t"))["action"] == "timeout"
    await guest.close()

    renamed = await Client.open(server, lang="kk", name="Басқа адам")
    await renamed.send({"type": "chat", "text": KAZAKH, "ref": "c"})
    error = await renamed.recv_until("error", ref="c")
    assert error["code"] == "timed_out"
    for client in (kk_mod, renamed):
        await client.close()


async def test_two_connections_of_one_guest_share_one_rate_limit(server: Server) -> None:
    burst = int(server.services.rooms.rules.burst)
    first = await Client.open(server, lang="kk", name="Бір")
    second = await Client.open(server, lang="kk", name="Екі")
    for n in range(burst):
        ack = await (first if n % 2 else second).say(f"Хабар {n}")
        assert ack["status"] == "sent"
    # The bucket is the person's: a fresh connection, or another name, gets no new one.
    third = await Client.open(server, lang="kk", name="Үш")
    for client in (first, second, third):
        await client.send({"type": "chat", "text": "Тағы", "ref": "more"})
        assert (await client.recv_until("error", ref="more"))["code"] == "rate_limited"
    for client in (first, second, third):
        await client.close()


async def test_two_connections_of_one_token_user_share_one_rate_limit(server: Server) -> None:
    burst = int(server.services.rooms.rules.burst)
    phone = await viewer(server, "u-aigerim", "kk")
    laptop = await viewer(server, "u-aigerim", "kk")
    for n in range(burst):
        assert (await (phone if n % 2 else laptop).say(f"Хабар {n}"))["status"] == "sent"
    await laptop.send({"type": "chat", "text": "Тағы", "ref": "more"})
    assert (await laptop.recv_until("error", ref="more"))["code"] == "rate_limited"
    # Someone else is not limited by it.
    other = await viewer(server, "u-bauyrzhan", "kk")
    assert (await other.say("Сәлем"))["status"] == "sent"
    for client in (phone, laptop, other):
        await client.close()
