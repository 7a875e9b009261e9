"""The moderators' page in real headless Chromium: a message whose language is unsure is
flagged, each message shows the script it was written in, and one choice from a menu
moves a message to another language channel (issue 12, part B)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Browser

from livecommerce.core.langid import SCRIPT, Detection
from tests.conftest import Server
from tests.helpers.chat import viewer as ws_viewer
from tests.helpers.detectors import Reader
from tests.helpers.pages import Trouble
from tests.web.test_chat_pages_browser import moderator

KAZAKH_ARABIC = "بۇل قانشا تۇرادى؟"


@pytest.fixture
def trouble() -> Iterator[Trouble]:
    seen = Trouble()
    yield seen
    assert seen.dialogs == []
    assert seen.errors == []


async def test_an_unsure_message_is_flagged_and_moved_with_one_choice(
    server: Server, browser: Browser, trouble: Trouble
) -> None:
    server.services.rooms.identify = Reader({KAZAKH_ARABIC: Detection("kk", True, SCRIPT, "Arab")})
    context, desk = await moderator(server, browser, trouble, "ru-RU", ("kk", "uz"))
    writer = await ws_viewer(server, "u-writer", "kk")
    uz = await ws_viewer(server, "u-uz", "uz")
    unsure = (await writer.say("zor ekan"))["id"]
    placed = (await writer.say(KAZAKH_ARABIC))["id"]

    kk_column, uz_column = '.column[data-lang="kk"]', '.column[data-lang="uz"]'
    item = desk.locator(f'{kk_column} .messages li.msg[data-id="{unsure}"]')
    await item.wait_for()
    assert await item.locator(".badge.unsure").inner_text() == "Язык не определён"
    assert await item.locator(".badge.script").inner_text() == "Латиница"
    assert "lang-unsure" in (await item.get_attribute("class") or "")
    other = desk.locator(f'{kk_column} .messages li.msg[data-id="{placed}"]')
    await other.wait_for()
    assert await other.locator(".badge.unsure").count() == 0
    assert await other.locator(".badge.script").inner_text() == "Арабское письмо"

    menu = item.locator("select.move")
    assert await menu.get_attribute("aria-label") == "Перенести в канал другого языка"
    await menu.select_option("uz")
    moved = desk.locator(f'{uz_column} .messages li.msg[data-id="{unsure}"]')
    await moved.wait_for()
    await item.wait_for(state="detached")
    assert await moved.locator(".badge.unsure").count() == 0
    assert await moved.locator(".tag").inner_text() == "uz"
    await desk.locator('#mod-log li[data-action="move"]').wait_for()
    arrived = await uz.recv_until("chat", id=unsure)
    assert arrived["lang"] == "uz"
    assert (await writer.recv_until("moved", id=unsure))["lang"] == "uz"
    await context.close()
