"""The moderators' page in real headless Chromium with a held queue longer than a page:
the total is shown, and "Show older held messages" brings the rest (issue 11, item 3)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Browser

from livecommerce.config import Settings
from livecommerce.core.models import Role
from livecommerce.store import SqlStore
from tests.helpers.chat import Client, make_token, running
from tests.helpers.pages import Trouble
from tests.web.test_chat_pages_browser import moderator


@pytest.fixture
def trouble() -> Iterator[Trouble]:
    seen = Trouble()
    yield seen
    assert seen.dialogs == []
    assert seen.errors == []


async def test_the_moderator_sees_the_total_and_loads_older_held_messages(
    settings: Settings, seeded_store: SqlStore, browser: Browser, trouble: Trouble
) -> None:
    async with running(settings, seeded_store, held_page=2, chat_burst=100) as server:
        writer = await Client.open(
            server, token=make_token(server, "u-links", Role.VIEWER.value, ["kk"]), lang="kk"
        )
        texts = [f"арзан: https://example.com/{n}" for n in range(5)]
        for text in texts:
            assert (await writer.say(text))["status"] == "held"

        context, desk = await moderator(server, browser, trouble, "ru-RU", ("kk",))
        held = desk.locator('.column[data-lang="kk"] .held-list li.msg')
        total = desk.locator("#held-total .count")
        await total.filter(has_text="5").wait_for()
        assert await total.inner_text() == "Всего на проверке: 5"
        assert await held.count() == 2  # one page, not the whole queue
        older = desk.locator("#held-older")
        await older.click()
        await desk.locator('.column[data-lang="kk"] .held-list li.msg').nth(3).wait_for()
        await older.click()
        await desk.locator('.column[data-lang="kk"] .held-list li.msg').nth(4).wait_for()
        await older.wait_for(state="hidden")
        shown = [await held.nth(i).locator(".text").inner_text() for i in range(5)]
        assert shown == texts  # oldest first, each once
        await context.close()
        await writer.close()
