"""The announcement pack of a show over a real server: the page (every market's text in
each of its languages, a copy button each), the zip and per-market text downloads, bad
addresses, and the page in real headless Chromium (Russian; right-to-left Uyghur)."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser

from livecommerce.files.announcements import market_text
from livecommerce.store import SqlStore
from tests.conftest import Server

SHOW = "jiangxi-kitchen-2026-12-10"  # KZ (kk, ru), RU (ru), EU (en, ru), CN (zh)
KHORGOS = "khorgos-it-2026-11-20"  # KZ, UZ, KG, XJ (ug, zh)


async def _get(server: Server, path: str) -> tuple[int, dict[str, str], bytes]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url(path)) as response,
    ):
        return response.status, dict(response.headers), await response.read()


async def _texts(server: Server, show: str) -> dict[str, dict[str, str]]:
    status, _, body = await _get(server, f"/api/streams/{show}/announcements")
    assert status == 200
    texts: dict[str, dict[str, str]] = json.loads(body)["announcements"]
    return texts


async def test_the_page_holds_every_market_and_language(server: Server) -> None:
    texts = await _texts(server, SHOW)
    status, _, raw = await _get(server, f"/streams/{SHOW}/announcements?lang=en")
    assert status == 200
    body = raw.decode()
    assert re.findall(r'<section class="market-pack" data-market="(\w+)">', body) == list(texts)
    for code, by_lang in texts.items():
        section = body.split(f'data-market="{code}">', 1)[1].split("</section>", 1)[0]
        assert re.findall(r'<article class="announcement" data-lang="(\w+)">', section) == list(
            by_lang
        )
        for lang, text in by_lang.items():
            shown = re.search(
                rf'<p class="text" id="text-{code}-{lang}"[^>]*>(.*?)</p>', section, re.S
            )
            assert shown is not None
            assert html.unescape(shown.group(1)) == text
        assert section.count('<button type="button" class="copy"') == len(by_lang)
        assert f'href="/streams/{SHOW}/announcements/{code}.txt"' in section
    assert f'href="/streams/{SHOW}/announcements.zip"' in body
    assert f'href="/api/streams/{SHOW}/announcements"' in body
    # The chrome is the reader's: English names of markets and languages, Almaty's clock.
    assert "<h2>Kazakhstan</h2>" in body
    assert "<h3>Kazakh</h3>" in body
    assert "Almaty time" in body


async def test_the_page_speaks_the_readers_language(server: Server) -> None:
    status, _, raw = await _get(server, f"/streams/{SHOW}/announcements?lang=ru")
    assert status == 200
    body = raw.decode()
    assert '<html lang="ru"' in body
    assert "<h2>Казахстан</h2>" in body
    assert "<h3>Казахский</h3>" in body
    assert "<h3>Английский</h3>" in body
    assert "четверг" in body  # the start, in Russian
    assert "<h2>Kazakhstan</h2>" not in body


async def test_each_text_carries_its_language_and_direction(server: Server) -> None:
    status, _, raw = await _get(server, f"/streams/{KHORGOS}/announcements?lang=en")
    assert status == 200
    body = raw.decode()
    assert '<p class="text" id="text-XJ-ug" lang="ug" dir="rtl">' in body
    assert '<p class="text" id="text-XJ-zh" lang="zh-Hans" dir="ltr">' in body
    assert '<p class="text" id="text-UZ-uz" lang="uz-Latn" dir="ltr">' in body


async def test_the_zip_holds_a_file_per_market_and_language(server: Server) -> None:
    texts = await _texts(server, SHOW)
    status, headers, body = await _get(server, f"/streams/{SHOW}/announcements.zip")
    assert status == 200
    assert headers["Content-Type"] == "application/zip"
    assert headers["Content-Disposition"] == f'attachment; filename="{SHOW}-announcements.zip"'
    with zipfile.ZipFile(io.BytesIO(body)) as pack:
        assert pack.testzip() is None
        names = pack.namelist()
        expected = [f"{SHOW}/{code}/{lang}.txt" for code, by in texts.items() for lang in by]
        assert names == [*expected, f"{SHOW}/announcements.json"]
        for code, by_lang in texts.items():
            for lang, text in by_lang.items():
                assert pack.read(f"{SHOW}/{code}/{lang}.txt").decode() == text + "\n"
        data = json.loads(pack.read(f"{SHOW}/announcements.json"))
        assert data == {"stream": SHOW, "announcements": texts}
    # The same pack is the same bytes.
    assert (await _get(server, f"/streams/{SHOW}/announcements.zip"))[2] == body


async def test_a_market_as_one_text_file(server: Server) -> None:
    texts = await _texts(server, SHOW)
    status, headers, body = await _get(server, f"/streams/{SHOW}/announcements/KZ.txt")
    assert status == 200
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert headers["Content-Disposition"] == f'attachment; filename="{SHOW}-KZ.txt"'
    assert body.decode() == market_text(texts["KZ"])
    assert body.decode().startswith("[kk]\n" + texts["KZ"]["kk"] + "\n\n[ru]\n")
    # The code in any case.
    assert (await _get(server, f"/streams/{SHOW}/announcements/kz.txt"))[2] == body


@pytest.mark.parametrize(
    "path",
    [
        "/streams/no-such-show/announcements",
        "/streams/no-such-show/announcements.zip",
        "/streams/no-such-show/announcements/KZ.txt",
        f"/streams/{SHOW}/announcements/UZ.txt",  # not one of the show's markets
        f"/streams/{SHOW}/announcements/..%2F..%2Fetc.txt",
        "/streams/%2E%2E%2F%2E%2E/announcements",
        "/streams/" + "x" * 5000 + "/announcements",
        "/streams/%F0%9F%92%A5%00/announcements.zip",
    ],
)
async def test_bad_addresses_are_a_clear_404(server: Server, path: str) -> None:
    status, headers, body = await _get(server, path + "?lang=en")
    assert status == 404
    assert headers["Content-Type"].startswith("text/html")
    assert b"Traceback" not in body
    assert b"There is nothing at this address." in body


async def test_the_home_page_links_the_packs_of_coming_shows(server: Server) -> None:
    status, _, raw = await _get(server, "/?lang=en")
    assert status == 200
    body = raw.decode()
    assert f'href="/streams/{SHOW}/announcements"' in body
    assert 'href="/streams/zhejiang-bedding-2026-12-12/announcements"' in body
    assert f'href="/streams/{KHORGOS}/announcements"' not in body  # finished


@pytest.mark.parametrize(("locale", "direction"), [("ru", "ltr"), ("ug", "rtl")])
async def test_the_pack_in_the_browser(
    server: Server, browser: Browser, tmp_path: Path, locale: str, direction: str
) -> None:
    texts = await _texts(server, KHORGOS)
    context = await browser.new_context(locale=locale, viewport={"width": 1100, "height": 900})
    await context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = await context.new_page()
    response = await page.goto(server.url(f"/streams/{KHORGOS}/announcements?lang={locale}"))
    assert response is not None
    assert response.status == 200
    assert await page.get_attribute("html", "dir") == direction
    assert await page.evaluate("getComputedStyle(document.body).direction") == direction
    assert await page.locator("section.market-pack").count() == len(texts)
    # Each text in its own direction, whatever the reader's: Uyghur right to left.
    uyghur = page.locator("#text-XJ-ug")
    assert await uyghur.evaluate("e => getComputedStyle(e).direction") == "rtl"
    russian = page.locator("#text-KZ-ru")
    assert await russian.evaluate("e => getComputedStyle(e).direction") == "ltr"
    # The text is laid out on its lines, as it will be pasted.
    assert await russian.inner_text() == texts["KZ"]["ru"]
    # The copy buttons appear with the script, one per text, and copy their own text.
    buttons = page.locator("button.copy")
    assert await buttons.count() == sum(len(by) for by in texts.values())
    button = page.locator('article[data-lang="ug"] button.copy')
    assert await button.is_visible()
    label = await button.inner_text()
    await button.click()
    await page.wait_for_function(
        "b => b.classList.contains('copied')", arg=await button.element_handle()
    )
    assert await page.evaluate("navigator.clipboard.readText()") == texts["XJ"]["ug"]
    assert await button.inner_text() != label
    await page.locator('article[data-lang="kk"] button.copy').click()
    assert await page.evaluate("navigator.clipboard.readText()") == texts["KZ"]["kk"]
    # The pack downloads as a zip.
    async with page.expect_download() as download_info:
        await page.locator("a.download-zip").click()
    download = await download_info.value
    assert download.suggested_filename == f"{KHORGOS}-announcements.zip"
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    with zipfile.ZipFile(saved) as pack:
        assert pack.read(f"{KHORGOS}/XJ/ug.txt").decode() == texts["XJ"]["ug"] + "\n"
    await page.screenshot(path=str(tmp_path / f"pack-{locale}.png"), full_page=True)
    await context.close()


async def test_a_show_of_unknown_markets_says_there_is_nothing(
    server: Server, seeded_store: SqlStore
) -> None:
    show = await seeded_store.show(SHOW)
    assert show is not None
    await seeded_store.put_shows([replace(show, id="lonely", code="LONE1", markets=("ZZ",))])
    status, _, raw = await _get(server, "/streams/lonely/announcements?lang=en")
    assert status == 200
    assert "nothing to announce" in raw.decode()
    assert '<section class="market-pack"' not in raw.decode()
    status, _, body = await _get(server, "/streams/lonely/announcements.zip")
    assert status == 200
    with zipfile.ZipFile(io.BytesIO(body)) as pack:
        assert pack.namelist() == ["lonely/announcements.json"]
