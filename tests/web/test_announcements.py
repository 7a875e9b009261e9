"""Announcements and calendars over HTTP, against a real server; the .ics is read back
with an independent parser (vobject)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import vobject

from tests.conftest import NOW, Server

SHOW = "jiangxi-kitchen-2026-12-10"
STREAMER = "jiangxi-kitchen"
STARTS = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)
ENDS = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)


async def fetch(server: Server, path: str, **params: str) -> tuple[int, str, bytes]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url(path), params=params) as response,
    ):
        return response.status, response.content_type, await response.read()


async def fetch_json(server: Server, path: str, **params: str) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url(path), params=params) as response,
    ):
        assert response.content_type == "application/json"
        return response.status, await response.json()


def events(body: bytes) -> dict[str, Any]:
    """The calendar's events by UID, as vobject reads them."""
    calendar = vobject.readOne(body.decode("utf-8"))
    return {event.uid.value: event for event in calendar.contents.get("vevent", [])}


# -- announcements ----------------------------------------------------------------------


async def test_announcements_of_the_upcoming_show(server: Server) -> None:
    status, body = await fetch_json(server, f"/api/streams/{SHOW}/announcements")
    assert status == 200
    texts = body["announcements"]
    assert {code: sorted(by_lang) for code, by_lang in texts.items()} == {
        "KZ": ["kk", "ru"],
        "RU": ["ru"],
        "EU": ["en", "ru"],
        "CN": ["zh"],
    }
    almaty = STARTS.astimezone(ZoneInfo("Asia/Almaty"))
    assert f"{almaty:%H:%M}" in texts["KZ"]["ru"]
    assert "Алматы" in texts["KZ"]["ru"]
    assert "четверг" in texts["KZ"]["ru"]
    moscow = STARTS.astimezone(ZoneInfo("Europe/Moscow"))
    assert f"{moscow:%H:%M}" in texts["RU"]["ru"]
    assert "(московское время)" in texts["RU"]["ru"]


async def test_announcements_name_featured_products_with_local_prices(server: Server) -> None:
    store = server.services.store
    show = await store.show(SHOW)
    assert show is not None
    await store.put_shows([replace(show, featured=("SNK-SB-6045",))])
    status, body = await fetch_json(server, f"/api/streams/{SHOW}/announcements")
    assert status == 200
    assert "27\xa0900\xa0₸" in body["announcements"]["KZ"]["kk"]
    assert "€52" in body["announcements"]["EU"]["en"]


@pytest.mark.parametrize("show", ["no-such-show", "%27%3B--", "x" * 300])
async def test_announcements_of_an_unknown_show_are_404(server: Server, show: str) -> None:
    status, body = await fetch_json(server, f"/api/streams/{show}/announcements")
    assert status == 404
    assert body["error"]["code"] == "unknown_stream"


# -- calendars ----------------------------------------------------------------------------


async def test_schedule_lands_at_the_right_instants(server: Server) -> None:
    status, content_type, body = await fetch(server, f"/api/streamers/{STREAMER}/schedule.ics")
    assert status == 200
    assert content_type == "text/calendar"
    assert b"DTSTART:20261210T150000Z\r\n" in body
    found = events(body)
    assert list(found) == [f"{SHOW}@livecommerce"]
    event = found[f"{SHOW}@livecommerce"]
    assert event.dtstart.value == STARTS
    assert event.dtend.value == ENDS
    assert event.dtstart.value.astimezone(ZoneInfo("Asia/Almaty")).hour == 20
    assert event.dtstamp.value == NOW
    assert event.summary.value.startswith("Stainless steel live")


async def test_reexport_is_identical_and_an_edit_updates_the_same_event(server: Server) -> None:
    path = f"/api/streamers/{STREAMER}/schedule.ics"
    _, _, first = await fetch(server, path)
    _, _, second = await fetch(server, path)
    assert first == second
    store = server.services.store
    show = await store.show(SHOW)
    assert show is not None
    moved = timedelta(hours=1)
    await store.put_shows([replace(show, starts_at=STARTS + moved, ends_at=ENDS + moved)])
    _, _, third = await fetch(server, path)
    before, after = events(first), events(third)
    assert list(before) == list(after)  # the same UID: the calendar updates, not duplicates
    assert after[f"{SHOW}@livecommerce"].dtstart.value == STARTS + moved


async def test_market_variant_is_localized(server: Server) -> None:
    status, _, body = await fetch(
        server, f"/api/streamers/{STREAMER}/schedule.ics", market="KZ", lang="kk"
    )
    assert status == 200
    event = events(body)[f"{SHOW}@livecommerce"]
    assert event.summary.value.startswith("Тікелей эфирде")
    assert event.summary.params["LANGUAGE"] == ["kk"]
    description = event.description.value
    assert "20:00" in description
    assert "Алматы" in description
    assert "бейсенбі" in description
    assert event.dtstart.value == STARTS  # localized text, the same instant


async def test_market_variant_defaults_to_the_markets_first_language(server: Server) -> None:
    status, _, body = await fetch(server, f"/api/streamers/{STREAMER}/schedule.ics", market="ru")
    assert status == 200
    event = events(body)[f"{SHOW}@livecommerce"]
    assert event.summary.value.startswith("Нержавейка")
    assert "18:00" in event.description.value
    assert "(московское время)" in event.description.value


async def test_market_variant_keeps_only_the_shows_sold_there(server: Server) -> None:
    status, _, body = await fetch(server, "/api/streamers/khorgos-it/schedule.ics", market="RU")
    assert status == 200
    assert events(body) == {}  # the Khorgos show sells to KZ, UZ, KG and XJ only
    status, _, body = await fetch(server, "/api/streamers/khorgos-it/schedule.ics", market="XJ")
    assert list(events(body)) == ["khorgos-it-2026-11-20@livecommerce"]


async def test_unknown_streamer_is_404(server: Server) -> None:
    status, body = await fetch_json(server, "/api/streamers/nobody/schedule.ics")
    assert status == 404
    assert body["error"]["code"] == "unknown_streamer"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"market": "ZZ"}, "bad_market"),
        ({"market": ""}, "bad_market"),
        ({"market": "KZ\r\nX-EVIL: 1"}, "bad_market"),
        ({"market": "KZ' OR 1=1 --"}, "bad_market"),
        ({"market": "../../etc/passwd"}, "bad_market"),
        ({"market": "К" * 1000}, "bad_market"),
        ({"market": "KZ", "lang": "zh"}, "bad_lang"),
        ({"market": "KZ", "lang": "kk\u202e"}, "bad_lang"),
        ({"lang": "xx"}, "bad_lang"),
        ({"lang": "<script>alert(1)</script>"}, "bad_lang"),
        ({"lang": "\x00"}, "bad_lang"),
    ],
)
async def test_bad_market_or_language_is_400(
    server: Server, params: dict[str, str], code: str
) -> None:
    status, body = await fetch_json(server, f"/api/streamers/{STREAMER}/schedule.ics", **params)
    assert status == 400
    assert body["error"]["code"] == code
    assert len(body["error"]["message"]) < 200  # a rejected value is not echoed whole


async def test_error_is_in_the_readers_language(server: Server) -> None:
    status, body = await fetch_json(
        server, f"/api/streamers/{STREAMER}/schedule.ics", market="ZZ", lang="ru"
    )
    assert status == 400
    assert "ZZ" in body["error"]["message"]
