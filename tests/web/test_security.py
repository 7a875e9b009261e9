"""The security pass (issue 6, part 6), each promise against a real server.

1. Tokens cannot be replayed past their expiry, used for another stream, or edited.
2. A viewer cannot act as a moderator by editing frames; a moderator acts only on the
   languages their token names; a ban cannot lock staff out of their own show.
3. Secrets (the shops' webhook secrets, the token key, the show webhook's key) never
   reach a log line, a response body or `config show`.
4. Pages show chat text as text, in every language channel (real Chromium).
5. One address holds at most `connections_per_ip` chat connections at once.

What was already tested elsewhere is not repeated here:
`test_relay.py` (garbage, forged, expired, other-secret and other-stream tokens at
connect; a token viewer's moderation frames; a kk moderator deleting in ru, slowing
ru; a moderator banning connected staff), `tests/core/test_tokens.py` (any one
character of a token changed), `test_mentions.py` (the same tokens over HTTP),
`test_orders.py` (a bad signature never logged, in-process), `test_webhooks.py` (the
show webhook's failures logged without its key) and `test_chat_pages_browser.py`
(hostile text in the kk channel).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, Page

from livecommerce.config import Settings
from livecommerce.core import tokens
from livecommerce.core.models import Role
from livecommerce.services.webhooks import signature
from livecommerce.store import SqlStore
from livecommerce.web.relay import RELAY
from tests.conftest import NOW, SEEDS, Server
from tests.helpers import serve
from tests.helpers.chat import (
    HOUR,
    KAZAKH,
    RUSSIAN,
    SHOW,
    TIMEOUT,
    Client,
    Frame,
    audit_actions,
    eventually,
    make_token,
    moderator,
    refused,
    running,
    streamer,
    viewer,
)
from tests.helpers.pages import TIMEOUT as PAGE_TIMEOUT
from tests.helpers.pages import Trouble, message
from tests.helpers.receiver import unreachable_url

OTHER_SHOW = "jiangxi-kitchen-2026-12-10"
LANGUAGES = ("kk", "ru", "uz", "ky", "ug", "zh")  # the seeded show's channels


# -- 1. tokens -----------------------------------------------------------------------------


@dataclass
class Clock:
    """The server's clock, moved by the test."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


async def post_transcript(server: Server, token: str, show: str = SHOW) -> int:
    """The status of one transcript line posted with `token` (a streamer's endpoint)."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            server.url(f"/api/streams/{show}/transcript"),
            json={"text": "ноутбук X14"},
            headers={"Authorization": f"Bearer {token}"},
        ) as response,
    ):
        return response.status


async def test_a_token_accepted_before_is_refused_once_it_has_expired(
    settings: Settings, seeded_store: SqlStore
) -> None:
    clock = Clock()
    expires = int(NOW.timestamp()) + 60
    async with running(settings, seeded_store, clock=clock) as server:
        token = make_token(server, "u-aigerim", "viewer", ["kk"], expires=expires)
        host = make_token(server, "streamer-khorgos", "streamer", expires=expires)
        client = await Client.open(server, token=token, lang="kk")
        seen = (await client.say(KAZAKH))["id"]
        await client.close()
        assert await post_transcript(server, host) == 200

        # The second it expires, the same token is only a string: reconnecting (with
        # `since`, as a client resuming does), in the header, or over HTTP.
        clock.now = datetime.fromtimestamp(expires, NOW.tzinfo)
        for query in ({"token": token, "since": seen}, {"token": token, "lang": "kk"}):
            status, body = await refused(server, **query)
            assert (status, body["error"]["code"]) == (401, "bad_token")
        status, body = await refused(server, headers={"Authorization": f"Bearer {token}"})
        assert (status, body["error"]["code"]) == (401, "bad_token")
        assert await post_transcript(server, host) == 401

        # A token still in date gets in at that moment: the clock is what refused it.
        fresh = make_token(server, "u-aigerim", "viewer", ["kk"], expires=expires + 60)
        again = await Client.open(server, token=fresh, lang="kk", since=seen)
        assert again.hello["you"]["id"] == "u-aigerim"
        await again.close()


def _payload(token: str) -> dict[str, Any]:
    encoded = token.split(".")[0]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    )
    return decoded


def _edited(token: str, **changes: Any) -> str:
    """The token with its payload edited and its signature kept."""
    body = {k: v for k, v in {**_payload(token), **changes}.items() if v is not None}
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode() + "." + token.split(".")[1]


TAMPERED: dict[str, dict[str, Any]] = {
    "role_raised": {"role": "admin"},
    "languages_widened": {"langs": list(LANGUAGES)},
    "expiry_pushed": {"exp": int(NOW.timestamp()) + 365 * 24 * HOUR},
    "stream_unbound": {"stream": None},
    "stream_moved": {"stream": SHOW},
    "user_changed": {"sub": "streamer-khorgos"},
}


@pytest.mark.parametrize("edit", sorted(TAMPERED))
async def test_a_token_with_an_edited_payload_is_refused(server: Server, edit: str) -> None:
    # A moderator of another show, with kk only: each edit would give it more.
    original = make_token(server, "mod-kk", "moderator", ["kk"], stream=OTHER_SHOW)
    forged = _edited(original, **TAMPERED[edit])
    assert _payload(forged) != _payload(original)
    stream = SHOW if edit == "stream_moved" else OTHER_SHOW
    status, body = await refused(server, stream, token=forged)
    assert (status, body["error"]["code"]) == (401, "bad_token")
    assert await post_transcript(server, forged, stream) == 401
    # Unedited, the same token is good on its own stream.
    client = await Client.open(server, stream=OTHER_SHOW, token=original)
    assert client.hello["moderates"] == ["kk"]
    await client.close()


async def test_a_token_signed_with_another_key_or_unsigned_is_refused(server: Server) -> None:
    identity = tokens.Identity(
        "streamer-khorgos", "Khorgos", Role.STREAMER, (), SHOW, int(NOW.timestamp()) + HOUR
    )
    good = tokens.issue(server.services.secret, identity)
    payload = good.split(".")[0]
    for forged in (
        tokens.issue(b"k" * 32, identity),  # another server's key
        tokens.issue(b"", identity),  # an empty key
        payload + ".",  # no signature
        payload,  # no dot at all
        payload + "." + good.split(".")[1].upper(),  # the signature's letters changed
    ):
        status, body = await refused(server, token=forged)
        assert (status, body["error"]["code"]) == (401, "bad_token"), forged
        assert await post_transcript(server, forged) == 401


# -- 2. a viewer cannot act as a moderator ------------------------------------------------


def _forged_fields(server: Server) -> dict[str, Any]:
    """What a viewer might add to a frame to pass for staff: all of it ignored."""
    return {
        "role": "moderator",
        "moderates": ["kk", "ru"],
        "you": {"id": "mod-kk", "role": "moderator"},
        "user_role": "streamer",
        "by": {"id": "mod-kk", "name": "mod-kk"},
        "token": make_token(server, "mod-kk", "moderator", ["kk"]),
        "admin": True,
    }


async def _drain(client: Client) -> list[Frame]:
    """Every frame that reaches `client` until it falls silent (0.3 s)."""
    frames, client.backlog = client.backlog, []
    with contextlib.suppress(TimeoutError):
        while True:
            frames.append(await client.recv(0.3))
    return frames


@pytest.mark.parametrize("who", ["guest", "token"])
async def test_a_viewer_editing_frames_cannot_moderate(server: Server, who: str) -> None:
    kk_mod = await moderator(server, "mod-kk", "kk")
    other = await viewer(server, "u-aigerim", "kk")
    ru_viewer = await viewer(server, "u-olga", "ru")
    if who == "guest":
        mallory = await Client.open(server, lang="kk", name="mod-kk")
    else:
        mallory = await viewer(server, "u-mallory", "kk")
    posted = await other.say("Бұл хабар өшпейді.")
    held = await other.say("Арзан: shop-deals.kz")
    asked = await ru_viewer.say(RUSSIAN)
    assert (posted["status"], held["status"], asked["status"]) == ("sent", "held", "sent")
    await kk_mod.recv_until("held", id=held["id"])
    await other.recv_until("chat", id=posted["id"])

    forged = _forged_fields(server)
    frames: list[Frame] = [
        {"type": "delete", "id": posted["id"]},
        {"type": "approve", "id": held["id"]},
        {"type": "reject", "id": held["id"]},
        {"type": "timeout", "user": "u-aigerim", "seconds": 600},
        {"type": "ban", "user": "u-aigerim"},
        {"type": "unban", "user": "u-aigerim"},
        {"type": "slow", "lang": "kk", "seconds": 300},
        {"type": "pin", "sku": "IT-LAP-14"},
        {"type": "unpin", "sku": "IT-LAP-14"},
        {"type": "chat", "texts": {"kk": "Баршаңызға сәлем!", "ru": "Всем привет!"}},
    ]
    for n, frame in enumerate(frames):
        await mallory.send({**forged, **frame, "ref": f"f{n}"})
        error = await mallory.recv_until("error", ref=f"f{n}")
        assert (frame["type"], error["code"]) == (frame["type"], "forbidden")

    # Subscribing with a moderator's fields changes what it reads, never what it moderates.
    await mallory.send({**forged, "type": "subscribe", "langs": ["kk", "ru"], "ref": "s"})
    subscribed = await mallory.recv_until("subscribed", ref="s")
    assert (subscribed["langs"], subscribed["moderates"]) == (["kk", "ru"], [])

    # A chat frame dressed as the streamer's goes out as the viewer's own: in the
    # viewer's language (a viewer's reply does not move into the language answered),
    # not a broadcast, under the viewer's name and role.
    text = "Сәлем бәріне! Бағасы қанша?"
    await mallory.send(
        {
            **forged,
            "type": "chat",
            "text": text,
            "lang": "kk",
            "reply_to": asked["id"],
            "broadcast": True,
            "fallback": True,
            "declared_lang": "ru",
            "id": 1,
            "user": {"id": "streamer-khorgos", "name": "Khorgos IT", "role": "streamer"},
            "ref": "c",
        }
    )
    ack = await mallory.recv_until("ack", ref="c")
    chat = await other.recv_until("chat", id=ack["id"])
    assert chat["lang"] == "kk"
    assert chat["user"]["id"] == mallory.hello["you"]["id"]
    assert chat["user"]["role"] == "viewer"
    assert "broadcast" not in chat
    assert "declared_lang" not in chat
    assert "fallback" not in chat

    # Nothing changed for the others: no deletion, no time-out, ban or slow mode, no
    # pin, and the held message still waits for a real moderator.
    await other.assert_silent()
    await ru_viewer.recv_until("chat", id=asked["id"])
    await ru_viewer.assert_silent()
    assert (await other.say("Әлі осындамын."))["status"] == "sent"
    assert (await other.say("Тағы бір хабар."))["status"] == "sent"
    await kk_mod.send({"type": "approve", "id": held["id"], "ref": "a"})
    assert (await kk_mod.recv_until("mod", ref="a"))["action"] == "approve"
    log = await audit_actions(server)
    assert [(e["action"], e["actor"]) for e in log] == [("approve", "mod-kk")]
    # And the viewer never got what only staff get.
    staff_only = {"held", "mod", "resolved", "presence"}
    assert not [f for f in await _drain(mallory) if f["type"] in staff_only]
    for client in (kk_mod, other, ru_viewer, mallory):
        await client.close()


async def test_a_kk_moderator_cannot_act_on_ru_even_after_asking_to_moderate_it(
    server: Server,
) -> None:
    ru_viewer = await viewer(server, "u-olga", "ru")
    ru_mod = await moderator(server, "mod-ru", "ru")  # ru is covered: nobody falls back
    kk_mod = await moderator(server, "mod-kk", "kk")
    posted = await ru_viewer.say(RUSSIAN)
    held = await ru_viewer.say("Дешевле тут: shop-deals.ru")
    await ru_mod.recv_until("held", id=held["id"])

    await kk_mod.send(
        {
            "type": "subscribe",
            "langs": ["kk", "ru"],
            "moderates": ["kk", "ru"],
            "role": "streamer",
            "ref": "s",
        }
    )
    subscribed = await kk_mod.recv_until("subscribed", ref="s")
    assert (subscribed["langs"], subscribed["moderates"]) == (["kk", "ru"], ["kk"])
    for n, frame in enumerate(
        [
            {"type": "delete", "id": posted["id"]},
            {"type": "approve", "id": held["id"]},
            {"type": "reject", "id": held["id"]},
            {"type": "slow", "lang": "ru", "seconds": 60},
        ]
    ):
        await kk_mod.send({**frame, "moderates": ["ru"], "ref": f"x{n}"})
        error = await kk_mod.recv_until("error", ref=f"x{n}")
        assert (frame["type"], error["code"]) == (frame["type"], "forbidden")

    await ru_viewer.recv_until("chat", id=posted["id"])
    await ru_viewer.assert_silent()
    await ru_mod.send({"type": "approve", "id": held["id"], "ref": "a"})
    assert (await ru_mod.recv_until("mod", ref="a"))["action"] == "approve"
    assert [(e["action"], e["actor"]) for e in await audit_actions(server)] == [
        ("approve", "mod-ru")
    ]
    for client in (ru_viewer, ru_mod, kk_mod):
        await client.close()


async def test_a_ban_given_while_staff_were_away_does_not_lock_them_out(server: Server) -> None:
    kk_mod = await moderator(server, "mod-kk", "kk")
    for frame in (
        {"type": "ban", "user": "streamer-khorgos", "ref": "b1"},
        {"type": "ban", "user": "mod-ru", "ref": "b2"},
        {"type": "timeout", "user": "mod-ru", "seconds": 600, "ref": "t"},
    ):
        await kk_mod.send(frame)
        await kk_mod.recv_until("mod", ref=frame["ref"])

    host = await streamer(server)
    assert (await host.say("Сәлеметсіздер ме!", lang="kk"))["status"] == "sent"
    ru_mod = await moderator(server, "mod-ru", "ru")
    assert (await ru_mod.say(RUSSIAN))["status"] == "sent"
    # The ban stands for that id as a viewer: only the signed staff role is exempt.
    as_viewer = await viewer(server, "mod-ru", "ru", hello=False)
    code, frames = await as_viewer.closed()
    assert code == 1008
    assert [(f["type"], f.get("code")) for f in frames] == [("error", "banned")]
    # Still there, still acting.
    await host.send({"type": "slow", "lang": "kk", "seconds": 5, "ref": "s"})
    assert (await host.recv_until("mod", ref="s"))["action"] == "slow"
    for client in (kk_mod, host, ru_mod):
        await client.close()


# -- 3. secrets never in logs ---------------------------------------------------------------

SHOP = "khorgos-shop"
SHOP_SECRET = "shop-secret-8f3a1c7d2e9b4a60"
TOKEN_KEY = "token-key-6b2f9e1d4c8a3f7e5d0b9c2a1e4f7d3c"
SHOW_WEBHOOK_KEY = "show-webhook-key-1d7e3b9f5a2c8e4d6f0a3b7c9e1d5f2a"
SECRETS = (SHOP_SECRET, TOKEN_KEY, SHOW_WEBHOOK_KEY)


async def test_secrets_never_reach_the_log_or_a_response(tmp_path: Path) -> None:
    env = {
        "LIVECOMMERCE_LOG_LEVEL": "debug",
        "LIVECOMMERCE_SECRET": TOKEN_KEY,
        "LIVECOMMERCE_SHOP_SECRETS": f"{SHOP}={SHOP_SECRET}",
        "LIVECOMMERCE_SHOW_WEBHOOK_SECRET": SHOW_WEBHOOK_KEY,
        # Nobody listens there: a delivery, if the scheduler makes one, fails and is logged.
        "LIVECOMMERCE_SHOW_WEBHOOK_URL": unreachable_url(),
    }
    order = {
        "id": "SEC-1",
        "ts": "2026-11-20T13:40:00Z",
        "sku": "IT-LAP-14",
        "qty": 1,
        "unit_price": "199000",
        "currency": "KZT",
        "buyer_country": "KZ",
        "buyer_lang": "kk",
    }
    good = json.dumps(order).encode()
    expires = int(datetime.now(NOW.tzinfo).timestamp()) + HOUR
    chat_token = tokens.issue(
        TOKEN_KEY.encode(),
        tokens.Identity("u-aigerim", "Aigerim", Role.VIEWER, ("kk",), SHOW, expires),
    )
    host_token = tokens.issue(
        TOKEN_KEY.encode(),
        tokens.Identity("streamer-khorgos", "Khorgos", Role.STREAMER, (), SHOW, expires),
    )
    bodies: list[str] = []
    statuses: list[int] = []
    args = (
        "--port",
        "0",
        "--set",
        "data_dir",
        str(tmp_path / "var"),
        "--set",
        "seeds_dir",
        str(SEEDS),
    )
    async with serve.served(env, *args) as served, aiohttp.ClientSession() as session:

        async def call(method: str, path: str, data: bytes = b"", **headers: str) -> None:
            async with session.request(
                method, served.url(path), data=data, headers=headers
            ) as response:
                statuses.append(response.status)
                bodies.append(await response.text())

        signed = signature(SHOP_SECRET, good)
        await call("POST", "/api/orders", good, **{"X-Shop": SHOP, "X-Signature": signed})
        await call("POST", "/api/orders", good, **{"X-Shop": SHOP, "X-Signature": signed})
        for shop, sign, body in (
            (SHOP, signature("not-the-shop-secret-at-all", good), good),
            (SHOP, SHOP_SECRET, good),  # a shop that sends its secret as the signature
            (SHOP, "sha256=" + SHOP_SECRET, good),
            (SHOP, signed, good + b" "),
            ("nobody", signed, good),
            (SHOP, "", good),
        ):
            await call("POST", "/api/orders", body, **{"X-Shop": shop, "X-Signature": sign})
        for body in (b"{not json", b"[]", json.dumps({**order, "qty": -1}).encode(), b"\xff"):
            sign = signature(SHOP_SECRET, body)
            await call("POST", "/api/orders", body, **{"X-Shop": SHOP, "X-Signature": sign})
        await call(
            "POST",
            f"/api/streams/{SHOW}/transcript",
            json.dumps({"text": "ноутбук X14"}).encode(),
            Authorization=f"Bearer {host_token}",
        )
        await call("POST", f"/api/streams/{SHOW}/transcript", b"{", Authorization="Bearer x.y")
        for path in ("/healthz", "/metrics", "/api/streams", f"/api/streams/{SHOW}/chat"):
            await call("GET", path)
        socket = served.url(f"/ws/streams/{SHOW}").replace("http://", "ws://")
        async with session.ws_connect(f"{socket}?token={chat_token}") as ws:
            assert (await ws.receive_json(timeout=TIMEOUT))["type"] == "hello"
            await ws.send_json({"type": "chat", "text": KAZAKH, "ref": "k"})
            await ws.send_str("{broken")
            while (await ws.receive_json(timeout=TIMEOUT)).get("code") != "bad_json":
                pass
        async with session.get(f"{socket}?token={chat_token}x") as response:
            statuses.append(response.status)
            bodies.append(await response.text())

    # Accepted, a duplicate, six bad signatures, four bad bodies, the transcript (good
    # token, bad one), four reads, and a chat token with a byte more.
    assert statuses == [201, 200, *[401] * 6, 400, 400, 422, 400, 200, 401, *[200] * 4, 401]
    log = "".join(served.log)
    # The log is there, at debug level, and tells of the refusals.
    assert "DEBUG" in log
    assert "order webhook: bad signature for shop 'khorgos-shop'" in log
    for secret in (*SECRETS, chat_token, host_token):
        assert secret not in log
        for answer in bodies:
            assert secret not in answer
    assert served.process.returncode == 0, log[-2000:]


async def test_config_show_masks_every_secret(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "livecommerce",
        "config",
        "show",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={
            **os.environ,
            "LIVECOMMERCE_SECRET": TOKEN_KEY,
            "LIVECOMMERCE_SHOP_SECRETS": f"{SHOP}={SHOP_SECRET}",
            "LIVECOMMERCE_SHOW_WEBHOOK_SECRET": SHOW_WEBHOOK_KEY,
        },
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err
    shown = json.loads(out)
    assert shown["secret"] == "***"
    assert shown["show_webhook_secret"] == "***"
    assert shown["shop_secrets"] == {SHOP: "***"}
    for secret in SECRETS:
        assert secret not in out.decode() + err.decode()


# -- 4. pages escape chat text ----------------------------------------------------------------

# A word of each language first, so that each line stays in its channel.
GREETINGS = {
    "kk": "Сәлеметсіз бе",
    "ru": "Здравствуйте",
    "uz": "Assalomu alaykum",
    "ky": "Саламатсызбы",
    "ug": "ياخشىمۇسىز",
    "zh": "你好",
}
PAYLOADS = ("<script>window.__pwned=1</script>", "<img src=x onerror=window.__pwned=1>")
HOSTILE_NAME = "<img src=x onerror=window.__pwned=1>"
# What the page would hold had any of it become markup; `__pwned` is read separately.
INJECTED = """() => ({
  handlers: document.querySelectorAll("[onerror]").length,
  images: Array.from(document.images).filter((i) => i.getAttribute("src") === "x").length,
  scripts: Array.from(document.scripts).filter((s) => s.text.includes("__pwned")).length,
})"""


def hostile_lines() -> Iterator[tuple[str, str]]:
    """(language, text): both payloads in every channel, as buyers' questions naming
    a product (so the report lists them too)."""
    for lang, greeting in GREETINGS.items():
        for payload in PAYLOADS:
            yield lang, f"{greeting}, X14? {payload}"


@pytest.fixture
def trouble() -> Iterator[Trouble]:
    seen = Trouble()
    yield seen
    assert seen.dialogs == []
    assert seen.errors == []


async def open_page(browser: Browser, trouble: Trouble, url: str) -> Page:
    """A page in its own context, with the site's Content-Security-Policy switched off:
    what is tested is the escaping, not the policy that backs it up."""
    context = await browser.new_context(locale="ru-RU", bypass_csp=True)
    context.set_default_timeout(PAGE_TIMEOUT)
    page = trouble.watch(await context.new_page())
    response = await page.goto(url)
    assert response is not None
    assert response.status == 200
    return page


async def assert_shown_as_text(page: Page, selectors: dict[str, str]) -> None:
    """Each (text → selector of its element) is on the page, its text exactly, and no
    markup or script came of it."""
    for text, selector in selectors.items():
        element = page.locator(selector)
        await element.wait_for()
        assert await element.text_content() == text
    assert await page.evaluate(INJECTED) == {"handlers": 0, "images": 0, "scripts": 0}
    assert await page.evaluate("typeof window.__pwned") == "undefined"


async def test_hostile_chat_text_in_every_channel_is_only_text_on_every_page(
    server: Server, browser: Browser, trouble: Trouble
) -> None:
    everyone = ",".join(LANGUAGES)
    desk_token = make_token(server, "mod-all", "moderator", LANGUAGES, name=HOSTILE_NAME)
    desk = await open_page(
        browser, trouble, server.url(f"/streams/{SHOW}/moderate?token={desk_token}")
    )
    await desk.wait_for_selector("#moderate[data-state=open]")
    chat = await open_page(browser, trouble, server.url(f"/streams/{SHOW}/chat?channel={everyone}"))
    await chat.fill("#guest-name", HOSTILE_NAME)
    await chat.click("#guest-form button[type=submit]")
    await chat.locator("#chat[data-state=open]").wait_for()

    senders = {lang: await viewer(server, f"u-hostile-{lang}", lang) for lang in LANGUAGES}
    for lang, text in hostile_lines():
        ack = await senders[lang].say(text, lang=lang)
        assert ack["status"] == "sent", (lang, text)
        echoed = await senders[lang].recv_until("chat", id=ack["id"])
        assert echoed["lang"] == lang, (lang, text)  # stayed in its channel

    def quoted(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    await assert_shown_as_text(
        chat,
        {
            text: f'#messages li.msg[data-lang="{lang}"] .text:text-is({quoted(text)})'
            for lang, text in hostile_lines()
        },
    )
    await assert_shown_as_text(
        desk,
        {text: message(text, f'.column[data-lang="{lang}"]') for lang, text in hostile_lines()},
    )
    # A page opened afterwards renders the same lines from the history.
    late = await open_page(browser, trouble, server.url(f"/streams/{SHOW}/chat?channel={everyone}"))
    await late.fill("#guest-name", "Ерлан")
    await late.click("#guest-form button[type=submit]")
    await assert_shown_as_text(
        late,
        {
            text: f'#messages li.msg[data-lang="{lang}"] .text:text-is({quoted(text)})'
            for lang, text in hostile_lines()
        },
    )
    # The post-show report lists them among the buyers' questions.
    report = await open_page(browser, trouble, server.url(f"/streams/{SHOW}/report"))
    await assert_shown_as_text(
        report, {text: f"td:text-is({quoted(text)})" for _, text in hostile_lines()}
    )
    for client in senders.values():
        await client.close()


# -- 5. connections per address ---------------------------------------------------------------


def open_from(server: Server, address: str = "127.0.0.1") -> int:
    """How many chat connections the server counts from `address` now."""
    return server.runner.app[RELAY].connections.counts.get(address, 0)


async def test_past_the_limit_an_address_is_refused_with_429_until_one_closes(
    settings: Settings, seeded_store: SqlStore
) -> None:
    async with running(settings, seeded_store, connections_per_ip=3) as server:
        # Guests and people with tokens count alike.
        clients = [
            await Client.open(server, lang="kk", name="Гость"),
            await viewer(server, "u-aigerim", "kk"),
            await moderator(server, "mod-ru", "ru"),
        ]
        assert open_from(server) == 3
        attempts: list[dict[str, Any]] = [
            {"lang": "ru", "name": "Ещё гость"},
            {"token": make_token(server, "streamer-khorgos", "streamer")},
        ]
        for attempt in attempts:
            status, body = await refused(server, **attempt)
            assert status == 429
            assert body["error"] == {
                "code": "too_many_connections",
                "message": "Too many connections from your address.",
            }
        # The connections in place are not disturbed.
        assert (await clients[1].say(KAZAKH))["status"] == "sent"

        await clients.pop(0).close()
        await eventually(lambda: _at(server, 2))
        clients.append(await viewer(server, "u-olga", "ru"))
        assert open_from(server) == 3
        status, _ = await refused(server, lang="kk")
        assert status == 429

        # A connection the server closes (a ban) gives its place back too.
        await clients[1].send({"type": "ban", "user": "u-aigerim", "ref": "b"})
        code, _ = await clients[0].closed()
        assert code == 1008
        await eventually(lambda: _at(server, 2))
        for client in clients[1:]:
            await client.close()
        await eventually(lambda: _at(server, 0))
        assert dict(server.runner.app[RELAY].connections.counts) == {}


async def _at(server: Server, count: int) -> bool:
    return open_from(server) == count


async def test_the_limit_is_per_address(settings: Settings, seeded_store: SqlStore) -> None:
    async with running(settings, seeded_store, connections_per_ip=1) as server:
        first = await viewer(server, "u-aigerim", "kk")
        status, _ = await refused(server, lang="kk")
        assert status == 429
        # Another loopback address is another client.
        other = await viewer(server, "u-olga", "ru", local_addr=("127.0.0.2", 0))
        assert (open_from(server), open_from(server, "127.0.0.2")) == (1, 1)
        await first.close()
        await other.close()


async def test_refused_and_plain_http_requests_are_not_counted(
    settings: Settings, seeded_store: SqlStore
) -> None:
    async with running(settings, seeded_store, connections_per_ip=1) as server:
        token = make_token(server, "u-aigerim", "viewer", ["kk"])
        queries: list[dict[str, Any]] = [{"token": "x.y"}, {"lang": "fr"}, {"since": "abc"}]
        for query in queries:
            status, _ = await refused(server, **query)
            assert status in (400, 401)
        # GET without the upgrade: the check passes, the upgrade cannot happen.
        async with aiohttp.ClientSession() as session:
            for _ in range(3):
                url = server.url(f"/ws/streams/{SHOW}?token={token}")
                async with session.get(url) as response:
                    assert response.status == 400
        assert open_from(server) == 0
        client = await viewer(server, "u-aigerim", "kk")
        assert open_from(server) == 1
        await client.close()


async def test_the_limit_defaults_to_fifty(server: Server, settings: Settings) -> None:
    assert settings.connections_per_ip == 50
    clients = [await Client.open(server, lang="kk", name=f"g{n}") for n in range(30)]
    clients += [await viewer(server, f"u-{n}", "ru") for n in range(20)]
    status, body = await refused(server, lang="kk", token=make_token(server, "u-late", "viewer"))
    assert (status, body["error"]["code"]) == (429, "too_many_connections")
    await asyncio.gather(*(client.close() for client in clients))
    await eventually(lambda: _at(server, 0))
