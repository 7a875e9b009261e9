"""The chat pages in real headless Chromium: a viewer and a moderator in separate browser
contexts, talking through the real relay of a real server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import websockets
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
)

from livecommerce.config import Settings
from livecommerce.core.models import Role
from livecommerce.core.tokens import Identity, issue
from tests.conftest import NOW, Server
from tests.helpers.pages import TIMEOUT, Trouble, message

SHOW = "khorgos-it-2026-11-20"  # kk ru uz ky ug zh, fallback moderators: ru


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Presence every 0.2 s instead of 5 s: the coverage test waits for it.
    return replace(settings, presence_interval=0.2)


@pytest.fixture
def trouble() -> Iterator[Trouble]:
    seen = Trouble()
    yield seen
    assert seen.dialogs == []
    assert seen.errors == []


def token(server: Server, user: str, name: str, role: Role, langs: tuple[str, ...]) -> str:
    secret = server.services.secret
    expires = int(NOW.timestamp()) + 3600
    return issue(secret, Identity(user, name, role, langs, SHOW, expires))


async def open_page(
    browser: Browser, trouble: Trouble, locale: str, url: str
) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(
        locale=locale, timezone_id="Asia/Almaty", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT)
    page = trouble.watch(await context.new_page())
    response = await page.goto(url)
    assert response is not None
    assert response.status == 200
    return context, page


async def viewer(
    server: Server, browser: Browser, trouble: Trouble, locale: str, name: str, query: str = ""
) -> tuple[BrowserContext, Page]:
    context, page = await open_page(
        browser, trouble, locale, server.url(f"/streams/{SHOW}/chat{query}")
    )
    await page.fill("#guest-name", name)
    await page.click("#guest-form button[type=submit]")
    # (No wait_for_function on these pages: their policy forbids the eval it polls with.)
    await page.locator("#connection.is-open", has_text=name).wait_for()
    return context, page


async def moderator(
    server: Server, browser: Browser, trouble: Trouble, locale: str, langs: tuple[str, ...]
) -> tuple[BrowserContext, Page]:
    signed = token(
        server, f"mod-{'-'.join(langs)}", f"Mod {' '.join(langs)}", Role.MODERATOR, langs
    )
    context, page = await open_page(
        browser, trouble, locale, server.url(f"/streams/{SHOW}/moderate?token={signed}")
    )
    await page.wait_for_selector("#moderate[data-state=open]")
    return context, page


async def send(page: Page, text: str) -> None:
    await page.fill("#send-form textarea", text)
    await page.press("#send-form textarea", "Enter")


async def test_a_held_message_is_approved_by_a_moderator_and_reaches_the_viewer(
    server: Server, browser: Browser, trouble: Trouble
) -> None:
    mod_context, desk = await moderator(server, browser, trouble, "kk-KZ", ("kk",))
    # The token left the address bar (and with it, the history and the referrer).
    assert "token=" not in desk.url
    column = '.column[data-lang="kk"]'
    await desk.wait_for_selector(column)
    assert await desk.locator(".column").count() == 1

    view_context, page = await viewer(server, browser, trouble, "kk-KZ", "Айгерім")
    text = "Сәлем! Мына жерден арзанырақ көрдім: https://example.com/deal"
    await send(page, text)
    # The sender is told it waits for review and sees it as pending, not as sent.
    await page.wait_for_selector("#send-status.is-held")
    await page.wait_for_selector(
        f"#messages li.pending .text:text-is({json.dumps(text, ensure_ascii=False)})"
    )
    assert await page.locator(message(text)).count() == 0
    # The room has not stamped it yet: no time, and nothing made up in its place.
    pending = page.locator("#messages li.pending .meta")
    assert await pending.locator("time").count() == 0
    assert "null" not in await pending.inner_text()

    held = desk.locator(f"{column} .held-list li.msg", has_text=text)
    await held.wait_for()
    assert "Айгерім" in await held.locator(".who").inner_text()
    assert await held.locator(".reasons").inner_text()
    await held.locator("button.approve").click()

    await page.wait_for_selector(message(text))
    await page.wait_for_selector("#send-status.is-ok")
    assert await page.locator("#messages li.pending").count() == 0
    assert await page.locator(message(text)).count() == 1
    # The moderator's queue is empty again and the message is in the column.
    await held.wait_for(state="detached")
    await desk.wait_for_selector(message(text, column))
    assert await desk.locator(f"{column} .held-list li").count() == 0
    await desk.wait_for_selector('#mod-log li[data-action="approve"]')
    await mod_context.close()
    await view_context.close()


async def test_each_viewer_sees_only_their_language_channel(
    server: Server, browser: Browser, trouble: Trouble
) -> None:
    kk_context, kk = await viewer(server, browser, trouble, "kk-KZ", "Дәулет")
    ru_context, ru = await viewer(server, browser, trouble, "ru-RU", "Олег")
    assert await kk.locator('input[name=channel][value="kk"]').is_checked()
    assert await ru.locator('input[name=channel][value="ru"]').is_checked()

    russian = "Добрый вечер! Сколько стоит роутер?"
    kazakh = "Қайырлы кеш! Ноутбук қанша тұрады?"
    russian_again = "Спасибо, беру два."
    await send(ru, russian)
    await ru.wait_for_selector(message(russian))
    # The kk viewer's own later message arrives after anything the room sent before it.
    await send(kk, kazakh)
    await kk.wait_for_selector(message(kazakh))
    await send(ru, russian_again)
    await ru.wait_for_selector(message(russian_again))

    assert await kk.locator(message(russian)).count() == 0
    assert await kk.locator(message(russian_again)).count() == 0
    assert await ru.locator(message(kazakh)).count() == 0
    for page, lang in ((kk, "kk"), (ru, "ru")):
        shown = await page.eval_on_selector_all(
            "#messages li.msg:not([hidden]):not(.broadcast)",
            "items => items.map(i => i.dataset.lang)",
        )
        assert shown
        assert set(shown) == {lang}
    await kk_context.close()
    await ru_context.close()


async def test_the_uyghur_page_is_right_to_left(
    server: Server, browser: Browser, trouble: Trouble, tmp_path: Path
) -> None:
    context, page = await viewer(server, browser, trouble, "ug-CN", "ماھىرە")
    assert await page.get_attribute("html", "dir") == "rtl"
    assert await page.get_attribute("html", "lang") == "ug"
    assert await page.locator('input[name=channel][value="ug"]').is_checked()
    text = "ياخشىمۇسىلەر، بۇ روتېر قانچە پۇل؟"
    await send(page, text)
    item = page.locator(
        "#messages li.msg",
        has=page.locator(f".text:text-is({json.dumps(text, ensure_ascii=False)})"),
    )
    await item.wait_for()
    assert await page.evaluate(
        "getComputedStyle(document.querySelector('#messages')).direction"
    ) == ("rtl")
    box = await page.locator("#messages").bounding_box()
    name = await item.locator(".who").bounding_box()
    words = await item.locator(".text").evaluate(
        "p => { const r = document.createRange(); r.selectNodeContents(p);"
        " const b = r.getBoundingClientRect(); return {x: b.x, width: b.width}; }"
    )
    assert box is not None
    assert name is not None
    # The sender's name and the words start at the column's right edge and leave the
    # left side free.
    right = box["x"] + box["width"]
    assert right - (name["x"] + name["width"]) < 40
    assert right - (words["x"] + words["width"]) < 40
    assert words["x"] - box["x"] > box["width"] / 3
    await page.screenshot(path=str(tmp_path / "chat-ug.png"), full_page=True)
    await context.close()


async def test_the_chinese_page_speaks_chinese(
    server: Server, browser: Browser, trouble: Trouble
) -> None:
    context, page = await open_page(browser, trouble, "zh-CN", server.url(f"/streams/{SHOW}/chat"))
    assert await page.get_attribute("html", "lang") == "zh-Hans"
    assert (await page.locator(".channels legend").inner_text()).strip() == "聊天语言："
    labels = await page.locator(".channel span").all_inner_texts()
    assert "哈萨克语" in labels
    assert "俄语" in labels
    assert await page.locator('input[name=channel][value="zh"]').is_checked()
    # The history's language tags are named in Chinese too, and times are in the
    # reader's format.
    await page.wait_for_selector("#messages li.msg")
    assert await page.locator("#messages li.msg .tag").first.get_attribute("title") == "中文"
    config = json.loads(await page.locator("#chat-config").text_content() or "{}")
    assert config["languages"][0] == ["kk", "哈萨克语"]
    await context.close()


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2);window.__pwned=1>",
]


async def test_chat_text_is_shown_as_text_and_never_runs(
    server: Server, browser: Browser, trouble: Trouble
) -> None:
    # Latin-script markup reads as English or transliterated Russian to the detector,
    # whatever the writer reads: the desk moderates those channels too.
    mod_context, desk = await moderator(server, browser, trouble, "ru-RU", ("kk", "en", "ru"))
    context, page = await viewer(server, browser, trouble, "kk-KZ", "<b>Гүлназ</b>")
    for text in HOSTILE:
        await send(page, text)
        await page.wait_for_selector(message(text))
    held = "<img src=x onerror=alert(3)> www.example.com"
    await send(page, held)
    await desk.wait_for_selector(
        f".held-list li.msg .text:text-is({json.dumps(held, ensure_ascii=False)})"
    )

    for shown, scope in ((page, "#messages"), (desk, ".column")):
        for text in HOSTILE:
            await shown.wait_for_selector(message(text, scope))
        assert await shown.locator(f"{scope} img, {scope} script, {scope} b").count() == 0
        assert await shown.evaluate("window.__pwned") is None
        names = await shown.locator(f"{scope} li.msg .who").all_inner_texts()
        assert "<b>Гүлназ</b>" in names
    assert trouble.dialogs == []
    await context.close()
    await mod_context.close()


async def test_a_viewer_resumes_after_a_drop_without_duplicates(
    server: Server, browser: Browser, trouble: Trouble
) -> None:
    context, page = await viewer(server, browser, trouble, "ru-RU", "Ирина")
    await send(page, "Первое сообщение до обрыва.")
    await page.wait_for_selector(message("Первое сообщение до обрыва."))
    last = await page.evaluate("window.LiveChat.page.relay.lastId")

    # The connection drops; meanwhile someone else writes in the channel.
    await page.evaluate("window.LiveChat.page.relay.stop()")
    signed = token(server, "u-other", "Пётр", Role.VIEWER, ())
    address = server.url(f"/ws/streams/{SHOW}").replace("http", "ws", 1)
    async with websockets.connect(f"{address}?lang=ru&token={signed}") as other:
        assert json.loads(await other.recv())["type"] == "hello"
        await other.send(json.dumps({"type": "chat", "text": "Пока вас не было, цены упали."}))
        while json.loads(await other.recv())["type"] != "ack":
            pass

    async with page.expect_websocket() as resumed:
        await page.evaluate("window.LiveChat.page.relay.connect()")
    assert parse_qs(urlsplit((await resumed.value).url).query)["since"] == [str(last)]
    await page.wait_for_selector(message("Пока вас не было, цены упали."))

    # The page also reconnects by itself after a drop, from the last message it saw.
    last = await page.evaluate("window.LiveChat.page.relay.lastId")
    async with page.expect_websocket() as again:
        await page.evaluate("window.LiveChat.page.relay.socket.close(4000)")
    assert parse_qs(urlsplit((await again.value).url).query)["since"] == [str(last)]
    await page.wait_for_selector("#chat[data-state=open]")
    await send(page, "И снова здесь.")
    await page.wait_for_selector(message("И снова здесь."))
    ids = await page.eval_on_selector_all(
        "#messages li.msg", "items => items.map(i => i.dataset.id)"
    )
    assert len(ids) == len(set(ids))
    assert await page.locator(message("Первое сообщение до обрыва.")).count() == 1
    assert await page.locator(message("Пока вас не было, цены упали.")).count() == 1
    await context.close()


async def test_the_pinned_product_shows_its_name_and_price(
    server: Server, browser: Browser, trouble: Trouble
) -> None:
    context, page = await viewer(server, browser, trouble, "ru-RU", "Анна")
    assert await page.locator("#pinned").is_hidden()
    signed = token(server, "streamer-khorgos", "Khorgos IT Studio", Role.STREAMER, ())
    address = server.url(f"/ws/streams/{SHOW}").replace("http", "ws", 1)
    async with websockets.connect(f"{address}?token={signed}") as streamer:
        await streamer.send(json.dumps({"type": "pin", "sku": "IT-LAP-14"}))
        await page.wait_for_selector("#pinned:not([hidden])")
        name = await page.locator("#pinned .product-name").inner_text()
        price = await page.locator("#pinned .product-price").inner_text()
        assert name.strip()
        assert "₸" in price or "₽" in price or "сом" in price
        await streamer.send(json.dumps({"type": "unpin", "sku": "IT-LAP-14"}))
        await page.wait_for_selector("#pinned", state="hidden")
    await context.close()


async def test_a_moderator_deletes_slows_and_bans(
    server: Server, browser: Browser, trouble: Trouble
) -> None:
    mod_context, desk = await moderator(server, browser, trouble, "ru-RU", ("kk",))
    context, page = await viewer(server, browser, trouble, "kk-KZ", "Ерлан")
    text = "Бұл хабарлама өшіріледі."
    await send(page, text)
    await page.wait_for_selector(message(text))
    item = desk.locator('.column[data-lang="kk"] li.msg', has_text=text)
    await item.locator("button.danger").first.click()  # delete
    await page.wait_for_selector(message(text), state="detached")

    await desk.select_option('.column[data-lang="kk"] select[name=slow]', "30")
    await page.wait_for_selector("#messages li.notice")
    await desk.wait_for_selector('.column[data-lang="kk"].slowed')

    again = "Тағы жазамын."
    await desk.select_option('.column[data-lang="kk"] select[name=slow]', "0")
    await page.locator("#messages li.notice").nth(1).wait_for()
    await send(page, again)
    ban = (
        desk.locator('.column[data-lang="kk"] li.msg', has_text=again)
        .locator("button.danger")
        .nth(1)
    )
    await ban.click()
    await ban.click()  # confirm
    await page.wait_for_selector("#chat[data-state=ended]")
    await desk.wait_for_selector('#mod-log li[data-action="ban"] button')
    await context.close()
    await mod_context.close()


async def test_the_moderator_sees_coverage_and_viewers(
    server: Server, browser: Browser, trouble: Trouble
) -> None:
    mod_context, desk = await moderator(server, browser, trouble, "ru-RU", ("ru",))
    context, page = await viewer(server, browser, trouble, "kk-KZ", "Сәуле")
    # Nobody moderates kk: the ru moderator (the show's fallback) sees it and covers it.
    await desk.wait_for_selector('#coverage li[data-lang="kk"].uncovered')
    await desk.wait_for_selector('#coverage li[data-lang="ru"].covered')
    await desk.wait_for_selector('#coverage li[data-lang="kk"] .viewers:text-is("1")')
    text = "Қазақша модератор жоқ па?"
    await send(page, text)
    await desk.wait_for_selector('.column.covering[data-lang="kk"]')
    await desk.wait_for_selector(message(text, '.column[data-lang="kk"]'))
    # A kk moderator arrives: the coverage turns.
    kk_context, _ = await moderator(server, browser, trouble, "kk-KZ", ("kk",))
    await desk.wait_for_selector('#coverage li[data-lang="kk"].covered')
    await kk_context.close()
    await context.close()
    await mod_context.close()


@pytest.mark.parametrize("path", ["chat", "moderate"])
async def test_an_unknown_stream_is_the_not_found_page(
    server: Server, browser: Browser, path: str
) -> None:
    context = await browser.new_context(locale="ru-RU")
    page = await context.new_page()
    response = await page.goto(server.url(f"/streams/no-such-show/{path}"))
    assert response is not None
    assert response.status == 404
    assert await page.locator("section.error").count() == 1
    await context.close()


@pytest.mark.parametrize("locale", ["ru-RU", "ug-CN"])
async def test_screenshots_of_both_pages(
    server: Server, browser: Browser, trouble: Trouble, tmp_path: Path, locale: str
) -> None:
    lang = locale[:2]
    desk_context, desk = await moderator(server, browser, trouble, locale, (lang, "kk"))
    context, page = await viewer(
        server, browser, trouble, locale, "Сауле" if lang == "ru" else "ئايگۈل"
    )
    await page.wait_for_selector("#messages li.msg")
    await send(
        page, "Скидка тут: https://example.com" if lang == "ru" else "ئېتىبار بارمۇ؟ www.example.cn"
    )
    await desk.wait_for_selector(".held-list li.msg")
    await page.screenshot(path=str(tmp_path / f"chat-{lang}.png"), full_page=True)
    await desk.screenshot(path=str(tmp_path / f"moderate-{lang}.png"), full_page=True)
    await context.close()
    await desk_context.close()


async def test_a_bad_token_is_refused_with_the_servers_reason(
    server: Server, browser: Browser
) -> None:
    # No `trouble` here: the browser logs the refused handshake (401) as an error.
    context = await browser.new_context(locale="en-US")
    context.set_default_timeout(TIMEOUT)
    page = await context.new_page()
    response = await page.goto(server.url(f"/streams/{SHOW}/moderate?token=not-a-token"))
    assert response is not None
    policy = (await response.all_headers())["content-security-policy"]
    assert "script-src 'self'" in policy
    assert (await response.all_headers())["referrer-policy"] == "no-referrer"
    await page.wait_for_selector("#moderate[data-state=refused]")
    assert (await page.locator("#connection").inner_text()).strip() == (
        "The token is not valid or has expired."
    )
    assert await page.locator(".column").count() == 0
    await context.close()


async def test_each_show_card_links_to_its_chat_and_moderation(
    server: Server, browser: Browser, trouble: Trouble
) -> None:
    context, page = await open_page(browser, trouble, "kk-KZ", server.url("/"))
    card = page.locator(f'[data-show="{SHOW}"]')
    moderate = card.locator(f'a[href="/streams/{SHOW}/moderate"]')
    assert await moderate.count() == 1
    await card.locator(f'a[href="/streams/{SHOW}/chat"]').click()
    await page.wait_for_selector("#chat[data-state=open]")
    assert page.url.endswith(f"/streams/{SHOW}/chat")
    await context.close()
