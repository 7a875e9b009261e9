"""The way to a report in real headless Chromium: from the home page's past show to its
report, which carries the site's header; switching language there keeps the currency."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from livecommerce.i18n import Localizer
from tests.conftest import Server
from tests.helpers.pages import TIMEOUT, Trouble
from tests.web.test_reports import SHOW, expected

pytestmark = pytest.mark.browser


async def test_from_the_home_page_to_the_report_and_another_language(
    server: Server, browser: Browser
) -> None:
    context = await browser.new_context(
        locale="ru-RU", timezone_id="Asia/Almaty", viewport={"width": 1200, "height": 900}
    )
    trouble = Trouble()
    page = trouble.watch(await context.new_page())
    await page.goto(server.url("/"), timeout=TIMEOUT)
    card = page.locator(f'section.past article[data-show="{SHOW}"]')
    ru = Localizer("ru")
    want = expected()
    totals = await card.locator(".totals").inner_text()
    assert ru.format_money(want.revenue, "CNY") in totals
    await card.get_by_role("link", name=ru.gettext("Report")).click()
    await page.wait_for_url(f"**/streams/{SHOW}/report", timeout=TIMEOUT)
    await page.locator(".chart .plotly svg.main-svg").first.wait_for(timeout=20_000)

    # The site's header above the report, laid out as on every other page.
    header = page.locator("header.top")
    assert await header.is_visible()
    assert await header.locator("a.brand").get_attribute("href") == "/"
    head = await header.bounding_box()
    title = await page.locator("h1").bounding_box()
    assert head is not None
    assert title is not None
    assert head["y"] + head["height"] <= title["y"]
    assert head["width"] >= 1100  # the whole width, as on the other pages
    assert await header.evaluate("e => getComputedStyle(e).display") == "flex"
    current = header.locator("nav.languages a[aria-current]")
    assert await current.inner_text() == "Русский"

    # In euros, then in English: the switcher keeps the currency.
    await page.goto(server.url(f"/streams/{SHOW}/report?currency=EUR"), timeout=TIMEOUT)
    await header.locator('nav.languages a[lang="en"]').click()
    await page.wait_for_url("**/report?currency=EUR&lang=en", timeout=TIMEOUT)
    assert await page.get_attribute("html", "lang") == "en"
    totals = await page.locator(".totals").inner_text()
    assert "€" in totals  # the revenue in the currency asked for
    # Back to the list of past shows from the header.
    await page.locator("header.top").get_by_role("link", name="Past shows").click()
    await page.wait_for_url("**/shows/past", timeout=TIMEOUT)
    assert await page.locator(f'tr[data-show="{SHOW}"] a.report').count() == 1
    assert trouble.errors == []
    assert trouble.dialogs == []
    await context.close()
