"""The server over real HTTP: health, metrics, the API and the home page's languages."""

from __future__ import annotations

import re

import aiohttp
import pytest

from tests.conftest import Server


async def get(server: Server, path: str, **headers: str) -> tuple[int, str, aiohttp.ClientResponse]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url(path), headers=headers, allow_redirects=False) as response,
    ):
        return response.status, await response.text(), response


async def test_healthz(server: Server) -> None:
    status, body, _ = await get(server, "/healthz")
    assert status == 200
    assert '"status": "ok"' in body


async def test_healthz_reports_degraded_when_the_database_is_gone(server: Server) -> None:
    await server.services.store.close()
    status, body, _ = await get(server, "/healthz")
    assert status == 503
    assert '"degraded"' in body
    assert '"database": "unreachable"' in body


async def test_metrics_are_prometheus_text(server: Server) -> None:
    await get(server, "/")
    await get(server, "/nowhere")
    status, body, response = await get(server, "/metrics")
    assert status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert 'livecommerce_http_requests_total{method="GET",route="/",status="200"} 1.0' in body
    assert 'route="unmatched",status="404"' in body
    assert "livecommerce_shows 3.0" in body


async def test_api_streams_lists_every_show_with_where_it_stands(server: Server) -> None:
    async with aiohttp.ClientSession() as session, session.get(server.url("/api/streams")) as r:
        data = await r.json()
    by_id = {s["id"]: s for s in data["streams"]}
    assert by_id["khorgos-it-2026-11-20"]["when"] == "past"
    assert by_id["khorgos-it-2026-11-20"]["starts_at"] == "2026-11-20T13:00:00Z"
    assert {s["when"] for s in data["streams"]} == {"past", "upcoming"}


@pytest.mark.parametrize(
    ("header", "lang", "direction", "heading"),
    [
        ("ru-RU,ru;q=0.9", "ru", "ltr", "Прошедшие эфиры"),
        ("ug", "ug", "rtl", None),
        ("zh-CN", "zh-Hans", "ltr", None),
        ("kk-KZ,ru;q=0.5", "kk", "ltr", None),
        ("fr-FR", "en", "ltr", "Past shows"),
    ],
)
async def test_home_page_speaks_the_browsers_language(
    server: Server, header: str, lang: str, direction: str, heading: str | None
) -> None:
    status, body, _ = await get(server, "/", **{"Accept-Language": header})
    assert status == 200
    assert f'<html lang="{lang}" dir="{direction}" ' in body
    if heading:
        assert heading in body
    if lang != "en":
        assert "Past shows" not in body


async def test_home_page_shows_each_market_its_local_time(server: Server) -> None:
    _, body, _ = await get(server, "/?lang=en&tz=Asia/Almaty")
    card = body[body.index('data-show="khorgos-it-2026-11-20"') :]
    card = card[: card.index("</article>")]
    # 13:00 UTC is 18:00 in Almaty (UTC+5); in Xinjiang 21:00 by Beijing time (UTC+8)
    # and 19:00 by Xinjiang time (UTC+6): both clocks, each named.
    assert re.search(r'<span class="time">6:00\s*PM Almaty time</span>', card)
    assert re.search(
        r'<span class="time">9:00\s*PM Beijing time / 7:00\s*PM Xinjiang time</span>', card
    )
    assert re.search(r"Friday, November 20, 2026 6:00\s*PM Almaty time</time>", card)


@pytest.mark.parametrize(
    ("cookie", "zone", "chosen", "named"),
    [
        # The browser's zone (set by zone.js), not Russian's home zone (Moscow).
        ("browser_tz=Asia/Almaty", "Asia/Almaty", False, "(время Алматы)"),
        # Junk is ignored: the language's home zone stays.
        ("browser_tz=../../etc/passwd", "Europe/Moscow", False, "(московское время)"),
        ("browser_tz=Mars/Olympus", "Europe/Moscow", False, "(московское время)"),
        # A zone the reader chose (?tz=, kept in its cookie) is kept over the browser's.
        ("tz=Asia/Tashkent; browser_tz=Asia/Almaty", "Asia/Tashkent", True, "(время Ташкента)"),
        ("browser_tz=Asia/Urumqi", "Asia/Urumqi", False, "(синьцзянское время)"),
    ],
)
async def test_the_readers_zone_comes_from_their_browser(
    server: Server, cookie: str, zone: str, chosen: bool, named: str
) -> None:
    status, body, _ = await get(server, "/", **{"Accept-Language": "ru", "Cookie": cookie})
    assert status == 200
    assert f'data-zone="{zone}"' in body
    assert ("data-zone-chosen" in body) is chosen
    note = body[body.index('<p class="zone-note">') :]
    assert named in note[: note.index("</p>")]
    assert '<script src="/static/zone.js"></script>' in body


async def test_language_choice_is_remembered_in_a_cookie(server: Server) -> None:
    jar = aiohttp.CookieJar(unsafe=True)  # keep cookies of an IP address (127.0.0.1)
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        async with session.get(server.url("/?lang=kk")) as first:
            assert first.cookies["lang"].value == "kk"
        async with session.get(server.url("/"), headers={"Accept-Language": "en"}) as second:
            assert '<html lang="kk"' in await second.text()


async def test_hostile_language_and_zone_parameters_fall_back(server: Server) -> None:
    status, body, response = await get(server, "/?lang=%3Cscript%3E&tz=../../etc/passwd")
    assert status == 200
    assert "<script>" not in body
    assert "lang" not in response.cookies
    assert "tz" not in response.cookies


@pytest.mark.parametrize("path", ["/api/nothing", "/api/streams/x/y/z"])
async def test_api_errors_are_json_in_the_readers_language(server: Server, path: str) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url(path), headers={"Accept-Language": "ru"}) as r,
    ):
        assert r.status == 404
        body = await r.json()
    assert body["error"]["code"] == "not_found"
    assert body["error"]["message"] == "По этому адресу ничего нет."


async def test_page_errors_are_pages(server: Server) -> None:
    status, body, _ = await get(server, "/no/such/page", **{"Accept-Language": "ug"})
    assert status == 404
    assert 'dir="rtl"' in body
    assert "There is nothing at this address." not in body


async def test_wrong_method_is_405(server: Server) -> None:
    async with aiohttp.ClientSession() as session, session.post(server.url("/api/streams")) as r:
        assert r.status == 405
        assert (await r.json())["error"]["code"] == "method_not_allowed"


async def test_the_site_has_an_icon_where_pages_and_browsers_look(server: Server) -> None:
    _, page, _ = await get(server, "/")
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    for path in ("/favicon.ico", "/static/favicon.svg"):
        status, body, response = await get(server, path)
        assert status == 200
        assert response.headers["Content-Type"].startswith("image/svg+xml")
        assert body.startswith("<svg")
