"""Typed lines -> frames: plain tables, no network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from livecommerce.cli.chat.commands import (
    COMMANDS,
    Help,
    Quit,
    Send,
    Usage,
    command,
    describe,
    help_lines,
)
from livecommerce.i18n import Localizer
from tests.cli.chat.conftest import CHINESE, EN, UYGHUR

LINES = [
    ("Сколько стоит?", {"type": "chat", "text": "Сколько стоит?"}),
    ("  padded  ", {"type": "chat", "text": "padded"}),
    ("//me waves", {"type": "chat", "text": "/me waves"}),
    ("/delete 12", {"type": "delete", "id": 12}),
    ("/approve 7", {"type": "approve", "id": 7}),
    ("/reject 7", {"type": "reject", "id": 7}),
    ("/timeout g-1a2b 90", {"type": "timeout", "user": "g-1a2b", "seconds": 90}),
    ("/timeout bob 5m", {"type": "timeout", "user": "bob", "seconds": 300}),
    ("/timeout bob 1d", {"type": "timeout", "user": "bob", "seconds": 86400}),
    ("/ban bob", {"type": "ban", "user": "bob"}),
    ("/unban bob", {"type": "unban", "user": "bob"}),
    ("/slow kk 30", {"type": "slow", "lang": "kk", "seconds": 30}),
    ("/slow RU 0", {"type": "slow", "lang": "ru", "seconds": 0}),
    ("/move 12 uz", {"type": "move", "id": 12, "lang": "uz"}),
    ("/MOVE 7 RU", {"type": "move", "id": 7, "lang": "ru"}),
    ("/pin IT-LAP-14", {"type": "pin", "sku": "IT-LAP-14"}),
    ("/unpin IT-LAP-14", {"type": "unpin", "sku": "IT-LAP-14"}),
    ("/lang kk,ru", {"type": "subscribe", "langs": ["kk", "ru"]}),
    ("/lang ug zh ug", {"type": "subscribe", "langs": ["ug", "zh"]}),
    ("/reply 12 Да, есть", {"type": "chat", "text": "Да, есть", "reply_to": 12}),
    (f"/to ug {UYGHUR}", {"type": "chat", "text": UYGHUR, "lang": "ug"}),
    (f"/TO zh {CHINESE}", {"type": "chat", "text": CHINESE, "lang": "zh"}),
]


@pytest.mark.parametrize(("line", "frame"), LINES)
def test_lines_become_frames(line: str, frame: dict[str, Any]) -> None:
    action = command(line, "c9")
    assert isinstance(action, Send)
    assert action.frame == {**frame, "ref": "c9"}
    # A pin is answered with product frames, not by its ref.
    assert action.expects_reply is (frame["type"] not in ("pin", "unpin"))


def test_every_command_has_a_table_row_above() -> None:
    tested = {
        line.split()[0].lstrip("/").lower()
        for line, _ in LINES
        if line.startswith("/") and not line.startswith("//")
    }
    assert tested | {"help", "quit"} == set(COMMANDS)


def test_blank_lines_quit_and_help() -> None:
    assert command("   ", "c1") is None
    assert command("/quit", "c1") == Quit()
    assert command("/Quit", "c1") == Quit()
    assert command("/help", "c1") == Help()
    lines = help_lines(EN)
    assert all(
        any(line.strip().startswith(syntax) for line in lines) for syntax, _ in COMMANDS.values()
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/nope", "Unknown command /nope: type /help for the list."),
        ("/delete", "Usage: /delete ID — delete a message"),
        ("/delete twelve", "Usage: /delete ID — delete a message"),
        ("/delete 0", "Usage: /delete ID — delete a message"),
        ("/delete 1 2", "Usage: /delete ID — delete a message"),
        ("/approve -3", "Usage: /approve ID — publish a held message"),
        ("/reject ٣", "Usage: /reject ID — drop a held message"),
        ("/timeout bob", "Usage: /timeout USER SECONDS"),
        ("/timeout bob soon", "Usage: /timeout USER SECONDS"),
        ("/timeout bob 0", "Usage: /timeout USER SECONDS"),
        ("/timeout bob 8d", "Usage: /timeout USER SECONDS"),
        ("/ban", "Usage: /ban USER"),
        ("/unban a b", "Usage: /unban USER"),
        ("/slow kk", "Usage: /slow LANG SECONDS"),
        ("/slow k 10", "Usage: /slow LANG SECONDS"),
        ("/slow kk 3601", "Usage: /slow LANG SECONDS"),
        ("/move 12", "Usage: /move ID LANG — move a message to another language channel"),
        ("/move uz 12", "Usage: /move ID LANG"),
        ("/move 12 u", "Usage: /move ID LANG"),
        ("/move 12 uz ru", "Usage: /move ID LANG"),
        ("/pin", "Usage: /pin SKU"),
        ("/unpin a b", "Usage: /unpin SKU"),
        ("/lang", "Usage: /lang kk,ru"),
        ("/lang kk,r1", "Usage: /lang kk,ru"),
        ("/lang kk ru uz ky ug zh en de", "Usage: /lang kk,ru"),
        ("/reply 12", "Usage: /reply ID TEXT"),
        ("/reply x hello", "Usage: /reply ID TEXT"),
        ("/to ug", "Usage: /to LANG TEXT"),
        ("/to 中文 你好", "Usage: /to LANG TEXT"),
        ("/quit now", "Usage: /quit"),
        ("x" * 20_000, "The message is too long."),
    ],
)
def test_bad_commands_send_nothing_and_say_why_in_one_line(line: str, expected: str) -> None:
    action = command(line, "c1")
    assert isinstance(action, Usage)
    text = describe(action, EN)
    assert text.startswith(expected)
    assert "\n" not in text


def test_bad_command_lines_are_localized(tmp_path: Path) -> None:
    """The sentence and the command's meaning both go through the reader's catalog."""
    catalog = tmp_path / "ru" / "LC_MESSAGES"
    catalog.mkdir(parents=True)
    (catalog / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Usage: {usage} — {meaning}"\nmsgstr "Как писать: {usage} — {meaning}"\n\n'
        'msgid "delete a message"\nmsgstr "удалить сообщение"\n\n'
        'msgid "Unknown command /{command}: type /help for the list."\n'
        'msgstr "Нет команды /{command}: список — /help."\n',
        encoding="utf-8",
    )
    ru = Localizer("ru", "Europe/Moscow", directory=tmp_path)
    usage = command("/delete x", "c1")
    unknown = command("/удалить 5", "c1")
    assert isinstance(usage, Usage)
    assert isinstance(unknown, Usage)
    assert describe(usage, ru) == "Как писать: /delete ID — удалить сообщение"
    assert describe(unknown, ru) == "Нет команды /удалить: список — /help."
