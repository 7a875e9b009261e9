"""The bus that shares each show's room between processes.

Every decided change of a room (see `core/changes.py`) is published on the bus; the bus
gives messages their id from one sequence per show, keeps the recent changes (so a
process that opens the room late, or a client that resumes on another process, finds
the history), and hands every change to every subscribed process in one order.

This module holds what the rooms need: the `Bus` interface, `BusError`, the wire
encoding, and the in-process backend. Two backends with one contract
(tests/services/test_bus.py runs the same suite on both):

- `LocalBroker` / `LocalBus` (here): in one process, for tests and for several rooms of
  one process sharing a show;
- `RedisBus` (`livecommerce.services.redis_bus`): Redis, for several `serve` processes.
  Only the wiring (`livecommerce.app`) and the command line build it.

A payload on the wire is the id, one space, then the change as JSON (`to_json`).
"""

from __future__ import annotations

import json
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from livecommerce.core.changes import (
    Change,
    ChangeError,
    Origin,
    PresenceChanged,
    from_json,
    numbered,
    to_json,
)

Handler = Callable[[Change], None]
# Called with True when the bus reaches its backend again, False when it loses it.
Status = Callable[[bool], None]


class BusError(Exception):
    """The bus could not publish (its backend is unreachable)."""


class Bus(Protocol):
    """What the rooms need of a bus."""

    process: str
    connected: bool
    status: Status | None
    # A number no other live process of the bus has: while the bus is down, this
    # process numbers messages in a range of its own (see `Rooms`).
    rank: int

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def publish(self, show_id: str, change: Change, floor: int) -> Change:
        """Hand `change` to every subscriber of the show, at the next place of the show's
        sequence (never at or below `floor`; a message takes it as its id). Returns the
        change as published. Raises `BusError` when the backend is unreachable."""
        ...

    async def subscribe(self, show_id: str, handler: Handler) -> None: ...

    async def unsubscribe(self, show_id: str) -> None: ...

    async def history(self, show_id: str) -> tuple[list[Change], int]:
        """The show's kept changes, oldest first, and the last place of its sequence."""
        ...

    async def lift(self, show_id: str, floor: int) -> None:
        """Move the show's sequence up to `floor` if it is below (after an outage, so that
        no id a process gave out alone is given again)."""
        ...

    async def max_rank(self) -> int:
        """The highest rank any process of the bus has had."""
        ...

    async def ping(self, show_id: str) -> None:
        """Ask the show's other processes to read the shared counts now (a `presence`
        change, neither numbered nor kept)."""
        ...

    async def share_presence(
        self, show_id: str, counts: dict[str, Any], fresh: float
    ) -> list[dict[str, Any]]:
        """Publish this process's counts for the show; the counts of the other processes
        that published within `fresh` seconds."""
        ...


def encode(change: Change) -> str:
    return json.dumps(to_json(change), ensure_ascii=False, separators=(",", ":"))


def decode(payload: str | bytes) -> Change:
    """A published payload back to its change, with the id the bus gave it."""
    text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
    head, _, body = text.partition(" ")
    try:
        ident = int(head)
        change = from_json(json.loads(body))
    except (ValueError, json.JSONDecodeError) as error:
        raise ChangeError(f"not a bus payload: {error}") from None
    return numbered(change, ident)


def new_process_id() -> str:
    return uuid.uuid4().hex[:12]


# -- in one process ----------------------------------------------------------------------


class LocalBroker:
    """The shared state of in-process buses: one sequence, history and subscriber list
    per show."""

    def __init__(self, keep: int = 10_000) -> None:
        self.keep = keep
        self.last: dict[str, int] = {}
        self.ranks = 0
        self.kept: dict[str, deque[Change]] = {}
        self.handlers: dict[str, dict[str, Handler]] = {}
        self.presence: dict[str, dict[str, tuple[float, dict[str, Any]]]] = {}


class LocalBus:
    """A bus whose processes are objects of one process (tests, one-process rooms)."""

    def __init__(self, broker: LocalBroker | None = None, process: str | None = None) -> None:
        self.broker = broker or LocalBroker()
        self.process = process or new_process_id()
        self.connected = True
        self.status: Status | None = None
        self.broker.ranks += 1
        self.rank = self.broker.ranks

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        for handlers in self.broker.handlers.values():
            handlers.pop(self.process, None)

    async def publish(self, show_id: str, change: Change, floor: int) -> Change:
        broker = self.broker
        seq = max(broker.last.get(show_id, 0), floor) + 1
        broker.last[show_id] = seq
        published = numbered(change, seq)
        broker.kept.setdefault(show_id, deque(maxlen=broker.keep)).append(published)
        for handler in list(broker.handlers.get(show_id, {}).values()):
            handler(published)
        return published

    async def subscribe(self, show_id: str, handler: Handler) -> None:
        self.broker.handlers.setdefault(show_id, {})[self.process] = handler

    async def unsubscribe(self, show_id: str) -> None:
        self.broker.handlers.get(show_id, {}).pop(self.process, None)

    async def history(self, show_id: str) -> tuple[list[Change], int]:
        return list(self.broker.kept.get(show_id, ())), self.broker.last.get(show_id, 0)

    async def lift(self, show_id: str, floor: int) -> None:
        self.broker.last[show_id] = max(self.broker.last.get(show_id, 0), floor)

    async def max_rank(self) -> int:
        return self.broker.ranks

    async def ping(self, show_id: str) -> None:
        change = PresenceChanged(origin=Origin(self.process, 0))
        for process, handler in list(self.broker.handlers.get(show_id, {}).items()):
            if process != self.process:
                handler(change)

    async def share_presence(
        self, show_id: str, counts: dict[str, Any], fresh: float
    ) -> list[dict[str, Any]]:
        now = time.time()
        shared = self.broker.presence.setdefault(show_id, {})
        shared[self.process] = (now, counts)
        return [c for p, (t, c) in shared.items() if p != self.process and now - t <= fresh]
