"""A viewer's zone comes from the viewer: real headless Chromium in a zone of its own
(Playwright's `timezone_id`) tells the page, through /static/zone.js, which zone to show."""

from __future__ import annotations

from playwright.async_api import Browser, BrowserContext, Page

from tests.conftest import Server
from tests.helpers.pages import TIMEOUT, Trouble


async def _open(
    browser: Browser, server: Server, locale: str, zone: str, path: str = "/"
) -> tuple[BrowserContext, Page, Trouble]:
    context = await browser.new_context(locale=locale, timezone_id=zone)
    context.set_default_timeout(TIMEOUT)
    trouble = Trouble()
    page = trouble.watch(await context.new_page())
    response = await page.goto(server.url(path))
    assert response is not None
    assert response.status == 200
    return context, page, trouble


async def test_a_russian_reader_in_almaty_sees_almaty_time(
    server: Server, browser: Browser
) -> None:
    context, page, trouble = await _open(browser, server, "ru-RU", "Asia/Almaty")
    # The page came back in the browser's zone, not in Moscow's (Russian's home zone).
    await page.locator('html[data-zone="Asia/Almaty"]').wait_for(state="attached")
    note = await page.locator("p.zone-note").inner_text()
    assert "(время Алматы)" in note
    starts = await page.locator('[data-show="khorgos-it-2026-11-20"] p.when time').inner_text()
    assert starts.endswith("18:00 (время Алматы)")
    assert "московское время" not in note
    cookies = {c["name"]: c["value"] for c in await context.cookies()}
    assert cookies["browser_tz"] == "Asia/Almaty"
    # The next page is in Almaty time from its first load.
    await page.goto(server.url("/plan"))
    assert await page.get_attribute("html", "data-zone") == "Asia/Almaty"
    assert trouble.errors == []
    await context.close()


async def test_a_reader_in_urumqi_sees_both_clocks(server: Server, browser: Browser) -> None:
    context, page, trouble = await _open(browser, server, "zh-CN", "Asia/Urumqi")
    await page.locator('html[data-zone="Asia/Urumqi"]').wait_for(state="attached")
    note = await page.locator("p.zone-note").inner_text()
    assert "北京时间" in note
    assert "新疆时间" in note
    assert trouble.errors == []
    await context.close()


async def test_a_zone_the_reader_chose_is_kept_over_the_browsers(
    server: Server, browser: Browser
) -> None:
    context, page, trouble = await _open(
        browser, server, "en-US", "Asia/Almaty", "/?tz=Asia/Tashkent"
    )
    await page.goto(server.url("/"))
    assert await page.get_attribute("html", "data-zone") == "Asia/Tashkent"
    assert "Tashkent time" in await page.locator("p.zone-note").inner_text()
    assert trouble.errors == []
    await context.close()
