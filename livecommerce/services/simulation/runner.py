"""Play a show's script against a running server, in compressed time, and count.

`Simulation.run` connects the streamer, one moderator per language and the viewers
(tokens signed with the server's key), then plays each event of the script at its show
minute divided by `speed`: viewers' lines go out over their websockets, the streamer's
pins and transcript over HTTP (a third of the transcript also as chat lines), the shop's
orders through the signed webhook. Moderators act on what they see: spam is deleted,
a line the detector put in the wrong channel is moved to the language it is really in,
links held for review are approved. The `Tally` counts what the server confirmed: an ack
for a message, a 2xx for a transcript line, a pin or an order.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp

from livecommerce.core import tokens
from livecommerce.core.models import Role
from livecommerce.errors import ShowNotFoundError
from livecommerce.services.simulation import phrases, posts
from livecommerce.services.simulation.errors import (
    ChatNotOpenError,
    ServerUnreachableError,
    SimulatorRefusedError,
)
from livecommerce.services.simulation.participants import (
    AGAIN,
    CLOSED_CHAT,
    Frame,
    Participant,
    Refused,
)
from livecommerce.services.simulation.script import (
    Kind,
    Line,
    Pin,
    Purchase,
    Script,
    Speech,
    World,
)

TICK = 0.25  # seconds between progress updates and moderators' rounds
CONNECT_WAIT = 20.0  # seconds every participant has to say hello at the start
VIEWER_PACE = 1.1  # seconds between one viewer's frames: under the default rate of 1/s


@dataclass(frozen=True)
class Setup:
    base: str  # http://host:port
    key: bytes  # the server's token key
    shop: str
    shop_secret: str
    speed: float
    drain: float = 30.0  # seconds to wait for answers after the show


@dataclass(frozen=True)
class Said:
    """What the simulator knows of a line it sent: its kind and the language it is in."""

    kind: Kind | None
    lang: str
    channel: str  # the sender's channel


@dataclass
class Tally:
    sent: int = 0
    acknowledged: set[int] = field(default_factory=set)
    held: set[int] = field(default_factory=set)
    chat_mentions: dict[int, tuple[str, ...]] = field(default_factory=dict)
    transcript_mentions: int = 0
    pins: int = 0
    orders_accepted: list[str] = field(default_factory=list)
    orders_duplicates: int = 0
    orders_refused: int = 0
    moderation: Counter[str] = field(default_factory=Counter)
    deleted: set[int] = field(default_factory=set)
    refused_frames: int = 0
    reconnects: int = 0
    resent: int = 0
    unconfirmed: int = 0
    sent_by_lang: Counter[str] = field(default_factory=Counter)
    acked_by_lang: Counter[str] = field(default_factory=Counter)

    def mentions(self) -> int:
        """Mentions the server confirmed: in kept chat lines, the transcript and pins."""
        chat = sum(
            len(skus)
            for i, skus in self.chat_mentions.items()
            if i in self.acknowledged and i not in self.deleted
        )
        return chat + self.transcript_mentions + self.pins

    def chat_mention_count(self) -> int:
        return self.mentions() - self.transcript_mentions - self.pins

    def ledger(self) -> dict[str, Any]:
        """What each count is made of, for whoever checks it against the store."""
        return {
            "acknowledged": sorted(self.acknowledged),
            "deleted": sorted(self.deleted),
            "chat_mentions": {
                str(i): list(skus)
                for i, skus in sorted(self.chat_mentions.items())
                if i in self.acknowledged and i not in self.deleted and skus
            },
            "orders": sorted(self.orders_accepted),
        }


@dataclass(frozen=True)
class Snapshot:
    """The progress display's view of the show so far."""

    minute: float
    minutes: int
    tally: Tally
    per_second: float
    connected: int
    participants: int
    reconnects: int


class Simulation:
    def __init__(self, world: World, script: Script, minutes: int, setup: Setup) -> None:
        self.world = world
        self.show = world.show
        self.script = script
        self.minutes = minutes
        self.setup = setup
        self.tally = Tally()
        self.said: dict[str, Said] = {}  # ref -> what was sent
        self.by_id: dict[int, Said] = {}  # message or held id -> what was sent
        self.closed_chat = asyncio.Event()
        self.stop_posting = asyncio.Event()
        self.run_id = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self.streamer: Participant | None = None
        self.moderators: dict[str, Participant] = {}
        self.viewers: list[Participant] = []
        self._seen: dict[str, list[Frame]] = {}  # moderator's channel -> chat and held frames
        self._acted: set[tuple[str, int]] = set()
        self._posts: set[asyncio.Task[None]] = set()
        self._started = 0.0

    # -- people ----------------------------------------------------------------------------

    def _token(self, user: str, name: str, role: Role, langs: tuple[str, ...]) -> str:
        lasting = self.minutes * 60 / self.setup.speed + self.setup.drain + 3600
        identity = tokens.Identity(
            user=user,
            name=name,
            role=role,
            langs=langs,
            stream=self.show.id,
            expires=int(time.time() + lasting),
        )
        return tokens.issue(self.setup.key, identity)

    def _url(self, token: str, langs: tuple[str, ...]) -> str:
        parts = urlsplit(self.setup.base)
        scheme = "wss" if parts.scheme == "https" else "ws"
        query = {"token": token, "lang": ",".join(langs)} if langs else {"token": token}
        return f"{scheme}://{parts.netloc}/ws/streams/{self.show.id}?{urlencode(query)}"

    def _people(self) -> list[Participant]:
        show = self.show
        token = self._token("u-sim-streamer", "Streamer", Role.STREAMER, ())
        self.streamer = Participant("s", self._url(token, ()), self._frame)
        for lang in show.languages:
            token = self._token(f"u-sim-mod-{lang}", f"mod-{lang}", Role.MODERATOR, (lang,))
            self.moderators[lang] = Participant(f"m{lang}", self._url(token, (lang,)), self._frame)
            self._seen[lang] = []
        for number, lang in enumerate(self.script.viewers):
            names = phrases.NAMES[lang]
            name = names[number // len(show.languages) % len(names)]
            token = self._token(f"u-sim-{number:03d}", name, Role.VIEWER, (lang,))
            self.viewers.append(
                Participant(f"v{number}", self._url(token, (lang,)), self._frame, VIEWER_PACE)
            )
        return [self.streamer, *self.moderators.values(), *self.viewers]

    # -- frames in -------------------------------------------------------------------------

    def _frame(self, who: Participant, frame: Frame) -> None:
        kind = frame.get("type")
        ref = frame.get("ref")
        message_id = frame.get("id")
        if kind == "chat" and isinstance(message_id, int):
            self.tally.chat_mentions.setdefault(message_id, tuple(frame.get("mentions") or ()))
            lang = frame.get("lang")
            if who.name.startswith("m") and isinstance(lang, str) and lang in self._seen:
                self._seen[lang].append(frame)
        elif kind == "held" and who.name.startswith("m"):
            lang = frame.get("lang")
            if isinstance(lang, str) and lang in self._seen:
                self._seen[lang].append(frame)
        elif kind == "ack" and isinstance(message_id, int):
            self._acked(who, frame, message_id)
        elif kind == "error" and isinstance(ref, str):
            code = str(frame.get("code"))
            if code in CLOSED_CHAT:
                self.closed_chat.set()
            if code in AGAIN:
                who.again(ref, AGAIN[code])
            else:
                who.answered(ref)
                self.tally.refused_frames += 1
        elif kind == "mod" and isinstance(ref, str) and who.answered(ref) is not None:
            self.tally.moderation[str(frame.get("action"))] += 1

    def _acked(self, who: Participant, frame: Frame, message_id: int) -> None:
        ref = frame.get("ref")
        said = self.said.get(ref) if isinstance(ref, str) else None
        if isinstance(ref, str):
            who.answered(ref)
        status = frame.get("status")
        if status == "held" and said is not None:
            self.tally.held.add(message_id)
            self.by_id[message_id] = said
        elif status == "sent":
            if said is None and isinstance(frame.get("held_id"), int):
                said = self.by_id.get(frame["held_id"])
            self.tally.acknowledged.add(message_id)
            if said is not None:
                self.by_id[message_id] = said
                self.tally.acked_by_lang[said.channel] += 1

    # -- moderators ------------------------------------------------------------------------

    def _moderate(self) -> None:
        """Each moderator's round: delete spam, move misplaced lines, decide held ones."""
        for lang, moderator in self.moderators.items():
            if not moderator.connected.is_set():
                continue
            for frame in self._seen[lang]:
                message_id = frame["id"]
                said = self.by_id.get(message_id)
                key = (frame["type"], message_id)
                if said is None or key in self._acted:
                    continue
                self._acted.add(key)
                if frame["type"] == "held":
                    action = "reject" if said.kind is Kind.SPAM else "approve"
                    moderator.send({"type": action, "id": message_id})
                elif said.kind is Kind.SPAM:
                    self.tally.deleted.add(message_id)
                    moderator.send({"type": "delete", "id": message_id})
                elif (
                    said.kind is not None and said.lang != lang and said.lang in self.show.languages
                ):
                    moderator.send({"type": "move", "id": message_id, "lang": said.lang})
            self._seen[lang] = [
                f for f in self._seen[lang][-500:] if (f["type"], f["id"]) not in self._acted
            ]

    # -- events out ------------------------------------------------------------------------

    def _line(self, line: Line) -> None:
        viewer = self.viewers[line.viewer]
        channel = self.script.viewers[line.viewer]
        ref = viewer.send({"type": "chat", "text": line.text})
        self.said[ref] = Said(line.kind, line.lang, channel)
        self.tally.sent += 1
        self.tally.sent_by_lang[channel] += 1

    def _say(self, text: str, lang: str) -> None:
        assert self.streamer is not None
        ref = self.streamer.send({"type": "chat", "text": text, "lang": lang})
        self.said[ref] = Said(None, lang, lang)
        self.tally.sent += 1
        self.tally.sent_by_lang[lang] += 1

    def _post(self, work: Coroutine[Any, Any, None]) -> None:
        """Send a request in the background, until answered (or the simulation ends)."""
        task = asyncio.create_task(_unless_unanswered(work))
        self._posts.add(task)
        task.add_done_callback(self._posts.discard)

    async def _pin(self, session: aiohttp.ClientSession, pin: Pin) -> None:
        answer = await posts.as_streamer(
            session,
            self.setup.base,
            f"/api/streams/{self.show.id}/pins",
            self._streamer_token,
            {"sku": pin.sku, "action": "pin"},
            self.stop_posting,
        )
        if answer.status == 200:
            self.tally.pins += 1

    async def _speak(self, session: aiohttp.ClientSession, speech: Speech) -> None:
        answer = await posts.as_streamer(
            session,
            self.setup.base,
            f"/api/streams/{self.show.id}/transcript",
            self._streamer_token,
            {"text": speech.text, "lang": speech.lang},
            self.stop_posting,
        )
        if answer.status == 200:
            self.tally.transcript_mentions += len(answer.body.get("mentions") or ())

    async def _order(self, session: aiohttp.ClientSession, purchase: Purchase) -> None:
        order_id = f"SIM-{self.run_id}-{purchase.number:05d}"
        data: dict[str, Any] = {
            "id": order_id,
            "ts": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "sku": purchase.sku,
            "qty": purchase.qty,
            "unit_price": _plain(purchase.unit_price),
            "currency": purchase.currency,
            "buyer_country": purchase.country,
            "buyer_lang": purchase.lang,
            "show": self.show.code,
        }
        answer = await posts.order(
            session,
            self.setup.base,
            self.setup.shop,
            self.setup.shop_secret,
            data,
            self.stop_posting,
        )
        if answer.status == 201:
            self.tally.orders_accepted.append(order_id)
        elif answer.status in (200, 409):
            self.tally.orders_duplicates += 1
        else:
            self.tally.orders_refused += 1

    # -- the show --------------------------------------------------------------------------

    async def check(self, session: aiohttp.ClientSession) -> None:
        """The server answers and has the show."""
        try:
            async with session.get(f"{self.setup.base}/api/streams/{self.show.id}") as response:
                status = response.status
        except (aiohttp.ClientError, OSError, TimeoutError):
            raise ServerUnreachableError(url=self.setup.base) from None
        if status == 404:
            raise ShowNotFoundError(show=self.show.id)

    async def run(self, on_tick: Callable[[Snapshot], None]) -> Tally:
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            await self.check(session)
            self._streamer_token = self._token("u-sim-streamer", "Streamer", Role.STREAMER, ())
            people = self._people()
            tasks = [asyncio.create_task(p.run()) for p in people]
            try:
                await self._connected(people, tasks)
                await self._play(session, people, on_tick)
                await self._drain(people, tasks)
                on_tick(self._snapshot(people, self.minutes))
            finally:
                self.stop_posting.set()
                for task in [*tasks, *self._posts]:
                    task.cancel()
                await asyncio.gather(*tasks, *self._posts, return_exceptions=True)
        self.tally.reconnects = sum(p.reconnects for p in people)
        self.tally.resent = sum(p.resent for p in people)
        self.tally.unconfirmed += sum(len(p.pending) for p in people)
        return self.tally

    async def _connected(self, people: list[Participant], tasks: list[asyncio.Task[None]]) -> None:
        waiting: list[asyncio.Task[Any]] = [asyncio.create_task(p.connected.wait()) for p in people]
        try:
            async with asyncio.timeout(CONNECT_WAIT):
                while not all(p.connected.is_set() for p in people):
                    for task in tasks:
                        if task.done() and task.exception() is not None:
                            error = task.exception()
                            code = error.code if isinstance(error, Refused) else ""
                            raise SimulatorRefusedError(code=code or "?")
                    await asyncio.wait(
                        [*waiting, *tasks], timeout=TICK, return_when=asyncio.FIRST_COMPLETED
                    )
        except TimeoutError:
            raise SimulatorRefusedError(code="no hello") from None
        finally:
            for task in waiting:
                task.cancel()

    async def _play(
        self,
        session: aiohttp.ClientSession,
        people: list[Participant],
        on_tick: Callable[[Snapshot], None],
    ) -> None:
        self._started = time.monotonic()
        scale = 60.0 / self.setup.speed
        events = list(self.script.events)
        end = self.minutes * scale
        while True:
            elapsed = time.monotonic() - self._started
            while events and events[0].at * scale <= elapsed:
                self._event(events.pop(0), session)
            if self.closed_chat.is_set():
                raise ChatNotOpenError(show=self.show.id)
            self._moderate()
            on_tick(self._snapshot(people, min(elapsed / scale, self.minutes)))
            if elapsed >= end and not events:
                return
            await asyncio.sleep(TICK)

    def _event(self, event: Line | Pin | Speech | Purchase, session: aiohttp.ClientSession) -> None:
        match event:
            case Line():
                self._line(event)
            case Pin():
                self._post(self._pin(session, event))
            case Speech():
                self._post(self._speak(session, event))
                if event.chat:
                    self._say(event.text, event.lang)
            case Purchase():
                self._post(self._order(session, event))

    async def _drain(self, people: list[Participant], tasks: list[asyncio.Task[None]]) -> None:
        """After the show: moderators finish their round, everyone's frames get answers,
        every request its answer; within `drain` seconds."""
        deadline = time.monotonic() + self.setup.drain
        while time.monotonic() < deadline:
            self._moderate()
            busy = any(p.pending for p in people) or self._posts
            if not busy:
                break
            await asyncio.sleep(TICK)
        self.stop_posting.set()
        self.tally.unconfirmed += len(self._posts)
        for person in people:
            person.stop()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2.0):
                await asyncio.gather(*tasks, return_exceptions=True)

    def _snapshot(self, people: list[Participant], minute: float) -> Snapshot:
        elapsed = max(time.monotonic() - self._started, 1e-6)
        return Snapshot(
            minute=minute,
            minutes=self.minutes,
            tally=self.tally,
            per_second=len(self.tally.acknowledged) / elapsed,
            connected=sum(p.connected.is_set() for p in people),
            participants=len(people),
            reconnects=sum(p.reconnects for p in people),
        )


async def _unless_unanswered(work: Coroutine[Any, Any, None]) -> None:
    with contextlib.suppress(posts.Unanswered):
        await work


def _plain(amount: Decimal) -> str:
    """A price as the webhook takes it: digits, no exponent."""
    return (
        format(amount.normalize(), "f") if amount == amount.to_integral() else format(amount, "f")
    )
