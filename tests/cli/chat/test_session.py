"""The connection: addresses, progress and backoff as tables, then `Session` against
the real relay in-process — including reconnects that must resume without gaps or
duplicates."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from livecommerce.cli.chat.errors import BadUrlError, ClosedError, RefusedError, UnreachableError
from livecommerce.cli.chat.rendering import render
from livecommerce.cli.chat.session import Backoff, Options, Progress, Session, stream_url
from livecommerce.core import tokens
from livecommerce.core.models import Role
from livecommerce.i18n import Localizer
from livecommerce.web.relay import RELAY
from tests.cli.chat.conftest import (
    CHINESE,
    EN,
    FSI,
    PDI,
    STREAM,
    UYGHUR,
    WAIT,
    chat_frame,
    ws_url,
)
from tests.conftest import NOW, Server
from tests.helpers.detectors import Reader
from tests.helpers.ports import refused_port

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


# -- against the real relay, in-process ----------------------------------------------------


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
    url: str, gate: Gate | None = None, wait_hello: bool = True, raw: bool = True, **options: Any
) -> AsyncIterator[Chatter]:
    out = Recorder(raw=raw)
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


async def test_the_streamers_plain_russian_line_is_tagged_ru(server: Server) -> None:
    streamer_token = issue(server, Role.STREAMER, "Khorgos IT")
    async with chatting(ws_url(server), token=streamer_token) as streamer:
        text = "Добрый вечер всем! Сегодня покажу вам новый ноутбук"
        await streamer.say(text)
        chat = await streamer.out.frame_where(type="chat", text=text)
        assert (chat["lang"], chat["broadcast"]) == ("ru", True)
        assert "[ru→*" in render(chat, EN).plain


async def test_a_moderator_sees_an_unsure_message_and_moves_it(server: Server) -> None:
    server.services.rooms.identify = Reader()  # every text unsure: placed by the priors
    moderator_token = issue(server, Role.MODERATOR, "Asel", ("kk",))
    uz_token = issue(server, Role.VIEWER, "Timur", ("uz",))
    async with (
        chatting(ws_url(server), token=moderator_token) as moderator,
        chatting(ws_url(server), token=uz_token, langs=("uz",)) as uz,
        chatting(ws_url(server), name="Гость", langs=("kk",)) as guest,
    ):
        message = await guest.say("zor ekan")
        staff = await moderator.out.frame_where(type="chat", id=message)
        line = render(staff, EN).plain
        assert "[kk Latn] " in line
        assert "(language unsure)" in line
        assert f"/move {message} LANG" in line
        seen = await guest.out.frame_where(type="chat", id=message)
        assert "unsure" not in render(seen, EN).plain

        await moderator.type(f"/move {message} uz")
        done = await moderator.out.frame_where(type="mod", action="move", id=message)
        assert render(done, EN).plain == f"Asel moved message {message} to uz."
        moved = await guest.out.frame_where(type="moved", id=message)
        assert render(moved, EN).plain == f"Message #{message} was moved to uz."
        arrived = await uz.out.frame_where(type="chat", id=message)
        assert arrived["lang"] == "uz"

        await moderator.type(f"/move {message} kk")  # no longer in a channel they moderate
        refused = await moderator.out.frame_where(type="error", code="forbidden")
        assert "✗" in render(refused, EN).plain
        await moderator.type("/move 99999 uz")
        await moderator.out.frame_where(type="error", code="not_found")
        assert not moderator.session.pending


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


async def test_a_refused_connection_is_one_clear_error() -> None:
    url = f"ws://127.0.0.1:{refused_port()}/ws/streams/{STREAM}"
    with pytest.raises(UnreachableError) as raised:
        async with chatting(url, wait_hello=False, token="secret.token") as chatter:
            await asyncio.wait_for(chatter.task, WAIT)
    message = raised.value.message()
    assert message.startswith(f"cannot reach {url}: the connection was refused")
    assert "secret" not in message
    assert raised.value.exit_code == 6
