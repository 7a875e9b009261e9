"""A show's opening hours: when its chat takes messages, and what its report counts.

The chat of a show opens `before` its start (the room fills while the streamer gets
ready) and closes `grace` after its end, the same moment the show's close job marks it
finished (`show_close_grace`). Outside those hours a client can still connect and read
the history, but a `chat` is refused (`show_not_open`, `show_closed`), and the report
leaves out what was written then.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from livecommerce.core.models import Show

DEFAULT_OPENS_BEFORE = timedelta(minutes=15)
DEFAULT_CLOSE_GRACE = timedelta(minutes=30)


class Phase(enum.Enum):
    NOT_OPEN = "not_open"
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """From `opens` (included) to `closes` (excluded); None: no bound on that side."""

    opens: datetime | None = None
    closes: datetime | None = None

    def phase(self, now: datetime) -> Phase:
        if self.opens is not None and now < self.opens:
            return Phase.NOT_OPEN
        if self.closes is not None and now >= self.closes:
            return Phase.CLOSED
        return Phase.OPEN

    def open(self, now: datetime) -> bool:
        return self.phase(now) is Phase.OPEN


ALWAYS = OpeningHours()


@dataclass(frozen=True, slots=True)
class Opening:
    """The rule that gives every show its hours (settings `chat_opens_before` and
    `show_close_grace`)."""

    before: timedelta = DEFAULT_OPENS_BEFORE
    grace: timedelta = DEFAULT_CLOSE_GRACE

    def hours(self, show: Show) -> OpeningHours:
        return OpeningHours(show.starts_at - self.before, show.ends_at + self.grace)


class _Stamped(Protocol):
    @property
    def ts(self) -> datetime: ...


Stamped = TypeVar("Stamped", bound=_Stamped)


def during(hours: OpeningHours, items: Iterable[Stamped]) -> list[Stamped]:
    """The items (chat messages, mentions) written while the show was open."""
    return [item for item in items if hours.open(item.ts)]
