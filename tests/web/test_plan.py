"""The planning page over a real server: the form, the grids, the ranked slots, errors,
and the page in real headless Chromium (Russian, right-to-left Uyghur)."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
from icalendar import Calendar
from playwright.async_api import Browser

from livecommerce.app import build_services
from livecommerce.config import Settings
from livecommerce.core.models import Order
from livecommerce.files import seeds
from livecommerce.services.planning import World, make_plan, orders_by_hour
from livecommerce.store import SqlStore
from livecommerce.web.app import create_app
from tests.conftest import NOW, SEEDS, Server, serving

MARKETS = 7  # the seeded markets: KZ UZ KG RU EU CN XJ


async def _get(server: Server, query: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url("/plan" + query)) as response,
    ):
        return response.status, await response.text()


async def test_defaults_plan_every_market_for_the_first_streamer(server: Server) -> None:
    status, body = await _get(server, "?lang=en")
    assert status == 200
    assert body.count('<figure class="grid"') == MARKETS
    assert len(re.findall(r'<tr class="slot[^"]*" data-rank="\d+"', body)) == 5
    # 24 local hours × the days of each market's grid.
    assert body.count('<th scope="row">') == 24 * MARKETS
    # Tomorrow in the streamer's zone (the clock is pinned at 2026-11-28 12:00Z).
    assert 'name="from" value="2026-11-29"' in body
    assert re.search(r"When .+ should go live", body)
    assert "Where to stream from" in body
    assert "Almaty" in body
    # Every planned show is marked on the grids: 5 shows × 7 markets start cells.
    assert body.count(" planned first") == 5 * MARKETS


async def test_chosen_markets_and_length(server: Server) -> None:
    status, body = await _get(
        server,
        "?lang=en&streamer=jiangxi-kitchen&markets=KZ&markets=RU&from=2026-12-07&days=3"
        "&shows=2&length=60",
    )
    assert status == 200
    assert re.findall(r'<figure class="grid" data-market="(\w+)"', body) == ["KZ", "RU"]
    assert len(re.findall(r'<tr class="slot[^"]*" data-rank="\d+"', body)) == 2
    assert "Jiangxi Steel Kitchen" in body


async def test_russian_labels(server: Server) -> None:
    status, body = await _get(server, "?lang=ru")
    assert status == 200
    assert '<html lang="ru"' in body
    assert "Где вести эфир" in body or "Откуда" in body
    assert "Where to stream from" not in body
    assert "Plan shows" not in body


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("?lang=en&from=2026-13-40", "is not a date such as 2026-12-07"),
        ("?lang=en&days=0", "Days: enter a whole number from 1 to 31."),
        ("?lang=en&days=abc", "Days: enter a whole number from 1 to 31."),
        ("?lang=en&shows=x", "Shows: enter a whole number from 1 to 50."),
        ("?lang=en&length=50", "Length, minutes: enter a multiple of 15."),
        ("?lang=en&markets=ZZ", "there is no market ZZ"),
        ("?lang=en&form=1&streamer=khorgos-it", "Choose at least one market."),
        ("?lang=en&streamer=nobody", "there is no streamer nobody"),
        ("?lang=en&from=2026-01-01&days=3", "are over"),
        ("?lang=en&from=9999-12-31", "from must be a date from 1970 to 2099."),
        ("?lang=en&from=9999-12-31&days=31", "from must be a date from 1970 to 2099."),
        ("?lang=en&from=0001-01-01", "from must be a date from 1970 to 2099."),
    ],
)
async def test_bad_input_is_one_message(server: Server, query: str, needle: str) -> None:
    status, body = await _get(server, query)
    assert status == 400
    assert needle in body
    assert body.count('role="alert"') == 1
    assert "Traceback" not in body
    assert '<figure class="grid"' not in body
    # The form is there again, to fix the value.
    assert '<form class="plan-form"' in body


async def test_impossible_plan_says_so(server: Server) -> None:
    status, body = await _get(server, "?lang=en&shows=50&days=1")
    assert status == 400
    assert "cannot plan: Only" in body
    assert "of 50 shows fit in the horizon" in body
    status, body = await _get(server, "?lang=ru&shows=50&days=1")
    assert status == 400
    assert "cannot plan" not in body
    assert "50" in body


async def test_calendar_download(server: Server) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(server.url("/plan.ics?lang=en&markets=KZ,UZ&shows=3")) as response:
            assert response.status == 200
            assert response.content_type == "text/calendar"
            calendar = Calendar.from_ical(await response.read())
        events = [c for c in calendar.walk("VEVENT")]
        assert len(events) == 3
        async with session.get(server.url("/plan.ics?lang=en&days=0")) as response:
            assert response.status == 400
        # Issue #11: a day at the edge of the calendar was a traceback (500).
        for day in ("9999-12-31", "0001-01-01"):
            async with session.get(server.url(f"/plan.ics?lang=en&from={day}")) as response:
                assert response.status == 400
                assert "from must be a date from 1970 to 2099." in await response.text()


@pytest.mark.parametrize(("locale", "direction"), [("ru", "ltr"), ("ug", "rtl")])
async def test_plan_page_in_the_browser(
    server: Server, browser: Browser, tmp_path: Path, locale: str, direction: str
) -> None:
    context = await browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    response = await page.goto(server.url(f"/plan?lang={locale}&markets=KZ,RU,EU"))
    assert response is not None
    assert response.status == 200
    assert await page.get_attribute("html", "dir") == direction
    computed = await page.evaluate("getComputedStyle(document.body).direction")
    assert computed == direction
    grids = page.locator("figure.grid")
    assert await grids.count() == 3
    for i in range(3):
        assert await grids.nth(i).locator("tbody tr").count() == 24
        # Each planned show is marked on each market's grid.
        assert await grids.nth(i).locator("td.planned.first").count() == 5
    assert await page.locator("tr.slot").count() == 5
    # Each slot names, for kk, ru and en, who is on shift or that nobody is.
    coverage = page.locator("td.coverage")
    assert await coverage.count() == 5
    for i in range(5):
        assert await coverage.nth(i).locator("li").count() == 3
        assert await coverage.nth(i).locator("li .lang").first.is_visible()
    heading = await page.locator("section.where h2").inner_text()
    assert heading.strip()
    assert heading != "Where to stream from"
    # The hottest cells are coloured: the heat shows.
    peak = (
        await page.locator("figure.grid")
        .first.locator("td.planned.first")
        .first.evaluate("c => getComputedStyle(c).backgroundColor")
    )
    assert peak != "rgb(255, 255, 255)"
    # The form works without script: change the shows and send it.
    await page.fill("input[name=shows]", "3")
    await page.click("form.plan-form button[type=submit]")
    await page.wait_for_url(re.compile(r"shows=3"))
    assert await page.locator("tr.slot").count() == 3
    await page.screenshot(path=str(tmp_path / f"plan-{locale}.png"), full_page=True)
    await context.close()


async def test_a_link_naming_only_the_streamer_plans_for_every_market(server: Server) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url("/plan?lang=en&streamer=khorgos-it")) as response,
    ):
        assert response.status == 200
        body = await response.text()
    assert "Choose at least one market." not in body


# -- past orders and staff coverage ----------------------------------------------------------


def _start_hours(body: str, market: str) -> list[int]:
    """The local hours of the market's grid where a planned show starts."""
    grid = body.split(f'<figure class="grid" data-market="{market}">', 1)[1].split("</figure>")[0]
    rows = re.findall(r'<tr data-hour="(\d+)">(.*?)</tr>', grid, flags=re.S)
    return [int(hour) for hour, cells in rows if " planned first" in cells]


async def test_each_grid_says_how_many_past_orders_it_blends(server: Server) -> None:
    world = seeds.read(SEEDS)
    # In the store's order (by weight), which the report's market finder goes by too: a
    # Chinese-reading buyer in China is XJ's, the heavier of the two markets that read it.
    markets = sorted(world.markets, key=lambda m: (-m.weight, m.code))
    counts = orders_by_hour([o for o in world.orders if o.ts < NOW], markets, markets)
    status, body = await _get(server, "?lang=en")
    assert status == 200
    shown = dict(re.findall(r'data-market="(\w+)">.*?data-orders="(\d+)"', body, flags=re.S))
    assert shown == {code: str(sum(hours)) for code, hours in counts.items()}
    assert int(shown["KZ"]) > 1
    assert f"{shown['KZ']} past orders blended in" in body


async def test_orders_at_one_local_hour_move_the_plan_on_the_page(
    server: Server, seeded_store: SqlStore
) -> None:
    query = "?lang=en&streamer=khorgos-it&markets=KZ&from=2026-12-07&shows=1"
    status, body = await _get(server, query)
    assert status == 200
    assert 18 <= _start_hours(body, "KZ")[0] <= 22  # the seeded evening peak
    lunch = [
        Order(
            id=f"LUNCH-{i}",
            ts=datetime(2026, 11, 1 + i % 25, 8, i % 60, tzinfo=UTC),  # 13:xx in Almaty
            sku="IT-RTR-AX3",
            qty=1,
            unit_price=Decimal(22900),
            currency="KZT",
            buyer_country="KZ",
            buyer_lang="ru",
        )
        for i in range(2000)
    ]
    await seeded_store.add_orders(lunch)
    status, body = await _get(server, query)
    assert status == 200
    assert _start_hours(body, "KZ")[0] in (12, 13)
    # The heat follows: 13:00 is now hotter than 20:00 on the Monday.
    monday = re.findall(
        r'title="Mon, Dec 7 (\d+):00\u202f(AM|PM) Almaty time: audience (\d+)%"', body
    )
    levels = {(int(h) % 12 + (12 if half == "PM" else 0)): int(p) for h, half, p in monday}
    assert levels[13] > levels[20]


async def test_slots_list_the_moderators_on_shift(server: Server) -> None:
    status, body = await _get(
        server, "?lang=en&streamer=khorgos-it&markets=KZ,UZ,KG&from=2026-12-07"
    )
    assert status == 200
    assert '<span class="chips-label">Moderators</span>' in body
    assert len(re.findall(r'<td class="coverage" colspan="\d+">', body)) == 5
    world = seeds.read(SEEDS)
    markets = [m for m in world.markets if m.code in ("KZ", "UZ", "KG")]
    expected = make_plan(
        World(
            world.markets, world.streamers, world.products, [o for o in world.orders if o.ts < NOW]
        ),
        next(s for s in world.streamers if s.id == "khorgos-it"),
        markets,
        start=date(2026, 12, 7),
        days=7,
        shows=5,
        length=timedelta(minutes=90),
        gap=timedelta(hours=2),
        now=NOW,
        moderators=world.moderators,
    )
    cells = re.findall(r'<td class="coverage" colspan="\d+">(.*?)</td>', body, flags=re.S)
    for cell, slot in zip(cells, expected.plan.slots, strict=True):
        assert slot.coverage is not None
        covered = re.findall(r'<li class="covered" data-lang="(\w+)">', cell)
        missing = re.findall(r'<li class="missing" data-lang="(\w+)">', cell)
        assert covered == list(slot.coverage.covered)
        assert missing == list(slot.coverage.missing)
        assert cell.count("nobody on shift") == len(missing)
    # The demo team leaves gaps: a weekday evening has no Kyrgyz moderator.
    assert any('class="missing" data-lang="ky"' in cell for cell in cells)
    assert "Aigerim" in body


@pytest.fixture
async def broken_team_server(
    settings: Settings, seeded_store: SqlStore, tmp_path: Path
) -> AsyncIterator[Server]:
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    broken = '[[moderator]]\nname = "X"\nzone = "Mars/Base"\nlanguages = ["ru"]\n'
    (folder / "moderators.toml").write_text(broken + "hours = [[9, 18]]\n", encoding="utf-8")
    services = build_services(
        replace(settings, seeds_dir=folder, seed_on_start=False), seeded_store, clock=lambda: NOW
    )
    async with serving(create_app(services)) as server:
        yield server


async def test_a_broken_moderators_file_still_shows_the_plan(broken_team_server: Server) -> None:
    status, body = await _get(broken_team_server, "?lang=en")
    assert status == 200
    assert len(re.findall(r'<tr class="slot[^"]*" data-rank="\d+"', body)) == 5
    assert '<td class="coverage"' not in body
    warning = re.search(r'<p class="plan-warning">(.*?)</p>', body, flags=re.S)
    assert warning is not None
    assert "moderators.toml, [[moderator]] #1 (X), zone" in warning.group(1)
    assert "Mars/Base" in warning.group(1)
    assert "Traceback" not in body
