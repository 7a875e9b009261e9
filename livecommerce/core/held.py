"""The held queue: messages kept for a moderator to approve or reject."""

from __future__ import annotations

from collections.abc import Iterator
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


class HeldQueue:
    """The messages waiting for a moderator, by hold id, oldest first."""

    def __init__(self) -> None:
        self.items: dict[int, Held] = {}

    def __iter__(self) -> Iterator[Held]:
        return iter(self.items.values())

    def __len__(self) -> int:
        return len(self.items)

    def hold(self, held: Held) -> None:
        self.items[held.hold_id] = held

    def get(self, hold_id: int) -> Held | None:
        return self.items.get(hold_id)

    def resolve(self, hold_id: int) -> Held | None:
        """Take a held message out of the queue; None when it is no longer there."""
        return self.items.pop(hold_id, None)
