"""Moderation rules: who may act, what is held for review, rate limits, slow mode.

Pure decisions over plain data; the room applies them and the adapters record them.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

from livecommerce.core.models import Role
from livecommerce.core.text import normalize

# A link in any of its usual disguises: a scheme, www., or a bare domain with a common
# top-level domain (buyers get sent to fake shops that way).
_LINK = re.compile(
    r"(?i)(?:\b(?:https?|ftp)://|\bwww\.|\b[\w-]+\.(?:com|net|org|ru|kz|uz|kg|cn|io|me|shop|"
    r"store|top|xyz|info|biz|su|рф|қаз)\b|\bt\.me/)"
)


def has_link(text: str) -> bool:
    """Whether `text` holds a link, also when disguised with full-width dots or
    zero-width characters (the text is normalized first)."""
    return _LINK.search(text) is not None or _LINK.search(normalize(text)) is not None


@dataclass(frozen=True)
class HoldPolicy:
    """When a message waits for a moderator instead of going out."""

    links: bool = True
    blocked_terms: bool = True
    first_time_guests: bool = False


def hold_reasons(
    text: str,
    *,
    blocked: bool,
    first_time_guest: bool,
    policy: HoldPolicy,
    role: Role,
) -> tuple[str, ...]:
    """Why a message is held for review (empty: it goes out). Staff are never held."""
    if role is not Role.VIEWER:
        return ()
    reasons = []
    if policy.links and has_link(text):
        reasons.append("link")
    if policy.blocked_terms and blocked:
        reasons.append("blocked_term")
    if policy.first_time_guests and first_time_guest:
        reasons.append("first_time_guest")
    return tuple(reasons)


def may_moderate(role: Role, moderates: frozenset[str], lang: str) -> bool:
    """Moderators act on the languages they moderate; the streamer and admins on all."""
    if role in (Role.STREAMER, Role.ADMIN):
        return True
    return role is Role.MODERATOR and lang in moderates


def is_staff(role: Role) -> bool:
    return role is not Role.VIEWER


@dataclass
class TokenBucket:
    """`burst` messages at once, then `rate` per second: a flood gets `rate_limited`."""

    rate: float
    burst: float
    tokens: float = -1.0
    stamp: float = 0.0

    def take(self, now: float) -> bool:
        if self.tokens < 0:
            self.tokens, self.stamp = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class AbuseCounter:
    """Errors a connection caused within a window; past the limit it is closed (1008)."""

    limit: int
    window: float
    stamps: deque[float] = field(default_factory=deque)

    def add(self, now: float) -> bool:
        """Count one error; True when the connection has gone past the limit."""
        self.stamps.append(now)
        while self.stamps and self.stamps[0] <= now - self.window:
            self.stamps.popleft()
        return len(self.stamps) > self.limit


def slow_mode_wait(last_sent: float | None, seconds: int, now: float) -> int:
    """Whole seconds a sender must still wait in a slow-mode channel (0: may send)."""
    if not seconds or last_sent is None:
        return 0
    remaining = last_sent + seconds - now
    return max(0, int(-(-remaining // 1)))
