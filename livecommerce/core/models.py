"""The things livecommerce knows about, as plain immutable values.

Times are aware datetimes in UTC; money is `Decimal` in a named currency.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


class ShowStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class MentionSource(enum.StrEnum):
    PIN = "pin"
    STREAMER = "streamer"
    TRANSCRIPT = "transcript"
    CHAT = "chat"


class Role(enum.StrEnum):
    VIEWER = "viewer"
    MODERATOR = "moderator"
    STREAMER = "streamer"
    ADMIN = "admin"


@dataclass(frozen=True)
class HourRange:
    """Local hours [start, end) of a day; end may pass midnight (22–02)."""

    start: int
    end: int


@dataclass(frozen=True)
class Market:
    code: str
    country: str
    zones: tuple[str, ...]
    languages: tuple[str, ...]
    currency: str
    weight: float
    peak_hours: tuple[HourRange, ...]
    names: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Streamer:
    id: str
    name: str
    zone: str
    languages: tuple[str, ...]
    base_currency: str
    available_hours: tuple[HourRange, ...]
    categories: tuple[str, ...] = ()
    names: dict[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Product:
    sku: str
    category: str
    streamer_id: str
    names: dict[str, str] = field(hash=False)
    aliases: dict[str, tuple[str, ...]] = field(hash=False)
    prices: dict[str, Decimal] = field(hash=False)

    def name(self, lang: str) -> str:
        """The product's name in `lang`, else in English, else its sku."""
        return self.names.get(lang) or self.names.get("en") or self.sku


@dataclass(frozen=True)
class Show:
    id: str
    code: str
    streamer_id: str
    starts_at: datetime
    ends_at: datetime
    markets: tuple[str, ...]
    languages: tuple[str, ...]
    status: ShowStatus
    titles: dict[str, str] = field(default_factory=dict, hash=False)
    fallback_moderators: tuple[str, ...] = ()
    featured: tuple[str, ...] = ()  # skus the show presents
    # Moderators per language (user ids or names), as the schedule names them.
    moderators: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles.get("en") or self.id


@dataclass(frozen=True)
class ChatMessage:
    show_id: str
    id: int
    ts: datetime
    lang: str
    user_id: str
    user_name: str
    role: Role
    text: str
    reply_to: int | None = None
    declared_lang: str | None = None
    broadcast: bool = False  # the streamer's message to every language channel
    mentions: tuple[str, ...] = ()
    # The detector could not place it: it went to the sender's channel by the priors, and
    # its moderators see it flagged until one of them moves it (staff only on the wire).
    lang_unsure: bool = False
    # The writing system it was written in (ISO 15924: Cyrl, Latn, Arab, Hani; "" when
    # too short to tell), for moderators.
    script: str = ""


@dataclass(frozen=True)
class Mention:
    show_id: str
    sku: str
    source: MentionSource
    lang: str
    ts: datetime
    message_id: int | None = None


@dataclass(frozen=True)
class Order:
    id: str
    ts: datetime
    sku: str
    qty: int
    unit_price: Decimal
    currency: str
    buyer_country: str
    buyer_lang: str
    show_ref: str | None = None


@dataclass(frozen=True)
class ExchangeRate:
    """On `day`, one unit of `currency` is worth `rate` units of `base`."""

    day: date
    base: str
    currency: str
    rate: Decimal
