"""The seller's way to the reports over real HTTP: the home page's past shows with their
totals and report links, the list of all past shows a page at a time, and the report
page with the site's header and a language switcher that keeps the currency."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from html import unescape

import aiohttp
import pytest

from livecommerce.core.models import ShowStatus
from livecommerce.i18n import Localizer
from livecommerce.services.reporting import cache_of
from livecommerce.web.past_shows import LATEST, PER_PAGE
from tests.conftest import Server
from tests.helpers.shows import finished_before
from tests.web.test_reports import SHOW, STARTS, expected

OLD_SHOWS = 24  # with the seeds' finished show: 25 past shows, three pages


async def get(server: Server, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(server.url(path)) as response:
        return response.status, await response.text()


async def add_old_shows(server: Server, count: int = OLD_SHOWS) -> list[str]:
    """Finished shows before the seeds' one, a day apart, newest first (no orders)."""
    store = server.services.store
    show = await store.show(SHOW)
    assert show is not None
    old = finished_before(show, count, "old-show")
    await store.put_shows(old)
    return [s.id for s in old]


def section(page: str, name: str) -> str:
    found = re.search(rf'<section class="{name}">(.*?)</section>', page, re.S)
    assert found is not None
    return found.group(1)


def shows_in(html: str) -> list[str]:
    return re.findall(r'data-show="([^"]+)"', html)


@pytest.mark.parametrize("locale", ["en", "ru", "zh_Hans"])
async def test_each_past_show_on_the_home_page_has_its_totals_and_report(
    server: Server, locale: str
) -> None:
    status, page = await get(server, f"/?lang={locale}")
    assert status == 200
    past = section(page, "past")
    assert shows_in(past) == [SHOW]
    l10n = Localizer(locale)
    want = expected()
    orders = l10n.ngettext("{n} order", "{n} orders", want.orders)
    assert orders.format(n=l10n.format_number(want.orders)) in past
    assert l10n.format_money(want.revenue, "CNY") in past  # the base currency, by Babel
    assert f'<a class="report" href="/streams/{SHOW}/report">{l10n.gettext("Report")}</a>' in past
    # Shows to come have no report yet.
    assert "/report" not in section(page, "upcoming")
    assert "/shows/past" in page  # the header's link to the whole list


async def test_the_home_page_shows_the_latest_past_shows_and_links_to_all(
    server: Server,
) -> None:
    old = await add_old_shows(server)
    cache = cache_of(server.services.store)
    before = cache.computed
    status, page = await get(server, "/")
    assert status == 200
    past = section(page, "past")
    assert shows_in(past) == [SHOW, *old[: LATEST - 1]]  # newest first, no more
    assert '<a href="/shows/past">All past shows</a>' in past
    assert cache.computed - before == LATEST  # one report per show on the page
    # Asked again, the reports are the ones kept: nothing is computed anew.
    status, again = await get(server, "/")
    assert status == 200
    assert cache.computed - before == LATEST
    assert section(again, "past") == past
    # The list's first page is the same shows: their reports are kept too.
    status, _ = await get(server, "/shows/past")
    assert status == 200
    assert cache.computed - before == LATEST


def rows(page: str) -> list[dict[str, str]]:
    """The table's rows: show id, start, orders, units, revenue, report link."""
    found = []
    for show, body in re.findall(r'<tr data-show="([^"]+)">(.*?)</tr>', page, re.S):
        cells = [
            unescape(re.sub(r"</?bdi>", "", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)
        ]
        link = re.search(r'href="([^"]+)"', body)
        assert link is not None
        found.append(
            {
                "show": show,
                "starts": re.sub(r"<[^>]+>", "", cells[1]),
                "orders": cells[2],
                "units": cells[3],
                "revenue": cells[4],
                "report": link.group(1),
            }
        )
    return found


async def test_the_list_of_past_shows_pages_through_them_all(server: Server) -> None:
    old = await add_old_shows(server)
    everything = [SHOW, *old]
    seen = []
    for number in (1, 2, 3):
        status, page = await get(server, f"/shows/past?page={number}&lang=ru&tz=Asia/Urumqi")
        assert status == 200
        listed = rows(page)
        assert len(listed) == min(PER_PAGE, len(everything) - len(seen))
        seen += [r["show"] for r in listed]
        for row in listed:
            assert row["report"] == f"/streams/{row['show']}/report"
        assert ('rel="next"' in page) == (number < 3)
        assert ('rel="prev"' in page) == (number > 1)
        ru = Localizer("ru")
        page_of = ru.gettext("Page {page} of {pages}").format(page=number, pages=3)
        assert page_of in page
        # The language switcher keeps the page.
        assert f'href="/shows/past?page={number}&amp;lang=kk"' in page
    assert seen == everything  # newest first, each once

    status, page = await get(server, "/shows/past?lang=ru&tz=Asia/Urumqi")
    first = rows(page)[0]
    l10n = Localizer("ru", "Asia/Urumqi")
    want = expected()
    assert first["show"] == SHOW
    # On the reader's clocks: Beijing's and Xinjiang's in Ürümqi.
    assert first["starts"] == l10n.clock_times(STARTS, day=True)
    assert first["orders"] == l10n.format_number(want.orders)
    assert first["units"] == l10n.format_number(want.units)
    assert first["revenue"] == l10n.format_money(want.revenue, "CNY")
    assert rows(page)[1]["orders"] == "0"  # a show without orders: zero, not blank
    header = l10n.gettext("Starts ({clock})").format(clock=l10n.clock_name())
    assert header in unescape(re.sub(r"</?bdi>", "", page))


@pytest.mark.parametrize(
    ("query", "status", "sentence"),
    [
        ("page=0", 400, "The page must be a whole number from 1."),
        ("page=abc", 400, "The page must be a whole number from 1."),
        ("page=-1", 400, "The page must be a whole number from 1."),
        ("page=٣", 400, "The page must be a whole number from 1."),
        ("page=2", 404, "There is no such page."),
    ],
)
async def test_a_page_that_is_not_there_is_one_translated_sentence(
    server: Server, query: str, status: int, sentence: str
) -> None:
    got, page = await get(server, f"/shows/past?{query}&lang=kk")
    assert got == status
    assert Localizer("kk").gettext(sentence) in page
    assert sentence not in page  # not the English one
    assert "Traceback" not in page


async def test_with_no_past_show_the_list_says_so(server: Server) -> None:
    store = server.services.store
    show = await store.show(SHOW)
    assert show is not None
    await store.put_shows(
        [
            replace(
                show,
                status=ShowStatus.SCHEDULED,
                starts_at=STARTS.replace(year=2027),
                ends_at=STARTS.replace(year=2027) + timedelta(hours=2),
            )
        ]
    )
    status, page = await get(server, "/shows/past")
    assert status == 200
    assert "No shows have taken place yet." in page
    assert "<table" not in page
    status, page = await get(server, "/")
    assert "All past shows" not in page


async def test_the_report_page_carries_the_site_header(server: Server) -> None:
    status, page = await get(server, f"/streams/{SHOW}/report?currency=EUR&lang=ru")
    assert status == 200
    header = re.search(r'<header class="top">.*?</header>', page, re.S)
    assert header is not None
    assert 'href="/"' in header.group(0)
    assert 'href="/shows/past"' in header.group(0)
    assert 'href="/plan"' in header.group(0)
    # Each language keeps the currency asked for.
    switch = re.findall(r'href="(/streams/[^"]+/report\?[^"]+)"', header.group(0))
    assert [unescape(link) for link in switch] == [
        f"/streams/{SHOW}/report?currency=EUR&lang={code}"
        for code in ("en", "ru", "kk", "ky", "uz_Latn", "ug", "zh_Hans")
    ]
    assert 'href="/static/header.css"' in page
    assert page.index("</header>") < page.index("<h1>")  # above the report, not inside it
    assert '<script src="/static/vendor/plotly.min.js"></script>' in page
    status, css = await get(server, "/static/header.css")
    assert status == 200
    assert ".top" in css
