"""The live rooms of one process: connections in, the core's decisions carried out.

For each show with connections there is a `Room` (the pure state machine). This module
feeds it frames, delivers what it decides (each frame encoded once per reader locale),
closes what it closes, and hands what must be kept to a batched writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol, assert_never

from livecommerce.core import protocol
from livecommerce.core.changes import Change, PresenceChanged, ProductPinned
from livecommerce.core.messages import N_, Text
from livecommerce.core.models import Mention, MentionSource, Role, Show
from livecommerce.core.priors import Identify
from livecommerce.core.room import (
    Audit,
    Close,
    Deliver,
    Effect,
    Erase,
    Pinned,
    Relabel,
    Replicate,
    Room,
    RoomRules,
    Store,
)
from livecommerce.core.routing import Member
from livecommerce.metrics import Metrics
from livecommerce.services import retry
from livecommerce.services.batching import BatchWriter
from livecommerce.services.bus import Bus, BusError
from livecommerce.services.chat_records import Ack, ChatRecords, Sequences, Write
from livecommerce.services.mentions import MentionLog
from livecommerce.store import SqlStore

log = logging.getLogger(__name__)

# Ids each process may give out alone while the bus is down (see `Rooms._go_alone`).
ALONE_RANGE = 1_000_000
# Changes of one show waiting for the bus at most; beyond it new chat is refused with
# `busy` (the sender is not acknowledged and sends again) rather than queued without end.
BUS_BACKLOG = 5_000
BUSY = N_("The chat is very busy; please send your message again in a moment.")


class Payload:
    """One frame's JSON text, shared by every connection it goes to, so that the adapter
    encodes it for the wire once (`wire`), however many readers it has."""

    __slots__ = ("text", "wire")

    def __init__(self, text: str) -> None:
        self.text = text
        self.wire: bytes | None = None  # the adapter's encoded frame, cached


class Connection(Protocol):
    """What the rooms need of a client connection; the web layer implements it."""

    id: int
    locale: str

    def send(self, payload: Payload) -> bool:
        """Send or queue one frame without waiting; False when it cannot keep up."""

    def close(self, code: int, reason: str) -> None:
        """Close the connection (in the background)."""


# Renders a sentence for people in a locale.
Render = Callable[[Text, str], str]
# The localized `product` frames of a pin, one per language channel of the show.
ProductFrames = Callable[[Show, str, str], dict[str, dict[str, Any]]]


class Rooms:
    """Every live room of this process, and the writer that keeps their records."""

    def __init__(
        self,
        store: SqlStore,
        rules: RoomRules,
        render: Render,
        product_frames: ProductFrames,
        metrics: Metrics,
        *,
        limits: protocol.Limits,
        identify: Identify | None = None,
        blocked: Callable[[str, str], bool] | None = None,
        match: Callable[[str], tuple[str, ...]] | None = None,
        clock: Callable[[], datetime],
        presence_interval: float = 5.0,
        mentions: MentionLog | None = None,
        bus: Bus | None = None,
    ) -> None:
        self.store = store
        self.rules = rules
        self.render = render
        self.product_frames = product_frames
        self.metrics = metrics
        self.limits = limits
        self.identify = identify
        self.blocked = blocked
        self.match = match
        self.clock = clock
        self.presence_interval = presence_interval
        self.mentions = mentions
        # With a bus, each room is one copy of a show's room shared by every process.
        self.bus = bus
        self._outgoing: dict[str, asyncio.Queue[Change]] = {}
        self._publishers: dict[str, asyncio.Task[None]] = {}
        self._background: set[asyncio.Task[None]] = set()  # lifts, presence rounds
        # Shows this process numbers alone while the bus is down, and whether the
        # sequences have been lifted past them since it came back.
        self._alone: set[str] = set()
        self._rejoined = asyncio.Event()
        self._rejoined.set()
        self._early: dict[str, list[Change]] = {}
        if bus is not None:
            bus.status = self._bus_status
        self.rooms: dict[str, Room] = {}
        # The product each show has pinned now: joiners see it at once.
        self.pinned: dict[str, str] = {}
        self.shows: dict[str, Show] = {}
        self.connections: dict[int, Connection] = {}
        self._opening: dict[str, asyncio.Lock] = {}
        # Group commit: what one loop turn queued (and what came while the last commit
        # ran) goes in one transaction; the senders' acks follow it (`_write`).
        self.records = ChatRecords(store, self._deliver)
        self.writer: BatchWriter[Write] = BatchWriter(
            "chat",
            self.records.write,
            max_delay=0.0,
            write_timeout=5.0,  # a sender waits at most this for its ack or its error
            on_change=self._writer_changed,
        )
        # Alone, ids come from blocks reserved in the store; with a bus, from the bus.
        self.sequences = Sequences(store, metrics) if bus is None else None
        self._ticker: asyncio.Task[None] | None = None

    # -- life cycle --------------------------------------------------------------------

    async def start(self) -> None:
        if self.bus is not None:
            await self.bus.start()
        self.writer.start()
        self._ticker = asyncio.create_task(self._tick_presence(), name="presence")

    async def close(self, grace: float = 10.0) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        for connection in list(self.connections.values()):
            connection.close(1001, "server shutting down")
        if self.bus is not None:
            # What was decided here still reaches the other processes, then the bus stops.
            for show_id, queue in self._outgoing.items():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(grace):
                        await queue.join()
                self._publishers[show_id].cancel()
            await self.bus.close()
        await self.writer.close(grace)
        if self.sequences is not None and self.writer.pending == 0:
            await self.sequences.close(self.rooms.values())

    async def room(self, show: Show) -> Room:
        """The room of a show, restored from the store on first use."""
        if show.id in self.rooms:
            return self.rooms[show.id]
        lock = self._opening.setdefault(show.id, asyncio.Lock())
        async with lock:
            if show.id not in self.rooms:
                room = Room(
                    show.id,
                    show.languages,
                    show.fallback_moderators,
                    rules=self.rules,
                    hours=self.rules.hours(show),
                )
                if self.bus is not None:
                    room.process = self.bus.process
                    room.replicated = True
                    self._early[show.id] = []
                    await self.bus.subscribe(show.id, self._heard_for(show.id))
                if self.identify is not None:
                    room.identify = self.identify
                if self.blocked is not None:
                    room.blocked = self.blocked
                if self.match is not None:
                    room.match = self.match
                limit = self.rules.history * (len(show.languages) + 1)
                recent = await self.store.recent_chat_messages(show.id, limit)
                kept, last = await self._kept(show.id)
                if kept:
                    # The bus keeps the newest changes, some not yet in the store.
                    recent = [m for m in recent if m.id < kept[0].seq]
                room.restore(recent)
                for change in kept:
                    for effect in room.apply(change):
                        if isinstance(effect, Pinned):  # what is pinned now, not a show
                            self._remember_pin(show.id, effect)
                room.next_id = max(room.next_id, last + 1)
                if len(recent) >= limit:
                    # Older messages stay in the store but not in the room: a client that
                    # last saw one of them may have missed any channel's, so `since`
                    # before the first loaded message must not claim `recovered`.
                    room.forget_through(recent[0].id - 1)
                room.next_id = max(room.next_id, await self.store.last_chat_id(show.id) + 1)
                if self.sequences is not None:
                    await self.sequences.open(room)
                self.shows[show.id] = show
                self.rooms[show.id] = room
                if self.bus is not None:
                    # Changes heard while the room was loading, in order; applied ones
                    # are skipped by their place in the sequence.
                    for change in self._early.pop(show.id, []):
                        self.apply(room, room.apply(change))
        return self.rooms[show.id]

    async def _kept(self, show_id: str) -> tuple[list[Change], int]:
        if self.bus is None:
            return [], 0
        try:
            return await self.bus.history(show_id)
        except BusError as error:
            log.warning("the bus has no history of show %s now (%s)", show_id, error)
            return [], 0

    # -- the bus -----------------------------------------------------------------------

    def _heard_for(self, show_id: str) -> Callable[[Change], None]:
        def heard(change: Change) -> None:
            room = self.rooms.get(show_id)
            if isinstance(change, PresenceChanged):
                if room is not None:
                    task = asyncio.create_task(self._share_presence(room), name="presence-read")
                    self._background.add(task)
                    task.add_done_callback(self._background.discard)
                return
            if room is None:
                self._early.setdefault(show_id, []).append(change)
                return
            self.apply(room, room.apply(change))

        return heard

    def _bus_status(self, connected: bool) -> None:
        """The bus went down or came back: tell everyone in every room. Back, the rooms
        lift the sequence past every id given out alone (see `_rejoin`) before they
        publish again, and no longer claim to recover from before (`recovered: false`):
        messages may be missing."""
        if connected:
            text = Text(N_("The chat is connected to the other servers again."), {})
            for room in self.rooms.values():
                room.applied = 0  # the bus may have restarted: its places begin again
                room.forget_through(room.next_id - 1)
            task = asyncio.create_task(self._rejoin(), name="bus-rejoin")
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        else:
            self._rejoined.clear()
            text = Text(
                N_(
                    "The chat has lost the other servers for now: you see only the messages "
                    "of this one."
                ),
                {},
            )
        code = "bus_connected" if connected else "bus_lost"
        for room in self.rooms.values():
            frame = {"type": "notice", "code": code, "message": text}
            self._deliver(frozenset(room.members), frame)

    def _go_alone(self, room: Room, error: BusError) -> None:
        """Number this show's messages alone: from a range no other process uses while
        the bus is down (this process's rank, in millions, above the last id), so two
        processes never give one id to two messages; the sequence is lifted past them
        when the bus is back."""
        if room.show_id in self._alone:
            return
        assert self.bus is not None
        self._alone.add(room.show_id)
        room.next_id += self.bus.rank * ALONE_RANGE
        log.warning(
            "bus unreachable (%s): show %s continues locally from id %d",
            error,
            room.show_id,
            room.next_id,
        )

    async def _rejoin(self) -> None:
        """Lift each room's sequence above every range a process may have numbered alone:
        every process's ids are below its own last id plus (its rank + 1) ranges, and no
        rank is above the bus's highest; one range more covers the few messages one
        process heard and another did not. Publishing waits for this."""
        assert self.bus is not None
        warn = retry.warn(log, "could not lift the sequences yet (%s): retrying")
        try:
            async for attempt in retry.backoff(0.2, attempts=5, retry_on=BusError, on_retry=warn):
                with attempt:
                    top = await self.bus.max_rank()
                    for room in list(self.rooms.values()):
                        floor = max(room.next_id - 1, room.applied) + (top + 2) * ALONE_RANGE
                        await self.bus.lift(room.show_id, floor)
        except BusError as error:
            log.warning("could not lift the sequences (%s): giving up", error)
        finally:
            self._alone.clear()
            self._rejoined.set()

    def _backlogged(self, room: Room) -> bool:
        """Whether the show's changes wait for the bus at the bound (`BUS_BACKLOG`)."""
        queue = self._outgoing.get(room.show_id)
        return queue is not None and queue.qsize() >= BUS_BACKLOG

    def _replicate(self, room: Room, change: Change) -> None:
        """Queue a change for the bus: one publisher per show keeps this process's
        changes in the order they were decided."""
        queue = self._outgoing.get(room.show_id)
        if queue is None:
            queue = self._outgoing[room.show_id] = asyncio.Queue()
            self._publishers[room.show_id] = asyncio.create_task(
                self._publish(room, queue), name=f"bus-out-{room.show_id}"
            )
        queue.put_nowait(change)

    async def _publish(self, room: Room, queue: asyncio.Queue[Change]) -> None:
        assert self.bus is not None
        while True:
            change = await queue.get()
            try:
                if not self.bus.connected:
                    raise BusError("not connected")
                if not self._rejoined.is_set():
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(10):
                            await self._rejoined.wait()
                await self.bus.publish(room.show_id, change, max(room.next_id - 1, room.applied))
            except BusError as error:
                # The other processes cannot hear it now: this one still serves its own
                # members, with ids of its own that the sequence skips past later.
                self._go_alone(room, error)
                self.apply(room, room.apply(change))
            except Exception:
                log.exception("could not publish a change of show %s", room.show_id)
            finally:
                queue.task_done()

    # -- connections -------------------------------------------------------------------

    def connect(
        self, room: Room, connection: Connection, member: Member, since: int | None
    ) -> None:
        self.connections[connection.id] = connection
        if member.role.value == "moderator":
            room.grant(connection.id, member.moderates)
        covered = self._covered(room)
        effects = room.join(member, self.clock(), since)
        # Counted only once in the room: a banned user is refused, and `disconnect`
        # (which counts down only members) would never take them off the gauge.
        if connection.id in room.members:
            self.metrics.connections.labels(member.role.value).inc()
        self.apply(room, effects)
        sku = self.pinned.get(room.show_id)
        if sku is not None and connection.id in room.members:
            frames = self.product_frames(self.shows[room.show_id], sku, "pin")
            for lang, frame in frames.items():
                if lang in member.langs | member.moderates or member.role.value == "streamer":
                    self._deliver(frozenset({connection.id}), frame)
        self._coverage_moved(room, covered)

    def disconnect(self, room: Room, connection: Connection) -> None:
        if self.connections.pop(connection.id, None) is None:
            return
        member = room.members.get(connection.id)
        if member is not None:
            self.metrics.connections.labels(member.role.value).dec()
        covered = self._covered(room)
        self.apply(room, room.leave(connection.id))
        self._coverage_moved(room, covered)

    def receive(self, room: Room, connection: Connection, raw: str) -> None:
        """One frame from a client: parsed, decided by the room, carried out."""
        started = time.perf_counter()
        now = self.clock()
        try:
            command = protocol.parse(raw, self.limits)
        except protocol.FrameError as error:
            effects = room.reject_frame(connection.id, error, now)
        else:
            if isinstance(command, protocol.Chat) and self._backlogged(room):
                # Not abuse: the sender is told, and nothing is counted against them.
                frame: dict[str, Any] = {"type": "error", "code": "busy", "message": Text(BUSY)}
                if command.ref is not None:
                    frame["ref"] = command.ref
                self._deliver(frozenset({connection.id}), frame)
                return
            if isinstance(command, protocol.Subscribe):
                covered = self._covered(room)  # a moderator may narrow what they cover
                effects = room.handle(connection.id, command, now)
                self._coverage_moved(room, covered)
            else:
                effects = room.handle(connection.id, command, now)
        self.apply(room, effects)
        self.metrics.fanout.observe(time.perf_counter() - started)

    def _covered(self, room: Room) -> frozenset[str]:
        """The languages moderated by connections of this process (only other processes
        need to know: with no bus, nothing to compare)."""
        if self.bus is None:
            return frozenset()
        return room.covered_here()

    def _coverage_moved(self, room: Room, before: frozenset[str]) -> None:
        """Which languages this process covers changed: the other processes hear it now
        rather than at their next presence round, so they stop (or start) handing those
        languages to their fallback moderators."""
        if self.bus is None or self._covered(room) == before:
            return  # nobody else to tell, or nothing changed
        task = asyncio.create_task(self._announce(room), name=f"presence-{room.show_id}")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _announce(self, room: Room) -> None:
        assert self.bus is not None
        await self._share_presence(room)
        try:
            await self.bus.ping(room.show_id)
        except BusError as error:
            log.debug("presence of show %s not announced: %s", room.show_id, error)

    def reject(self, room: Room, connection: Connection, error: protocol.FrameError) -> None:
        self.apply(room, room.reject_frame(connection.id, error, self.clock()))

    # -- effects -----------------------------------------------------------------------

    def apply(self, room: Room, effects: Iterable[Effect]) -> None:
        for effect in effects:
            match effect:
                case Deliver(to=to, frame=frame):
                    self._deliver(to, frame)
                case Close(conn=conn, code=code, reason=reason):
                    connection = self.connections.get(conn)
                    if connection is not None:
                        connection.close(code, reason)
                case Store():
                    self._store(room, effect)
                case Erase(id=message_id):
                    self.writer.put(Write(room.show_id, "erase", message_id))
                case Relabel():
                    self.writer.put(Write(room.show_id, "relabel", effect))
                case Audit():
                    if effect.action == "evict":
                        self.metrics.held_evicted.inc()
                    self.writer.put(Write(room.show_id, "audit", effect))
                case Pinned():
                    self._pinned(room, effect)
                case Replicate(change=change):
                    self._replicate(room, change)
                case _:
                    assert_never(effect)
        if self.sequences is not None:
            self.sequences.check(room)

    def _store(self, room: Room, store: Store) -> None:
        """Keep a chat message with its mentions (one transaction), count it where it was
        decided; the sender's ack waits for the commit."""
        message = store.message
        if store.here:
            self.metrics.messages_in.labels(message.lang).inc()
        if store.evicted:
            self.metrics.history_evicted.inc(store.evicted)
        mentions: tuple[Mention, ...] = ()
        if message.mentions and self.mentions is not None:
            source = MentionSource.STREAMER if message.role is Role.STREAMER else MentionSource.CHAT
            mentions = tuple(
                Mention(room.show_id, sku, source, message.lang, message.ts, message.id)
                for sku in dict.fromkeys(message.mentions)
            )
            for _ in mentions:
                self.metrics.mentions.labels(source.value).inc()
        ack = Ack(store.ack) if store.ack is not None else None
        if not self.writer.put(Write(room.show_id, "message", message, mentions, ack)):
            self.records.answer([ack], stored=False)

    def _deliver(self, to: frozenset[int], frame: dict[str, Any]) -> None:
        if not to:
            return
        kind = frame.get("type")
        if kind == "chat":
            self.metrics.messages_out.labels(str(frame.get("lang"))).inc(len(to))
        elif kind == "held":
            self.metrics.held.inc()
        elif kind == "error":
            self.metrics.rejected.labels(str(frame.get("code"))).inc()
        message = frame.get("message")
        encoded: dict[str, Payload] = {}
        for conn in to:
            connection = self.connections.get(conn)
            if connection is None:
                continue
            locale = connection.locale if isinstance(message, Text) else ""
            payload = encoded.get(locale)
            if payload is None:
                payload = encoded[locale] = Payload(encode(frame, self.render, locale))
            if not connection.send(payload):
                self.metrics.slow_consumers.inc()
                connection.close(1013, "slow consumer")

    def _pinned(self, room: Room, pinned: Pinned) -> None:
        """Show every language channel the product in its language and currency; log it."""
        show = self.shows[room.show_id]
        frames = self.product_frames(show, pinned.sku, pinned.action)
        if not frames:
            if pinned.conn is not None:
                error = {
                    "type": "error",
                    "code": "unknown_product",
                    "message": Text(N_("There is no product {sku}."), {"sku": pinned.sku}),
                }
                self._deliver(frozenset({pinned.conn}), error)
            return
        if not pinned.shared:
            if pinned.action == "pin" and self.mentions is not None:
                lang = pinned.lang or show.languages[0]
                self.mentions.record(show.id, [pinned.sku], MentionSource.PIN, lang, pinned.ts)
            if room.replicated:
                # Every copy of the room shows it when the bus hands the pin back.
                change = ProductPinned(
                    sku=pinned.sku, action=pinned.action, ts=pinned.ts, lang=pinned.lang
                )
                self._replicate(room, change)
                return
        self._remember_pin(room.show_id, pinned)
        for lang, frame in frames.items():
            to = frozenset(
                c
                for c, m in room.members.items()
                if lang in m.langs or lang in m.moderates or m.role.value in ("streamer", "admin")
            )
            self._deliver(to, frame)

    def _remember_pin(self, show_id: str, pinned: Pinned) -> None:
        """What the show has pinned now, for those who join later."""
        if pinned.action == "pin":
            self.pinned[show_id] = pinned.sku
        elif self.pinned.get(show_id) == pinned.sku:
            del self.pinned[show_id]

    async def pin(self, show: Show, sku: str, action: str) -> bool:
        """Pin or unpin a product from outside the chat (HTTP); False for an unknown sku."""
        if not self.product_frames(show, sku, action):
            return False
        room = await self.room(show)
        self.apply(room, [Pinned(sku, action, self.clock())])
        return True

    # -- background --------------------------------------------------------------------

    async def _tick_presence(self) -> None:
        while True:
            await asyncio.sleep(self.presence_interval)
            for room in list(self.rooms.values()):
                if self.bus is not None and self.bus.connected:
                    await self._share_presence(room)
                staff, frame = room.presence()
                self._deliver(staff, frame)

    async def _share_presence(self, room: Room) -> None:
        """Swap counts with the room's other copies: presence adds them up, and coverage
        counts every process's moderators."""
        assert self.bus is not None
        try:
            peers = await self.bus.share_presence(
                room.show_id, room.counts(), fresh=self.presence_interval * 3
            )
        except BusError as error:
            log.debug("presence of show %s not shared: %s", room.show_id, error)
            return
        self.apply(room, room.set_peers(peers))

    def _writer_changed(self, pending: int, dropped: int, failures: int) -> None:
        self.metrics.write_pending.labels("chat").set(pending)
        if dropped:
            self.metrics.write_dropped.labels("chat").inc(dropped)
        if failures:
            self.metrics.write_failures.labels("chat").inc(failures)


def encode(frame: dict[str, Any], render: Render, locale: str) -> str:
    """A frame as JSON text, its sentence (if any) rendered in `locale`."""
    message = frame.get("message")
    if isinstance(message, Text):
        frame = {**frame, "message": render(message, locale)}
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
