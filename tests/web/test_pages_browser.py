"""The home page in real headless Chromium: Russian, Chinese and right-to-left Uyghur."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser

from tests.conftest import Server


@pytest.mark.parametrize(
    ("locale", "lang", "direction", "past_heading"),
    [
        ("ru-RU", "ru", "ltr", "Прошедшие эфиры"),
        ("ug-CN", "ug", "rtl", None),
        ("zh-CN", "zh-Hans", "ltr", None),
    ],
)
async def test_home_page_renders_in_the_browsers_language(
    server: Server,
    browser: Browser,
    tmp_path: Path,
    locale: str,
    lang: str,
    direction: str,
    past_heading: str | None,
) -> None:
    context = await browser.new_context(locale=locale, timezone_id="Asia/Almaty")
    page = await context.new_page()
    response = await page.goto(server.url("/"))
    assert response is not None
    assert response.status == 200
    assert await page.get_attribute("html", "lang") == lang
    computed = await page.evaluate("getComputedStyle(document.body).direction")
    assert computed == direction
    headings = await page.locator("section.past h2").all_inner_texts()
    assert len(headings) == 1
    assert headings[0] != "Past shows"
    if past_heading:
        assert headings[0] == past_heading
    cards = page.locator("article.show")
    assert await cards.count() == 3
    # Every card shows its title in the reader's language, not the English fallback.
    title = await page.locator('[data-show="khorgos-it-2026-11-20"] h3').inner_text()
    assert title.strip()
    if direction == "rtl":
        # Right-to-left: the brand sits at the right edge of the header.
        brand = await page.locator(".brand").bounding_box()
        assert brand is not None
        assert brand["x"] > 600
    await page.screenshot(path=str(tmp_path / f"home-{lang}.png"), full_page=True)
    await context.close()


async def test_switching_language_by_clicking(server: Server, browser: Browser) -> None:
    context = await browser.new_context(locale="en-US")
    page = await context.new_page()
    await page.goto(server.url("/"))
    await page.click('nav.languages a[lang="kk"]')
    await page.wait_for_load_state()
    assert await page.get_attribute("html", "lang") == "kk"
    await page.goto(server.url("/"))
    assert await page.get_attribute("html", "lang") == "kk"
    await context.close()
