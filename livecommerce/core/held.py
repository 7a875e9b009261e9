"""The held queue: messages kept for a moderator to approve or reject.

The queue is bounded per show and per writer: a flood of held messages pushes out the
oldest (of that writer first), and what was pushed out is returned for the room to log
and count. A moderator is sent a page of the newest, not the whole queue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from livecommerce.core.changes import Origin
from livecommerce.core.models import ChatMessage


@dataclass(frozen=True, slots=True)
class Held:
    """A held message (its own id 0) under its hold id, why it was held, and the
    connection that wrote it (to tell them how it was resolved)."""

    hold_id: int
    message: ChatMessage
    reasons: tuple[str, ...]
    origin: Origin | None
    person: str = ""  # whose prior the message teaches once approved (see changes.py)


@dataclass(frozen=True, slots=True)
class Page:
    """Held messages oldest first, how many the reader may see in all, and whether older
    ones than these are left."""

    items: list[Held]
    total: int
    more: bool


class HeldQueue:
    """The messages waiting for a moderator, by hold id, oldest first; at most `limit`
    in all and `per_sender` from one writer."""

    def __init__(self, limit: int = 500, per_sender: int = 20) -> None:
        self.limit = max(1, limit)
        self.per_sender = max(1, per_sender)
        self.items: dict[int, Held] = {}
        self._by_sender: dict[str, dict[int, None]] = {}  # hold ids in order, per writer

    def __iter__(self) -> Iterator[Held]:
        return iter(self.items.values())

    def __len__(self) -> int:
        return len(self.items)

    def hold(self, held: Held) -> list[Held]:
        """Keep `held`; the messages pushed out to make room, oldest first."""
        evicted: list[Held] = []
        mine = self._by_sender.get(held.message.user_id, {})
        while len(mine) >= self.per_sender:
            evicted.append(self._drop(next(iter(mine))))
        while len(self.items) >= self.limit:
            evicted.append(self._drop(next(iter(self.items))))
        self.items[held.hold_id] = held
        self._by_sender.setdefault(held.message.user_id, {})[held.hold_id] = None
        return evicted

    def get(self, hold_id: int) -> Held | None:
        return self.items.get(hold_id)

    def resolve(self, hold_id: int) -> Held | None:
        """Take a held message out of the queue; None when it is no longer there."""
        if hold_id not in self.items:
            return None
        return self._drop(hold_id)

    def page(self, size: int, visible: Callable[[Held], bool], before: int | None = None) -> Page:
        """The newest `size` messages the reader may see (held before `before`, if given),
        oldest first, out of how many they may see in all."""
        seen = [h for h in self.items.values() if visible(h)]
        older = seen if before is None else [h for h in seen if h.hold_id < before]
        items = older[-size:] if size > 0 else []
        return Page(items, len(seen), len(older) > len(items))

    def _drop(self, hold_id: int) -> Held:
        held = self.items.pop(hold_id)
        mine = self._by_sender[held.message.user_id]
        del mine[hold_id]
        if not mine:
            del self._by_sender[held.message.user_id]
        return held
