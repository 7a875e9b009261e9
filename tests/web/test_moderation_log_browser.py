"""The moderators' page in real headless Chromium: the moderation log names people as
they are called in the chat, actor and target, with their ids on hover, even when the
target never wrote a line the page could have learnt their name from."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Browser

from tests.conftest import Server
from tests.helpers.chat import Client, make_token
from tests.helpers.pages import Trouble
from tests.web.test_chat_pages_browser import moderator

pytestmark = pytest.mark.browser


@pytest.fixture
def trouble() -> Iterator[Trouble]:
    seen = Trouble()
    yield seen
    assert seen.dialogs == []
    assert seen.errors == []


@pytest.mark.parametrize("locale", ["zh-CN", "ug-CN", "ru-RU", "en-US"])
async def test_the_moderation_log_shows_names_not_ids(
    server: Server, browser: Browser, trouble: Trouble, locale: str
) -> None:
    context, desk = await moderator(server, browser, trouble, locale, ("ru",))
    boris = await Client.open(
        server, token=make_token(server, "u-boris", "viewer", ["ru"], name="Борис"), lang="ru"
    )
    oleg = await Client.open(
        server, token=make_token(server, "u-oleg", "moderator", ["ru"], name="Олег")
    )
    await oleg.send({"type": "timeout", "user": "u-boris", "seconds": 300, "ref": "t1"})
    entry = desk.locator('#mod-log li[data-action="timeout"]')
    await entry.wait_for()
    by, target = entry.locator("bdi.by"), entry.locator("bdi.target")
    assert await by.inner_text() == "Олег"
    assert await by.get_attribute("title") == "u-oleg"
    assert await target.inner_text() == "Борис"
    assert await target.get_attribute("title") == "u-boris"
    assert "u-boris" not in await entry.inner_text()
    for client in (boris, oleg):
        await client.close()
    await context.close()
