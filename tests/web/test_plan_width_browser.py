"""The planning page fits a 1280 px screen, in real headless Chromium, in every language
(right-to-left Uyghur and Chinese among them): the slot table and every market's week
grid are on the page whole, without horizontal scrolling, with all markets asked."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from livecommerce.core.values import LOCALES
from tests.conftest import Server
from tests.helpers.pages import TIMEOUT, Trouble

pytestmark = pytest.mark.browser

WIDTH = 1280
MARKETS = 7  # every market of the demo seeds

# Any element (the page itself, a table's wrapper) wider than what it shows.
_SCROLLING = """() => [document.documentElement, ...document.querySelectorAll('.table-wrap')]
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => `${e.className || e.tagName}: ${e.scrollWidth} > ${e.clientWidth}`)"""


@pytest.mark.parametrize("lang", LOCALES)
async def test_the_plan_fits_a_1280_pixel_screen(
    server: Server, browser: Browser, lang: str
) -> None:
    context = await browser.new_context(
        timezone_id="Asia/Almaty", viewport={"width": WIDTH, "height": 800}
    )
    context.set_default_timeout(TIMEOUT)
    trouble = Trouble()
    page = trouble.watch(await context.new_page())
    response = await page.goto(server.url(f"/plan?lang={lang}&streamer=khorgos-it"))
    assert response is not None
    assert response.status == 200
    assert await page.locator("figure.grid").count() == MARKETS
    assert await page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert await page.evaluate(_SCROLLING) == []
    # The slot table and every grid are drawn inside the screen's width.
    boxes = [page.locator("table.slot-table"), *await page.locator("figure.grid").all()]
    for box in boxes:
        await box.scroll_into_view_if_needed()
        assert await box.is_visible()
        drawn = await box.bounding_box()
        assert drawn is not None
        assert drawn["x"] >= 0
        assert drawn["x"] + drawn["width"] <= WIDTH
    # Coverage is a row of chips, one per language of the show.
    chips = page.locator("tr.staff").first.locator("td.coverage li")
    assert await chips.count() > 0
    await page.screenshot(path=f"/tmp/readers/plan-{lang}.png", full_page=True)
    assert trouble.errors == []
    await context.close()
