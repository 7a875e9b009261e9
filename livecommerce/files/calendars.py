"""Calendar files (RFC 5545) of a streamer's shows, for buyers and for the team.

Times are written in UTC (`DTSTART:20261210T150000Z`), so no VTIMEZONE is needed and
every calendar shows them on its reader's clock. Each show's UID is derived from its
id, so a re-exported file updates the events a calendar already holds instead of
adding them twice. A per-market variant (`market="KZ", lang="kk"`) carries the show's
title in that language and the market's announcement as the description.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from icalendar import Calendar, Event

from livecommerce.core.messages import N_
from livecommerce.core.models import Market, Product, Show, ShowStatus
from livecommerce.errors import LivecommerceError
from livecommerce.files.announcements import announce

PRODID = "-//livecommerce//schedule//EN"
UID_DOMAIN = "livecommerce"
# SEQUENCE counts minutes from here to the export's `now` (see `sequence`).
SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
# Chat languages as the calendar's LANGUAGE parameter names them (RFC 5646).
LANGUAGE_TAGS = {"uz": "uz-Latn", "zh": "zh-Hans", "ug": "ug-Arab"}
LANGUAGES = ("kk", "ru", "zh", "ug", "ky", "uz", "en")
MAX_SHOWN = 32  # characters of a rejected value repeated in an error message


class CalendarError(LivecommerceError):
    """A calendar was asked for in a way that cannot be honoured."""


class UnknownMarketError(CalendarError):
    template = N_("there is no market {market}")


class UnknownLanguageError(CalendarError):
    template = N_("the language {lang} is not one of {languages}")


def uid(show: Show) -> str:
    """The show's calendar UID: the same on every export, so calendars update it."""
    return f"{show.id}@{UID_DOMAIN}"


def sequence(now: datetime) -> int:
    """The revision number of an export made at `now`: minutes since 2020.

    The store keeps no revision count per show, and a number derived from the show's
    content (a hash) could go down after an edit, so a calendar would keep the old
    event. Minutes of `now` only grow: every later export is a newer revision."""
    return max(0, int((now - SEQUENCE_EPOCH).total_seconds() // 60))


def _shown(value: str) -> str:
    return value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…"


def choose(
    markets: Iterable[Market], market: str | None, lang: str | None
) -> tuple[Market | None, str | None]:
    """The market and language a variant is for, checked.

    A market alone reads in its first language; a language must be one the market
    speaks (or, without a market, one of the seven chat languages)."""
    chosen: Market | None = None
    if market is not None:
        by_code = {m.code: m for m in markets}
        if market not in by_code:
            raise UnknownMarketError(market=_shown(market))
        chosen = by_code[market]
    allowed: Sequence[str] = chosen.languages if chosen is not None else LANGUAGES
    if lang is None:
        return chosen, chosen.languages[0] if chosen is not None and chosen.languages else None
    if lang not in allowed:
        raise UnknownLanguageError(lang=_shown(lang), languages=", ".join(allowed))
    return chosen, lang


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def build_calendar(
    shows: Iterable[Show],
    markets: Iterable[Market],
    products: Iterable[Product],
    *,
    market: str | None = None,
    lang: str | None = None,
    now: datetime,
    name: str | None = None,
) -> Calendar:
    """The calendar of `shows`; with `market`, only the shows sold there, localized.

    Raises UnknownMarketError / UnknownLanguageError for a variant that cannot be made."""
    markets = list(markets)
    chosen, language = choose(markets, market, lang)
    by_sku = {p.sku: p for p in products}
    stamp = _utc(now)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    params = {"language": LANGUAGE_TAGS.get(language, language)} if language else {}
    for show in sorted(shows, key=lambda s: (s.starts_at, s.id)):
        if chosen is not None and chosen.code not in show.markets:
            continue
        event = Event()
        event.add("uid", uid(show))
        event.add("dtstamp", stamp)
        event.add("sequence", sequence(stamp))
        event.add("dtstart", _utc(show.starts_at))
        event.add("dtend", _utc(show.ends_at))
        event.add("summary", show.title(language or "en"), parameters=params)
        if chosen is not None and language is not None:
            event.add("description", announce(show, chosen, language, by_sku), parameters=params)
        event.add("status", "CANCELLED" if show.status is ShowStatus.CANCELLED else "CONFIRMED")
        event.add("categories", list(show.markets))
        calendar.add_component(event)
    return calendar


def write_ics(
    shows: Iterable[Show],
    markets: Iterable[Market],
    products: Iterable[Product],
    *,
    market: str | None = None,
    lang: str | None = None,
    now: datetime,
    name: str | None = None,
) -> bytes:
    """The .ics bytes of `shows` (see `build_calendar`); the same data and `now` give
    the same bytes."""
    calendar = build_calendar(
        shows, markets, products, market=market, lang=lang, now=now, name=name
    )
    body: bytes = calendar.to_ical()
    return body
