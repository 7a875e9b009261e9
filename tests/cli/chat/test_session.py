"""The terminal chat client: its pure parts as tables, then the real thing against the
real relay — in-process through `Session`, and as `python -m livecommerce chat` fed from
a pipe — including reconnects that must resume without gaps or duplicates."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
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
from livecommerce.cli.chat.errors import (
    BadOptionError,
    BadUrlError,
    ClosedError,
    RefusedError,
    UnreachableError,
)
from livecommerce.cli.chat.rendering import clean, render
from livecommerce.cli.chat.session import Backoff, Options, Progress, Session, stream_url
from livecommerce.cli.chat.terminal import reader_zone
from livecommerce.core import tokens
from livecommerce.core.models import Role
from livecommerce.i18n import Localizer
from livecommerce.web.relay import RELAY
from tests.conftest import NOW, ROOT, Server

STREAM = "khorgos-it-2026-11-20"
EN = Localizer("en", "UTC")
WAIT = 15.0
FSI, PDI = "\u2068", "\u2069"
UYGHUR = "ياخشىمۇسىز، باھاسى قانچە؟"
CHINESE = "这台笔记本多少钱？"


# -- typed lines -> frames -----------------------------------------------------------------


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


# -- server frames -> lines ----------------------------------------------------------------

ALMATY = Localizer("kk", "Asia/Almaty")


def chat_frame(**fields: Any) -> dict[str, Any]:
    return {
        "type": "chat",
        "id": 41,
        "lang": "ru",
        "text": "Сколько стоит ноутбук?",
        "user": {"id": "g-1", "name": "Айгерим", "role": "viewer"},
        "ts": "2026-11-20T13:05:00Z",
        "mentions": [],
        **fields,
    }


@pytest.mark.parametrize(
    ("frame", "l10n", "expected"),
    [
        (chat_frame(), ALMATY, "#41 18:05 [ru] Айгерим (көрермен): Сколько стоит ноутбук?"),
        (chat_frame(), Localizer("ru", "Europe/Moscow"), "#41 16:05 [ru] Айгерим (зритель): "),
        (chat_frame(), Localizer("en", "Europe/Berlin"), "#41 2:05\u202fPM [ru] "),
        (
            chat_frame(
                lang="zh", text=CHINESE, user={"id": "m", "name": "李娜", "role": "moderator"}
            ),
            Localizer("zh_Hans", "Asia/Shanghai"),
            f"#41 21:05 [zh] 李娜 (管理员): {CHINESE}",
        ),
        (
            chat_frame(
                lang="ug", text=UYGHUR, user={"id": "u", "name": "ئەخمەت", "role": "viewer"}
            ),
            Localizer("ug", "Asia/Urumqi"),
            f"#41 19:05 [ug] {FSI}ئەخمەت{PDI} (كۆرۈرمەن): {FSI}{UYGHUR}{PDI}",
        ),
        (chat_frame(reply_to=40), ALMATY, "(көрермен) ↩#40: "),
        (chat_frame(declared_lang="kk"), ALMATY, "[ru←kk]"),
        (chat_frame(broadcast=True), ALMATY, "[ru→*]"),
        (chat_frame(mentions=["IT-LAP-14"]), ALMATY, "ноутбук? [IT-LAP-14]"),
        (chat_frame(fallback=True), ALMATY, "(резерв: бұл тілді ешкім модерацияламайды)"),
        (chat_frame(text="две\nстроки\x1b[2J"), ALMATY, ": две ↵ строки[2J"),
        (chat_frame(text="\u202eevil"), ALMATY, ": evil"),
        (
            {
                "type": "held",
                "id": 42,
                "lang": "kk",
                "text": "http://spam.example",
                "user": {"id": "g-2", "name": "guest-2", "role": "viewer"},
                "ts": "2026-11-20T13:06:00Z",
                "reasons": ["link", "blocked_term"],
            },
            EN,
            "#42 1:06\u202fPM [kk] guest-2 (viewer): http://spam.example — held: a link and a "
            "blocked word  /approve 42 · /reject 42",
        ),
        (
            {
                "type": "hello",
                "v": 1,
                "you": {"id": "u-a", "name": "Asel", "role": "moderator"},
                "stream": {"id": STREAM, "languages": ["kk", "ru", "ug"]},
                "langs": ["kk", "ru"],
                "moderates": ["kk"],
                "last_id": 40,
                "recovered": True,
                "slow": {},
            },
            EN,
            f"Connected to {STREAM} as Asel (moderator). Reading: kk, ru. Moderating: kk. "
            "Stream languages: kk, ru, ug.",
        ),
        (
            {"type": "hello", "you": {}, "stream": {}, "langs": ["ru"], "recovered": False},
            EN,
            "Some earlier messages are too old to be replayed.",
        ),
        ({"type": "subscribed", "langs": ["ug", "zh"], "moderates": []}, EN, "Reading: ug, zh."),
        ({"type": "ack", "id": 43, "status": "sent", "ref": "c1"}, EN, "Sent as #43."),
        ({"type": "ack", "id": 43, "status": "held"}, EN, "held for review (#43)"),
        ({"type": "ack", "id": 43, "status": "rejected"}, EN, "#43 was rejected"),
        ({"type": "ack", "id": 44, "held_id": 43, "status": "sent"}, EN, "#43 was approved and"),
        ({"type": "resolved", "id": 43, "action": "approve"}, EN, "Held message #43 was approved."),
        ({"type": "resolved", "id": 43, "action": "reject"}, EN, "Held message #43 was rejected."),
        ({"type": "deleted", "id": 41}, EN, "Message #41 was deleted."),
        (
            {
                "type": "notice",
                "code": "slow_mode",
                "message": "Медленный режим: 30 с",
                "lang": "kk",
            },
            EN,
            "[kk] • Медленный режим: 30 с",
        ),
        (
            {
                "type": "error",
                "code": "forbidden",
                "message": "Вам нельзя это делать.",
                "ref": "c2",
            },
            EN,
            "✗ Вам нельзя это делать. (forbidden)",
        ),
        (
            {
                "type": "presence",
                "viewers": {"kk": 1200, "ru": 3},
                "moderators": {"kk": 1, "ru": 0},
                "uncovered": ["ru"],
            },
            Localizer("ru"),
            "Зрителей: kk 1\xa0200 · ru 3. Модераторов: kk 1 · ru 0. Без модератора: ru.",
        ),
        (
            {
                "type": "product",
                "action": "pin",
                "sku": "IT-LAP-14",
                "lang": "kk",
                "name": "Ноутбук 14",
                "prices": [{"currency": "KZT", "amount": "189000", "display": "189\xa0000\xa0₸"}],
            },
            EN,
            "[kk] Pinned: Ноутбук 14 (IT-LAP-14) — 189\xa0000\xa0₸",
        ),
        (
            {
                "type": "product",
                "action": "pin",
                "sku": "IT-LAP-14",
                "lang": "ug",
                "name": "خاتىرە كومپيۇتېر",
                "prices": [{"currency": "CNY", "amount": "2899", "display": "¥2,899.00"}],
            },
            EN,
            f"[ug] Pinned: {FSI}خاتىرە كومپيۇتېر{PDI} (IT-LAP-14) — ¥2,899.00",
        ),
        (
            {
                "type": "product",
                "action": "unpin",
                "sku": "IT-LAP-14",
                "lang": "zh",
                "name": "笔记本",
            },
            EN,
            "[zh] Unpinned: 笔记本 (IT-LAP-14)",
        ),
        ({"type": "future", "x": 1}, EN, '{"type": "future", "x": 1}'),
    ],
)
def test_frames_render_as_one_readable_line(
    frame: dict[str, Any], l10n: Localizer, expected: str
) -> None:
    line = render(frame, l10n).plain
    assert expected in line
    assert "\n" not in line
    assert "\x1b" not in line


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ({"action": "delete", "id": 41}, "Asel deleted message 41."),
        ({"action": "approve", "id": 42}, "Asel approved held message 42."),
        ({"action": "reject", "id": 42}, "Asel rejected held message 42."),
        ({"action": "timeout", "user": "bob", "seconds": 1}, "Asel timed out bob for 1 second."),
        ({"action": "timeout", "user": "bob", "seconds": 90}, "Asel timed out bob for 90 seconds."),
        ({"action": "ban", "user": "bob"}, "Asel banned bob."),
        ({"action": "unban", "user": "bob"}, "Asel lifted the ban and timeout of bob."),
        ({"action": "slow", "lang": "kk", "seconds": 30}, "slow mode in kk: one message every 30"),
        ({"action": "slow", "lang": "kk", "seconds": 0}, "Asel turned slow mode off in kk."),
        ({"action": "purge"}, "Asel: purge"),
    ],
)
def test_moderation_events_render(frame: dict[str, Any], expected: str) -> None:
    full = {"type": "mod", "by": {"id": "u-asel", "name": "Asel"}, **frame}
    assert expected in render(full, EN).plain


def test_errors_and_notices_are_coloured() -> None:
    error = render({"type": "error", "code": "x", "message": "bad"}, EN)
    notice = render({"type": "notice", "code": "x", "message": "hm"}, EN)
    assert "red" in str(error.style)
    assert "yellow" in str(notice.style)


def test_clean_keeps_scripts_and_drops_controls() -> None:
    assert clean(f"{UYGHUR}\t{CHINESE}\r\nok\x07") == f"{UYGHUR} {CHINESE} ↵ ok"


# -- addresses, progress, backoff, zone ----------------------------------------------------


def test_stream_url_sets_the_query_parameters() -> None:
    url = stream_url(
        "ws://127.0.0.1:8080/ws/streams/s?lang=zh&x=1",
        langs=("kk", "ru"),
        name="Айгерим",
        token="t.k",
        since=42,
        locale="kk",
    )
    assert url == (
        "ws://127.0.0.1:8080/ws/streams/s?x=1&lang=kk%2Cru&name=%D0%90%D0%B9%D0%B3%D0%B5%D1%80"
        "%D0%B8%D0%BC&token=t.k&since=42&locale=kk"
    )
    assert stream_url("https://chat.example/ws/streams/s").startswith("wss://chat.example/")
    assert stream_url("ws://h/ws/streams/s?lang=zh") == "ws://h/ws/streams/s?lang=zh"


@pytest.mark.parametrize(
    "url",
    ["", "chat", "ftp://h/ws/streams/s", "ws://", "ws://h:99999/x", "ws://h:port/x", "ws://h:0/"],
)
def test_bad_urls_are_refused_before_connecting(url: str) -> None:
    with pytest.raises(BadUrlError) as raised:
        stream_url(url)
    assert raised.value.exit_code == 2
    assert "is not a chat address" in raised.value.message()


def test_progress_resumes_after_the_last_id_and_drops_repeats() -> None:
    progress = Progress()
    assert progress.connecting() is None
    assert progress.accept({"type": "hello", "last_id": 40})
    assert progress.since == 40
    assert progress.accept(chat_frame(id=41))
    assert progress.accept({"type": "held", "id": 42})
    assert progress.since == 41
    assert progress.connecting() == 41
    # On a resumed connection, hello's last_id is not what we have seen: replay decides.
    assert progress.accept({"type": "hello", "last_id": 45})
    assert progress.since == 41
    assert not progress.accept(chat_frame(id=41))
    assert progress.accept(chat_frame(id=43))
    assert progress.since == 43


def test_progress_forgets_beyond_its_window() -> None:
    progress = Progress(window=3)
    for message_id in range(1, 6):
        assert progress.accept(chat_frame(id=message_id))
    assert progress.seen(5)
    assert not progress.seen(1)


@pytest.mark.parametrize(
    ("attempt", "jitter", "expected"),
    [(1, 0.0, 0.25), (1, 1.0, 0.5), (2, 1.0, 1.0), (4, 0.5, 3.0), (30, 1.0, 30.0), (99, 0.0, 15.0)],
)
def test_backoff_doubles_with_jitter_up_to_a_cap(
    attempt: int, jitter: float, expected: float
) -> None:
    assert Backoff(first=0.5, cap=30.0).delay(attempt, jitter) == pytest.approx(expected)


def test_reader_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    assert reader_zone("Asia/Tashkent") == "Asia/Tashkent"
    monkeypatch.setenv("TZ", ":Asia/Bishkek")
    assert reader_zone() == "Asia/Bishkek"
    with pytest.raises(BadOptionError):
        reader_zone("Mars/Olympus")


# -- against the real relay, in-process ----------------------------------------------------


def ws_url(server: Server, stream: str = STREAM, port: int | None = None) -> str:
    base = server.base.replace("http://", "ws://")
    if port is not None:
        base = f"ws://127.0.0.1:{port}"
    return f"{base}/ws/streams/{stream}"


def issue(server: Server, role: Role, name: str, langs: tuple[str, ...] = ()) -> str:
    identity = tokens.Identity(
        user=f"u-{name.lower()}",
        name=name,
        role=role,
        langs=langs,
        stream=None,
        expires=int(NOW.timestamp()) + 3600,
    )
    return tokens.issue(server.runner.app[RELAY].secret, identity)


@dataclass
class Recorder:
    """An `Output` that keeps what it is given and lets a test await it."""

    raw: bool = True
    frames: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[tuple[str, str]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def frame(self, frame: dict[str, Any]) -> None:
        self.frames.append(frame)
        self.changed.set()

    def status(self, text: str, level: str = "info") -> None:
        self.statuses.append((level, text))
        self.changed.set()

    async def until(self, found: Callable[[Recorder], Any]) -> Any:
        async with asyncio.timeout(WAIT):
            while not (result := found(self)):
                self.changed.clear()
                await self.changed.wait()
        return result

    async def frame_where(self, **fields: Any) -> dict[str, Any]:
        def match(recorder: Recorder) -> dict[str, Any] | None:
            for frame in recorder.frames:
                if all(frame.get(k) == v for k, v in fields.items()):
                    return frame
            return None

        result: dict[str, Any] = await self.until(match)
        return result

    async def status_with(self, text: str, count: int = 1) -> None:
        await self.until(lambda r: sum(text in s for _, s in r.statuses) >= count)

    def chat_ids(self) -> list[int]:
        return [f["id"] for f in self.frames if f["type"] == "chat"]


class Gate:
    """The client's backoff sleep, held until the test lets one reconnection try through."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.permits: asyncio.Queue[None] = asyncio.Queue()

    async def sleep(self, delay: float) -> None:
        self.delays.append(delay)
        await self.permits.get()

    def open(self) -> None:
        self.permits.put_nowait(None)


@dataclass
class Chatter:
    session: Session
    out: Recorder
    lines: asyncio.Queue[str | None]
    task: asyncio.Task[int]

    async def say(self, text: str) -> int:
        """Type a chat line and return the id of the message as it came back."""
        self.lines.put_nowait(text)
        frame = await self.out.frame_where(type="chat", text=text)
        return int(frame["id"])

    async def type(self, line: str) -> None:
        self.lines.put_nowait(line)


@contextlib.asynccontextmanager
async def chatting(
    url: str, gate: Gate | None = None, wait_hello: bool = True, **options: Any
) -> AsyncIterator[Chatter]:
    out = Recorder()
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    session = Session(
        Options(url=url, **options),
        out,
        EN,
        backoff=Backoff(first=0.01, cap=0.05),
        sleep=gate.sleep if gate else asyncio.sleep,
        jitter=lambda: 0.5,
    )
    task = asyncio.create_task(session.run(lines))
    chatter = Chatter(session, out, lines, task)
    try:
        if wait_hello:
            await out.frame_where(type="hello")
        yield chatter
    finally:
        if not task.done():
            lines.put_nowait("/quit")
            if gate is not None:
                gate.open()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, WAIT)


async def test_a_guest_chats_and_sees_the_echo(server: Server) -> None:
    async with chatting(ws_url(server), name="Айгерим", langs=("ru",)) as guest:
        hello = guest.out.frames[0]
        assert hello["type"] == "hello"
        assert hello["you"]["name"] == "Айгерим"
        assert hello["langs"] == ["ru"]
        message_id = await guest.say("Сколько стоит ноутбук?")
        ack = await guest.out.frame_where(type="ack", id=message_id)
        assert ack["ref"].startswith("c")
        assert ack["status"] == "sent"
        await guest.type("/quit")
        assert await asyncio.wait_for(guest.task, WAIT) == 0


async def test_languages_replies_and_subscriptions(server: Server) -> None:
    async with chatting(ws_url(server), name="Ахмет", langs=("ug",)) as viewer:
        first = await viewer.say(UYGHUR)
        chat = await viewer.out.frame_where(type="chat", id=first)
        assert chat["lang"] == "ug"
        assert f"{FSI}{UYGHUR}{PDI}" in render(chat, Localizer("ug", "Asia/Urumqi")).plain
        await viewer.type("/lang ug,zh")
        subscribed = await viewer.out.frame_where(type="subscribed")
        assert subscribed["langs"] == ["ug", "zh"]
        assert viewer.session.langs == ("ug", "zh")
        await viewer.type(f"/to zh {CHINESE}")
        chinese = await viewer.out.frame_where(type="chat", text=CHINESE)
        assert chinese["lang"] == "zh"
        await viewer.type(f"/reply {first} رەھمەت")
        reply = await viewer.out.frame_where(type="chat", text="رەھمەت")
        assert reply["reply_to"] == first


async def test_a_bad_command_sends_nothing(server: Server) -> None:
    async with chatting(ws_url(server), name="Bob", langs=("ru",)) as viewer:
        await viewer.type("/delete twelve")
        await viewer.type("/frobnicate")
        await viewer.out.status_with("Unknown command /frobnicate")
        assert ("error", "Usage: /delete ID — delete a message") in viewer.out.statuses
        assert [f["type"] for f in viewer.out.frames] == ["hello"]
        assert not viewer.session.pending


async def test_a_viewer_is_told_moderation_is_not_theirs(server: Server) -> None:
    async with chatting(ws_url(server), name="Bob", langs=("ru",)) as viewer:
        await viewer.type("/ban someone")
        error = await viewer.out.frame_where(type="error")
        assert error["code"] == "forbidden"
        assert error["ref"] == "c1"


async def test_a_moderator_holds_approves_deletes_and_slows(server: Server) -> None:
    moderator_token = issue(server, Role.MODERATOR, "Asel", ("ru",))
    async with (
        chatting(ws_url(server), token=moderator_token) as moderator,
        chatting(ws_url(server), name="Гость", langs=("ru",)) as guest,
    ):
        assert moderator.out.frames[0]["moderates"] == ["ru"]
        await guest.type("Смотрите http://spam.example")
        held = await moderator.out.frame_where(type="held", text="Смотрите http://spam.example")
        assert held["reasons"] == ["link"]
        await guest.out.frame_where(type="ack", status="held", id=held["id"])

        await moderator.type(f"/approve {held['id']}")
        await moderator.out.frame_where(type="resolved", id=held["id"], action="approve")
        published = await guest.out.frame_where(type="chat", text="Смотрите http://spam.example")
        await moderator.out.frame_where(type="mod", action="approve", id=held["id"])

        await moderator.type(f"/delete {published['id']}")
        await guest.out.frame_where(type="deleted", id=published["id"])

        await moderator.type("/slow ru 30")
        notice = await guest.out.frame_where(type="notice", code="slow_mode")
        assert notice["seconds"] == 30
        await moderator.type("/slow ru 0")
        await guest.out.frame_where(type="notice", code="slow_mode_off")

        guest_id = guest.out.frames[0]["you"]["id"]
        await moderator.type(f"/timeout {guest_id} 5m")
        await guest.out.frame_where(type="notice", code="timed_out", seconds=300)
        await moderator.type(f"/unban {guest_id}")
        await moderator.out.frame_where(type="mod", action="unban", user=guest_id)
        assert not moderator.session.pending


async def test_the_streamer_pins_a_product_with_prices(server: Server) -> None:
    streamer_token = issue(server, Role.STREAMER, "Khorgos IT")
    async with chatting(ws_url(server), token=streamer_token) as streamer:
        await streamer.type("/pin IT-LAP-14")
        pinned = await streamer.out.frame_where(type="product", action="pin", lang="kk")
        assert pinned["sku"] == "IT-LAP-14"
        assert any("₸" in price["display"] for price in pinned["prices"])
        line = render(pinned, Localizer("kk", "Asia/Almaty")).plain
        assert "Бекітілді:" in line  # "Pinned:" in Kazakh
        assert "(IT-LAP-14)" in line
        assert "₸" in line
        await streamer.type("/unpin IT-LAP-14")
        await streamer.out.frame_where(type="product", action="unpin", lang="ug")


async def test_a_ban_ends_the_session_with_one_clear_error(server: Server) -> None:
    moderator_token = issue(server, Role.MODERATOR, "Asel", ("ru",))
    async with (
        chatting(ws_url(server), token=moderator_token) as moderator,
        chatting(ws_url(server), name="Troll", langs=("ru",)) as troll,
    ):
        await moderator.type(f"/ban {troll.out.frames[0]['you']['id']}")
        with pytest.raises(ClosedError) as raised:
            await asyncio.wait_for(troll.task, WAIT)
        assert raised.value.message() == (
            "the chat closed the connection: You are banned from this chat."
        )
        assert raised.value.exit_code == 7


def _connection_of(server: Server, name: str) -> Any:
    rooms = server.runner.app[RELAY].rooms
    room = rooms.rooms[STREAM]
    conn = next(c for c, m in room.members.items() if m.name == name)
    return rooms.connections[conn]


async def test_a_server_side_close_resumes_without_gaps_or_duplicates(server: Server) -> None:
    gate = Gate()
    writer_token = issue(server, Role.MODERATOR, "Writer", ("ru",))
    async with (
        chatting(ws_url(server), token=writer_token) as writer,
        chatting(ws_url(server), gate=gate, name="Reader", langs=("ru",)) as reader,
    ):
        start = reader.out.frames[0]["last_id"]
        before = [await writer.say(f"до разрыва {n}") for n in range(2)]
        await reader.out.frame_where(type="chat", id=before[-1])

        _connection_of(server, "Reader").close(1001, "going away")
        await reader.out.status_with("Connection lost (1001 going away)")
        during = [await writer.say(f"пока нет связи {n}") for n in range(3)]
        gate.open()
        await reader.out.status_with(f"Reconnected: resuming after message #{before[-1]}.")
        await reader.out.frame_where(type="chat", id=during[-1])
        after = await writer.say("после")
        await reader.out.frame_where(type="chat", id=after)

        ids = reader.out.chat_ids()
        assert ids == [*before, *during, after]
        assert all(i > start for i in ids)
        assert [f["type"] for f in reader.out.frames].count("hello") == 2


class Proxy:
    """A TCP relay in front of the server that can drop everything and go away, then come
    back on the same port: a restart, as the client sees it."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.port = 0
        self.listener: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self.listener = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self.listener.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        self.writers |= {writer, up_writer}
        pipes = [
            asyncio.create_task(self._pipe(reader, up_writer)),
            asyncio.create_task(self._pipe(up_reader, writer)),
        ]
        self.tasks.update(pipes)
        for pipe in pipes:
            pipe.add_done_callback(self.tasks.discard)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def stop(self) -> None:
        """Stop listening and cut every connection without a close frame."""
        assert self.listener is not None
        self.listener.close()
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.listener.wait_closed()


@pytest.fixture
async def proxy(server: Server) -> AsyncIterator[Proxy]:
    relay = Proxy(int(server.base.rsplit(":", 1)[1]))
    await relay.start()
    try:
        yield relay
    finally:
        await relay.stop()


async def test_a_restart_is_retried_with_backoff_and_resumed(server: Server, proxy: Proxy) -> None:
    gate = Gate()
    writer_token = issue(server, Role.MODERATOR, "Writer", ("ru",))
    async with (
        chatting(ws_url(server), token=writer_token) as writer,
        chatting(
            ws_url(server, port=proxy.port), gate=gate, name="Reader", langs=("ru",)
        ) as reader,
    ):
        first = await writer.say("первое")
        await reader.out.frame_where(type="chat", id=first)

        await proxy.stop()
        await reader.out.status_with("Connection lost (the connection broke off)")
        missed = [await writer.say("пропущено 1"), await writer.say("пропущено 2")]

        gate.open()  # the server is still down: refused, and another wait
        await reader.out.status_with("Still no connection (the connection was refused")

        await proxy.start()
        gate.open()
        await reader.out.status_with(f"Reconnected: resuming after message #{first}.")
        await reader.out.frame_where(type="chat", id=missed[-1])
        last = await writer.say("снова вместе")
        await reader.out.frame_where(type="chat", id=last)

        assert reader.out.chat_ids() == [first, *missed, last]
        assert gate.delays == [pytest.approx(0.0075), pytest.approx(0.015)]


async def test_lines_typed_while_offline_go_out_on_reconnect(server: Server, proxy: Proxy) -> None:
    gate = Gate()
    async with chatting(
        ws_url(server, port=proxy.port), gate=gate, name="Offline", langs=("ru",)
    ) as viewer:
        await proxy.stop()
        await viewer.out.status_with("Connection lost")
        await viewer.type("Напишу, когда вернётся связь")
        await viewer.out.status_with("Not connected: this goes out when the chat is back.")
        await proxy.start()
        gate.open()
        await viewer.out.frame_where(type="chat", text="Напишу, когда вернётся связь")


async def test_errors_before_the_upgrade_are_one_clear_error(server: Server) -> None:
    with pytest.raises(RefusedError) as unknown:
        async with chatting(ws_url(server, "no-such-show"), wait_hello=False) as chatter:
            await asyncio.wait_for(chatter.task, WAIT)
    assert unknown.value.message() == (
        "the chat refused the connection: There is no such stream. (HTTP 404)"
    )
    with pytest.raises(RefusedError) as forged:
        async with chatting(ws_url(server), wait_hello=False, token="forged.token") as chatter:
            await asyncio.wait_for(chatter.task, WAIT)
    assert forged.value.params["status"] == 401
    assert "The token is not valid or has expired." in forged.value.message()
    with pytest.raises(RefusedError) as language:
        async with chatting(ws_url(server), wait_hello=False, langs=("en",)) as chatter:
            await asyncio.wait_for(chatter.task, WAIT)
    assert language.value.params["status"] == 400


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_a_refused_connection_is_one_clear_error() -> None:
    url = f"ws://127.0.0.1:{free_port()}/ws/streams/{STREAM}"
    with pytest.raises(UnreachableError) as raised:
        async with chatting(url, wait_hello=False, token="secret.token") as chatter:
            await asyncio.wait_for(chatter.task, WAIT)
    message = raised.value.message()
    assert message.startswith(f"cannot reach {url}: the connection was refused")
    assert "secret" not in message
    assert raised.value.exit_code == 6


# -- as a user runs it ---------------------------------------------------------------------


async def livecommerce(
    *args: str, stdin: int | None = asyncio.subprocess.PIPE, **env: str
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "livecommerce",
        *args,
        stdin=stdin,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "LANG": "C.UTF-8", **env},
    )


async def json_line(process: asyncio.subprocess.Process, **fields: Any) -> dict[str, Any]:
    assert process.stdout is not None
    async with asyncio.timeout(WAIT * 2):
        while line := await process.stdout.readline():
            frame: dict[str, Any] = json.loads(line)
            if all(frame.get(k) == v for k, v in fields.items()):
                return frame
    raise AssertionError(f"no frame with {fields}")


async def finish(process: asyncio.subprocess.Process) -> tuple[int, str, str]:
    stdout, stderr = await asyncio.wait_for(process.communicate(), WAIT * 2)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_the_command_chats_through_a_pipe_in_json(server: Server) -> None:
    process = await livecommerce("chat", ws_url(server), "--json", "--name", "Pipe", "--lang", "ru")
    assert process.stdin is not None
    hello = await json_line(process, type="hello")
    assert hello["you"]["name"] == "Pipe"
    process.stdin.write("Добрый вечер всем\n".encode())
    await process.stdin.drain()
    chat = await json_line(process, type="chat", text="Добрый вечер всем")
    assert chat["user"]["name"] == "Pipe"
    assert chat["lang"] == "ru"
    process.stdin.close()
    status, stdout, stderr = await finish(process)
    assert status == 0, stderr
    assert "Traceback" not in stderr
    assert all(json.loads(line) for line in stdout.splitlines())


async def test_the_command_delivers_piped_lines_before_leaving_at_eof(server: Server) -> None:
    process = await livecommerce(
        *("chat", ws_url(server), "--name", "Эхо", "--lang", "ru", "--zone", "Asia/Almaty"),
        LIVECOMMERCE_LOCALE="kk",
    )
    assert process.stdin is not None
    process.stdin.write("Сколько стоит ноутбук?\n/nonsense\n".encode())
    process.stdin.close()
    status, stdout, stderr = await finish(process)
    assert status == 0, stderr
    # The server's clock says 12:00 UTC: 17:00 in Almaty. (Sentences are in Kazakh once
    # the catalog has them: only what every translation keeps is asserted.)
    line = next(line for line in stdout.splitlines() if "Сколько стоит ноутбук?" in line)
    assert line.startswith("#")
    assert " 17:00 [ru] Эхо (" in line
    assert line.endswith("): Сколько стоит ноутбук? [IT-LAP-14]")  # the product it names
    assert STREAM in stdout
    assert "/nonsense" in stdout
    assert "Traceback" not in stderr


async def test_ctrl_c_leaves_cleanly(server: Server) -> None:
    process = await livecommerce("chat", ws_url(server), "--json", "--lang", "kk")
    await json_line(process, type="hello")
    process.send_signal(signal.SIGINT)
    status, _, stderr = await finish(process)
    assert status == 130
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("url", "args", "status", "expected"),
    [
        ("ws://127.0.0.1:{free}/ws/streams/x", (), 6, "cannot reach ws://127.0.0.1:"),
        ("{server}/ws/streams/no-such-show", (), 7, "There is no such stream. (HTTP 404)"),
        ("{server}/ws/streams/" + STREAM, ("--token", "bad"), 7, "(HTTP 401)"),
        ("gopher://example/ws", (), 2, "is not a chat address"),
        ("{server}/ws/streams/" + STREAM, ("--lang", "k!"), 2, "--lang k!: expected"),
        ("{server}/ws/streams/" + STREAM, ("--zone", "Mars/Base"), 2, "--zone Mars/Base"),
    ],
)
async def test_the_command_fails_in_one_line(
    server: Server, url: str, args: tuple[str, ...], status: int, expected: str
) -> None:
    address = url.format(free=free_port(), server=server.base.replace("http://", "ws://"))
    process = await livecommerce("chat", address, *args, stdin=asyncio.subprocess.DEVNULL)
    code, _, stderr = await finish(process)
    lines = stderr.strip().splitlines()
    assert code == status
    assert len(lines) == 1, stderr
    assert lines[0].startswith("livecommerce: ")
    assert expected in lines[0]
