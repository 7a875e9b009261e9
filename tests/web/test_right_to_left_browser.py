"""Right to left done fully, in real headless Chromium: on a Uyghur page every "clock /
time" pair is its own `<bdi>`, so the pairs keep their order and no time moves to the
wrong city; moderator lists and Latin names stay whole."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime

import pytest
from playwright.async_api import Browser, Locator

from livecommerce.i18n import Localizer
from tests.conftest import Server
from tests.helpers.pages import TIMEOUT, Trouble

pytestmark = pytest.mark.browser

SHOW = "khorgos-it-2026-11-20"  # markets KZ, UZ, KG and XJ
UG = Localizer("ug")
# In November 2026 (no summer time in any of them): the clocks' offsets from UTC.
OFFSETS = {
    UG.clock_name("Asia/Almaty"): 5,
    UG.clock_name("Asia/Tashkent"): 5,
    "بىشكېك ۋاقتى": 6,
    "بېيجىڭ ۋاقتى": 8,
    "شىنجاڭ ۋاقتى": 6,
}


async def pairs(cell: Locator) -> list[tuple[str, int, float, float]]:
    """Each `<bdi>` of a cell: its clock's name, its time as minutes of the UTC day, and
    where it is drawn (x, y)."""
    found = []
    for bdi in await cell.locator("bdi").all():
        text = (await bdi.inner_text()).strip()
        match = re.fullmatch(r"(.+?) (\d\d):(\d\d)", text)
        assert match is not None, text
        name, hour, minute = match.group(1), int(match.group(2)), int(match.group(3))
        assert name in OFFSETS, name
        utc = (hour - OFFSETS[name]) * 60 + minute
        box = await bdi.bounding_box()
        assert box is not None
        found.append((name, utc % (24 * 60), box["x"], box["y"]))
    return found


async def test_the_reports_local_times_pair_each_clock_with_its_time_in_uyghur(
    server: Server, browser: Browser
) -> None:
    context = await browser.new_context(
        locale="ug-CN", timezone_id="Asia/Urumqi", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT)
    trouble = Trouble()
    page = trouble.watch(await context.new_page())
    # The report page carries plotly.js: longer to load than the other pages.
    response = await page.goto(server.url(f"/streams/{SHOW}/report?lang=ug"), timeout=60_000)
    assert response is not None
    assert response.status == 200
    title = UG.gettext("Mentions and the orders that followed")
    table = page.locator("section.table", has=page.locator("h2", has_text=title))
    rows = table.locator("tbody tr")
    assert await rows.count() > 0
    for index in range(min(await rows.count(), 5)):
        cell = rows.nth(index).locator("td").nth(2)
        found = await pairs(cell)
        # Every clock of the show's markets, once, in the markets' order: Almaty, Tashkent,
        # Bishkek, then Xinjiang's two clocks (Beijing time first).
        assert [name for name, *_ in found] == list(OFFSETS)
        # Each time belongs to its own clock: all name the same moment.
        assert len({utc for _, utc, _, _ in found}) == 1
        # Laid out right to left: on each line, each pair is left of the one before it.
        same_line = [(a, b) for a, b in itertools.pairwise(found) if abs(a[3] - b[3]) < 2]
        assert same_line
        for (_, _, x1, _), (_, _, x2, _) in same_line:
            assert x2 < x1
    # The subtitle's date and times keep their order too.
    subtitle = page.locator(".subtitle bdi")
    assert await subtitle.count() == 2  # Beijing time, Xinjiang time: a Uyghur reader in Ürümqi
    assert trouble.errors == []
    await context.close()


async def test_moderator_lists_and_times_on_the_uyghur_plan_are_isolated(
    server: Server, browser: Browser
) -> None:
    context = await browser.new_context(
        locale="ug-CN", timezone_id="Asia/Urumqi", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT)
    trouble = Trouble()
    page = trouble.watch(await context.new_page())
    monday = datetime(2026, 12, 7, tzinfo=UTC)
    response = await page.goto(
        server.url(f"/plan?lang=ug&streamer=khorgos-it&from={monday:%Y-%m-%d}&days=3")
    )
    assert response is not None
    assert response.status == 200
    slot = page.locator("tr.slot").first
    # The streamer's span (in Ürümqi: both clocks) is one bdi per clock.
    mine = slot.locator("td.mine bdi")
    assert await mine.count() == 2
    texts = [t.strip() for t in await mine.all_inner_texts()]
    assert texts[0].startswith("بېيجىڭ ۋاقتى")
    assert texts[1].startswith("شىنجاڭ ۋاقتى")
    # 2 hours apart: Beijing time is Xinjiang time + 2.
    first = [int(h) for h in re.findall(r"(\d\d):00", texts[0])]
    second = [int(h) for h in re.findall(r"(\d\d):00", texts[1])]
    assert first
    assert second
    assert (first[0] - second[0]) % 24 == 2
    # Moderators' Latin names each in their own bdi, in the list's order.
    names = page.locator("li.covered .names bdi")
    assert await names.count() > 0
    for text in await names.all_inner_texts():
        assert re.fullmatch(r"[^\u0600-\u06ff]+", text.strip()), text  # a whole non-Uyghur name
    listed = await page.locator("li.covered .names").first.inner_text()
    assert (
        listed.count("،")
        == await page.locator("li.covered .names").first.locator("bdi").count() - 1
    )  # the Uyghur comma between names, one bdi per name
    assert trouble.errors == []
    await context.close()
