"""What the browser tests share: how long a page may take, what it must never do, and
where a chat message shows on it."""

from __future__ import annotations

import json

from playwright.async_api import ConsoleMessage, Dialog, Page

TIMEOUT = 10_000  # ms: the longest any single thing on a page may take


class Trouble:
    """What a page must never do: raise a script error, open a dialog, log an error."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []

    def watch(self, page: Page) -> Page:
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._console)
        page.on("dialog", self._dialog)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location.get('url')})")

    async def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        await dialog.dismiss()


def message(text: str, scope: str = "#messages") -> str:
    return f"{scope} li.msg:not(.pending) .text:text-is({json.dumps(text, ensure_ascii=False)})"
