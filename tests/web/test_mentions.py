"""livecommerce/web/mentions.py over real HTTP: the streamer's transcript lines become
product mentions; pins over HTTP reach the chat."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from livecommerce.core import tokens
from livecommerce.core.models import Mention, MentionSource, Role
from tests.conftest import NOW, Server
from tests.helpers.chat import make_token, viewer

SHOW = "khorgos-it-2026-11-20"
UPCOMING = "jiangxi-kitchen-2026-12-10"
HOUR = 3600
LAPTOP, ROUTER = "IT-LAP-14", "IT-RTR-AX3"


def token_for(
    server: Server,
    role: Role = Role.STREAMER,
    stream: str | None = SHOW,
    expires: int = int(NOW.timestamp()) + HOUR,
    secret: bytes | None = None,
) -> str:
    identity = tokens.Identity("u-host", "Host", role, ("zh", "ru"), stream, expires)
    return tokens.issue(secret or server.services.secret, identity)


async def send(
    server: Server,
    body: bytes | Any,
    *,
    token: str | None = "",
    show: str = SHOW,
    content_type: str = "application/json",
    lang: str = "en",
    bearer: bool = True,
) -> tuple[int, dict[str, Any]]:
    if token == "":
        token = token_for(server)
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    headers = {"Content-Type": content_type, "Accept-Language": lang}
    url = server.url(f"/api/streams/{show}/transcript")
    if token is not None and bearer:
        headers["Authorization"] = f"Bearer {token}"
    elif token is not None:
        url += f"?token={token}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=raw, headers=headers) as response,
    ):
        text = await response.text()
        assert response.content_type == "application/json", text[:200]
        return response.status, json.loads(text)


async def logged(server: Server, show: str = SHOW) -> list[Mention]:
    """The transcript mentions in the store, once the mention log has written them."""
    services = server.services
    await services.mentions.writer.drain()
    return [
        m
        for m in await services.store.mentions(show)
        if m.source is MentionSource.TRANSCRIPT and m.ts >= NOW.replace(day=21)
    ]


@pytest.mark.parametrize(
    ("lang", "text", "skus"),
    [
        ("ru", "сейчас покажу ноутбук и роутер", [LAPTOP, ROUTER]),
        ("zh", "这个笔记本电脑很好", [LAPTOP]),
        ("kk", "бүгін ноутбук пен роутер көрсетемін", [LAPTOP, ROUTER]),
        ("ug", "بۈگۈن نوتبۇك ۋە روتېر كۆرسىتىمەن", [LAPTOP, ROUTER]),
        ("uz", "bugun noutbuk va router koʻrsataman", [LAPTOP, ROUTER]),
        ("ky", "азыр РОУТЕР көрсөтөм!", [ROUTER]),
    ],
)
async def test_one_line_is_matched_to_products(
    server: Server, lang: str, text: str, skus: list[str]
) -> None:
    status, body = await send(server, {"text": text, "lang": lang})
    assert status == 200
    assert body["lines"] == 1
    assert [m["sku"] for m in body["mentions"]] == skus
    assert {m["lang"] for m in body["mentions"]} == {lang}
    assert {m["ts"] for m in body["mentions"]} == {"2026-11-28T12:00:00Z"}
    mentions = await logged(server)
    assert sorted(m.sku for m in mentions) == sorted(skus)
    assert all(m.lang == lang and m.ts == NOW and m.message_id is None for m in mentions)


async def transcript_mentions(server: Server) -> Counter[tuple[str, str, datetime]]:
    services = server.services
    await services.mentions.writer.drain()
    return Counter(
        (m.sku, m.lang, m.ts.astimezone(UTC))
        for m in await services.store.mentions(SHOW)
        if m.source is MentionSource.TRANSCRIPT
    )


async def test_a_batch_with_times_and_default_language(server: Server) -> None:
    before = await transcript_mentions(server)
    lines = {
        "lines": [
            {"text": "сейчас покажу ноутбук и роутер", "lang": "ru", "ts": "2026-11-20T13:10:00Z"},
            {"text": "这个笔记本电脑很好", "lang": "zh", "ts": "2026-11-20T21:11:00+08:00"},
            {"text": "a line that names nothing", "lang": "ru"},
            # No lang: read by the chat's detector, the lines before it its prior.
            {"text": "ноутбук"},
        ]
    }
    status, body = await send(server, lines)
    assert status == 200
    assert body["lines"] == 4
    assert body["mentions"] == [
        {"sku": LAPTOP, "lang": "ru", "ts": "2026-11-20T13:10:00Z"},
        {"sku": ROUTER, "lang": "ru", "ts": "2026-11-20T13:10:00Z"},
        {"sku": LAPTOP, "lang": "zh", "ts": "2026-11-20T13:11:00Z"},
        {"sku": LAPTOP, "lang": "ru", "ts": "2026-11-28T12:00:00Z"},
    ]
    added = await transcript_mentions(server) - before
    at = datetime(2026, 11, 20, 13, 10, tzinfo=UTC)
    assert added == Counter(
        {
            (LAPTOP, "ru", at): 1,
            (ROUTER, "ru", at): 1,
            (LAPTOP, "zh", at.replace(minute=11)): 1,
            (LAPTOP, "ru", NOW): 1,
        }
    )


async def test_lines_without_a_language_are_read_by_the_detector(server: Server) -> None:
    lines = {
        "lines": [
            {"text": "Қазір сіздерге мына ноутбук көрсетемін, бағасы өте жақсы"},
            {"text": "现在给大家看看这个笔记本电脑"},
            {"text": "Сейчас покажу вам роутер, он очень быстрый и недорогой"},
        ]
    }
    status, body = await send(server, lines)
    assert status == 200
    langs = [(m["sku"], m["lang"]) for m in body["mentions"]]
    assert langs == [(LAPTOP, "kk"), (LAPTOP, "zh"), (ROUTER, "ru")]


async def test_ndjson_lines(server: Server) -> None:
    before = await transcript_mentions(server)
    lines = [
        {"text": "сейчас покажу ноутбук и роутер", "lang": "ru", "ts": "2026-11-20T13:20:00Z"},
        {"text": "这个笔记本电脑很好", "lang": "zh", "ts": "2026-11-20T13:20:05Z"},
        {"text": "بۈگۈن نوتبۇك كۆرسىتىمەن", "lang": "ug", "ts": "2026-11-20T13:20:09Z"},
    ]
    raw = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n\n"
    status, body = await send(server, raw.encode(), content_type="application/x-ndjson")
    assert status == 200
    assert body["lines"] == 3
    assert [(m["sku"], m["lang"]) for m in body["mentions"]] == [
        (LAPTOP, "ru"),
        (ROUTER, "ru"),
        (LAPTOP, "zh"),
        (LAPTOP, "ug"),
    ]
    at = datetime(2026, 11, 20, 13, 20, tzinfo=UTC)
    expected = Counter(
        {
            (LAPTOP, "ru", at): 1,
            (ROUTER, "ru", at): 1,
            (LAPTOP, "zh", at.replace(second=5)): 1,
            (LAPTOP, "ug", at.replace(second=9)): 1,
        }
    )
    assert await transcript_mentions(server) - before == expected
    # The same transcript sent again (a retry) is the same events: stored once.
    status, _ = await send(server, raw.encode(), content_type="application/x-ndjson")
    assert status == 200
    assert await transcript_mentions(server) - before == expected


async def test_the_token_may_come_in_the_query(server: Server) -> None:
    status, body = await send(server, {"text": "ноутбук", "lang": "ru"}, bearer=False)
    assert status == 200
    assert body["mentions"][0]["sku"] == LAPTOP


async def test_an_admin_may_send_the_transcript(server: Server) -> None:
    status, _ = await send(server, {"text": "ноутбук"}, token=token_for(server, Role.ADMIN))
    assert status == 200


async def test_transcript_mentions_count_in_the_report(server: Server) -> None:
    async def product_line() -> dict[str, Any]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(server.url(f"/api/streams/{SHOW}/report")) as response,
        ):
            data = await response.json()
        [line] = [p for p in data["products"] if p["sku"] == ROUTER]
        return dict(line)

    before = await product_line()
    await send(server, {"text": "роутер", "lang": "ru", "ts": "2026-11-20T14:00:00Z"})
    after = await product_line()
    assert after["mentions"].get("transcript", 0) == before["mentions"].get("transcript", 0) + 1


# -- refused ---------------------------------------------------------------------------


async def test_no_token_is_401(server: Server) -> None:
    status, body = await send(server, {"text": "ноутбук"}, token=None)
    assert status == 401
    assert body["error"]["code"] == "bad_token"
    assert await logged(server) == []


@pytest.mark.parametrize(
    "kind", ["garbage", "forged", "expired", "other_stream", "tampered", "non_ascii"]
)
async def test_bad_tokens_are_401(server: Server, kind: str) -> None:
    good = token_for(server)
    token = {
        "garbage": "not-a-token",
        "forged": token_for(server, secret=b"x" * 32),
        "expired": token_for(server, expires=int(NOW.timestamp()) - 1),
        "other_stream": token_for(server, stream=UPCOMING),
        "tampered": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "non_ascii": good + "é",
    }[kind]
    status, body = await send(server, {"text": "ноутбук"}, token=token)
    assert status == 401
    assert body["error"]["code"] == "bad_token"
    assert body["error"]["message"]
    assert await logged(server) == []


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MODERATOR])
async def test_viewers_and_moderators_are_403(server: Server, role: Role) -> None:
    status, body = await send(server, {"text": "ноутбук"}, token=token_for(server, role))
    assert status == 403
    assert body["error"]["code"] == "forbidden"
    assert await logged(server) == []


async def test_an_unknown_show_is_404(server: Server) -> None:
    status, body = await send(server, {"text": "ноутбук"}, show="no-such-show")
    assert status == 404
    assert body["error"]["code"] == "unknown_stream"
    status, _ = await send(server, {"text": "ноутбук"}, show="no-such-show", token=None)
    assert status == 404


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b"", "application/json"),
        (b"{", "application/json"),
        (b"\xff\xfe not utf-8", "application/json"),
        ('{"lines": "ноутбук"}'.encode(), "application/json"),
        (b'{"text": "a"}\n{broken', "application/x-ndjson"),
        (b"[" * 50_000 + b"]" * 50_000, "application/json"),
    ],
    ids=["empty", "open", "binary", "lines-string", "ndjson-broken", "deep"],
)
async def test_invalid_json_is_400(server: Server, raw: bytes, content_type: str) -> None:
    status, body = await send(server, raw, content_type=content_type)
    assert status == 400
    assert body["error"]["code"] == "bad_json"
    assert await logged(server) == []


@pytest.mark.parametrize(
    "data",
    [{"lines": []}, {"lines": [{"text": "ноутбук"}] * 1001}],
    ids=["empty", "1001"],
)
async def test_batch_sizes_are_400(server: Server, data: Any) -> None:
    status, body = await send(server, data)
    assert status == 400
    assert body["error"]["code"] == "bad_batch"
    assert await logged(server) == []


@pytest.mark.parametrize(
    "bad",
    [
        "ноутбук",
        None,
        42,
        ["ноутбук"],
        {},
        {"text": ""},
        {"text": "   "},
        {"text": 5},
        {"text": "ноутбук" * 300},
        {"text": "ноутбук", "lang": "fr"},
        {"text": "ноутбук", "lang": "en"},  # not a language of this show
        {"text": "ноутбук", "lang": ["ru"]},
        {"text": "ноутбук", "ts": "yesterday"},
        {"text": "ноутбук", "ts": "2026-11-20T13:10:00"},
        {"text": "ноутбук", "ts": 1763643000},
        {"text": "ноутбук", "ts": "0001-01-01T00:00:00+14:00"},
        {"text": "ноутбук", "ts": "9999-12-31T23:59:59-14:00"},
        {"text": "ноутбук", "ts": "1969-12-31T23:59:59Z"},
        {"text": "ноутбук", "ts": "2026-11-20T13:10:00." + "0" * 100_000 + "Z"},
    ],
)
async def test_bad_lines_are_422_with_their_index(server: Server, bad: Any) -> None:
    lines = {"lines": [{"text": "роутер", "lang": "ru"}, bad]}
    for lang in ("en", "ru"):
        status, body = await send(server, lines, lang=lang)
        assert status == 422
        assert body["error"]["code"] == "invalid_line"
        assert body["error"]["index"] == 1
        assert isinstance(body["error"]["message"], str)
        assert body["error"]["message"].strip()
    # A batch is all or nothing: the good line before the bad one is not logged.
    assert await logged(server) == []


async def test_hostile_text_never_crashes(server: Server) -> None:
    hostile = [
        "<script>alert('ноутбук')</script>",
        "\u202eроутер\u202c",
        "\u200f" * 1999,
        "ноутбук\x00роутер",
        "😀" * 2000,
        "x" * 2000,
    ]
    status, body = await send(server, {"lines": [{"text": t, "lang": "ru"} for t in hostile]})
    assert status == 200
    assert body["lines"] == len(hostile)
    status, body = await send(server, {"text": "x" * 10_000})
    assert status == 422
    status, body = await send(server, {"text": "ноутбук", "lang": "ru"})
    assert status == 200
    assert body["mentions"][0]["sku"] == LAPTOP


async def test_pins_over_http(server: Server) -> None:
    watcher = await viewer(server, "u-w", "ru")
    token = make_token(server, "streamer-khorgos", "streamer")
    url = server.url(f"/api/streams/{SHOW}/pins")
    async with aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bearer {token}"}
        async with session.post(url, json={"sku": "IT-MON-27"}, headers=headers) as r:
            assert r.status == 200
        async with session.post(url, json={"sku": "NOPE"}, headers=headers) as r:
            assert r.status == 404
            assert (await r.json())["error"]["code"] == "unknown_product"
        async with session.post(
            url, json={"sku": "IT-MON-27", "action": "x"}, headers=headers
        ) as r:
            assert r.status == 422
        async with session.post(url, data=b"{", headers=headers) as r:
            assert r.status == 400
        async with session.post(url, json={"sku": "IT-MON-27"}) as r:
            assert r.status == 401
        viewer_token = make_token(server, "u-v", "viewer", ["ru"])
        other = {"Authorization": f"Bearer {viewer_token}"}
        async with session.post(url, json={"sku": "IT-MON-27"}, headers=other) as r:
            assert r.status == 403
    frame = await watcher.recv_until("product")
    assert frame["sku"] == "IT-MON-27"
    assert "₽" in frame["prices"][0]["display"] or "₸" in frame["prices"][0]["display"]
    await watcher.close()


async def test_a_time_outside_the_years_says_which_years_in_the_readers_language(
    server: Server,
) -> None:
    line = {"text": "ноутбук", "ts": "9999-12-31T23:59:59-14:00"}
    status, body = await send(server, {"lines": [line]}, lang="en")
    assert status == 422
    assert body["error"]["message"] == "ts must be a time from 1970 to 2099."
    status, body = await send(server, {"lines": [line]}, lang="ru")
    assert status == 422
    assert "1970" in body["error"]["message"]
    assert body["error"]["message"] != "ts must be a time from 1970 to 2099."
