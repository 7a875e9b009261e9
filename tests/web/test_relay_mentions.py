"""Product mentions the relay logs from the live chat: chat lines, the streamer's lines,
held lines once approved, and pins sent over the chat (pins over HTTP: test_mentions.py)."""

from __future__ import annotations

from livecommerce.core.models import MentionSource
from tests.conftest import NOW, Server
from tests.helpers.chat import SHOW, moderator, streamer, viewer


async def logged(server: Server) -> list[tuple[str, str, str, int | None]]:
    """The mentions logged during the test (the clock stands at NOW; the seeds are older)."""
    services = server.services
    await services.mentions.writer.drain()
    return [
        (m.sku, m.source.value, m.lang, m.message_id)
        for m in await services.store.mentions(SHOW)
        if m.ts >= NOW
    ]


async def test_chat_and_streamer_lines_are_logged_with_their_message(server: Server) -> None:
    buyer = await viewer(server, "u-aigerim", "kk")
    host = await streamer(server)
    ack = await buyer.say("Бұл ноутбук пен роутер қанша тұрады?")
    said = await host.say("Сейчас покажу SSD на 1 ТБ")
    found = await logged(server)
    assert ("IT-LAP-14", "chat", "kk", ack["id"]) in found
    assert ("IT-RTR-AX3", "chat", "kk", ack["id"]) in found
    assert any(
        sku == "IT-SSD-1T" and source == "streamer" and mid == said["id"]
        for sku, source, _, mid in found
    )
    await buyer.close()
    await host.close()


async def test_a_pin_reaches_every_channel_in_its_language_and_later_joiners(
    server: Server,
) -> None:
    kk = await viewer(server, "u-kk", "kk")
    zh = await viewer(server, "u-zh", "zh")
    host = await streamer(server)
    await host.send({"type": "pin", "sku": "IT-LAP-14"})
    kk_frame = await kk.recv_until("product")
    zh_frame = await zh.recv_until("product")
    assert kk_frame["sku"] == zh_frame["sku"] == "IT-LAP-14"
    assert kk_frame["name"] != zh_frame["name"]
    assert "₸" in kk_frame["prices"][0]["display"]
    assert "¥" in zh_frame["prices"][0]["display"]
    late = await viewer(server, "u-late", "uz")
    shown = await late.recv_until("product")
    assert shown["sku"] == "IT-LAP-14"
    assert "soʻm" in shown["prices"][0]["display"]
    assert ("IT-LAP-14", MentionSource.PIN.value) in {
        (s, src) for s, src, _, _ in await logged(server)
    }
    await host.send({"type": "unpin", "sku": "IT-LAP-14"})
    assert (await kk.recv_until("product"))["action"] == "unpin"
    later = await viewer(server, "u-later", "kk")
    await later.assert_silent(0.3)
    for client in (kk, zh, host, late, later):
        await client.close()


async def test_pinning_an_unknown_product_is_an_error_to_the_streamer(server: Server) -> None:
    host = await streamer(server)
    await host.send({"type": "pin", "sku": "NO-SUCH"})
    error = await host.recv_until("error")
    assert error["code"] == "unknown_product"
    await host.close()


async def test_viewers_and_moderators_cannot_pin(server: Server) -> None:
    buyer = await viewer(server, "u-b", "ru")
    mod = await moderator(server, "mod-ru", "ru")
    for client in (buyer, mod):
        await client.send({"type": "pin", "sku": "IT-LAP-14", "ref": "p"})
        assert (await client.recv_until("error", ref="p"))["code"] == "forbidden"
        await client.close()


async def test_held_messages_are_logged_once_approved(server: Server) -> None:
    buyer = await viewer(server, "u-h", "ru")
    ack = await buyer.say("ноутбук тут дешевле: shop-deals.kz")
    assert ack["status"] == "held"
    assert not [
        f for f in await logged(server) if f[3] is not None and f[0] == "IT-LAP-14" and f[2] == "ru"
    ]
    mod = await moderator(server, "mod-ru", "ru")
    await mod.send({"type": "approve", "id": ack["id"]})
    approved = await buyer.recv_until("ack", held_id=ack["id"])
    assert ("IT-LAP-14", "chat", "ru", approved["id"]) in await logged(server)
    await buyer.close()
    await mod.close()
