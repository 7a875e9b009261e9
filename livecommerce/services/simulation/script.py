"""The show as a script: who says what, and when, from a seed (pure, no I/O).

`write(world, options)` draws every event of the show from `random.Random(seed)`: the
viewers' lines (each viewer's language from the show's channels, in turn), the streamer's
pins, chat lines and transcript, and the shop's orders, which follow a mention of their
product by a few show minutes, as buyers do. Times are show minutes from the start; the
runner plays them faster by `speed`. The same seed and world give the same script.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from livecommerce.core.models import Market, Product, Show
from livecommerce.services.simulation import phrases

MEAN_GAP = 2.0  # show minutes between one viewer's lines, on average
PIN_EVERY = 4.0  # show minutes a product stays pinned
ORDER_AFTER = (0.5, 4.0)  # show minutes from a mention to its order
ORDER_CHANCE = 0.35  # of a viewer's question about a product


class Kind(StrEnum):
    GREETING = "greeting"
    CHATTER = "chatter"
    QUESTION = "question"
    HARD = "hard"
    LINK = "link"
    SPAM = "spam"


@dataclass(frozen=True)
class World:
    """What the script is written from: the show, its products, the markets."""

    show: Show
    products: tuple[Product, ...]
    markets: tuple[Market, ...]


@dataclass(frozen=True)
class Options:
    minutes: int
    viewers: int
    seed: int


@dataclass(frozen=True)
class Line:
    """A viewer's chat line; `lang` is the language it is really in."""

    at: float
    viewer: int
    text: str
    lang: str
    kind: Kind


@dataclass(frozen=True)
class Pin:
    at: float
    sku: str


@dataclass(frozen=True)
class Speech:
    """The streamer speaks: into the transcript, or also as a chat line (`chat`)."""

    at: float
    text: str
    lang: str
    chat: bool


@dataclass(frozen=True)
class Purchase:
    at: float
    number: int
    sku: str
    qty: int
    unit_price: Decimal
    currency: str
    country: str
    lang: str


Event = Line | Pin | Speech | Purchase


@dataclass(frozen=True)
class Script:
    viewers: tuple[str, ...]  # each viewer's language
    events: tuple[Event, ...]  # in time order


def languages_of(show: Show, count: int) -> tuple[str, ...]:
    """The language of each of `count` viewers: the show's channels in turn."""
    return tuple(show.languages[i % len(show.languages)] for i in range(count))


def shown_products(world: World) -> tuple[Product, ...]:
    """The products the streamer presents: the show's featured ones, else the streamer's."""
    by_sku = {p.sku: p for p in world.products}
    featured = tuple(by_sku[s] for s in world.show.featured if s in by_sku)
    own = tuple(
        sorted(
            (p for p in world.products if p.streamer_id == world.show.streamer_id),
            key=lambda p: p.sku,
        )
    )
    return featured or own or tuple(sorted(world.products, key=lambda p: p.sku))[:8]


def word_for(product: Product, lang: str, rng: random.Random) -> str:
    """What a buyer writes for `product`: one of their words for it, or its name."""
    words = product.aliases.get(lang, ())
    if words and rng.random() < 0.6:
        return rng.choice(words)
    return product.name(lang)


def _market_for(world: World, lang: str, product: Product) -> Market | None:
    """A market of the show whose buyers speak `lang` and that the product is priced in."""
    shown = [m for m in world.markets if m.code in world.show.markets]
    for market in sorted(shown, key=lambda m: (lang not in m.languages, m.code)):
        if market.currency in product.prices:
            return market
    return None


def write(world: World, options: Options) -> Script:
    """The whole show's events, in time order."""
    rng = random.Random(options.seed)
    show, minutes = world.show, float(options.minutes)
    products = shown_products(world)
    viewers = languages_of(show, options.viewers)
    events: list[Event] = []
    # The streamer: a product pinned every few minutes, spoken of every minute.
    pinned: list[tuple[float, Product]] = []
    at = 0.0
    while at < minutes and products:
        product = products[len(pinned) % len(products)]
        pinned.append((at, product))
        events.append(Pin(at, product.sku))
        at += PIN_EVERY
    orders = 0

    def on_show(moment: float) -> Product | None:
        current = [p for start, p in pinned if start <= moment]
        return current[-1] if current else None

    for minute in range(int(minutes)):
        spoken = on_show(minute + 0.5)
        if spoken is None:
            continue
        lang = show.languages[minute % len(show.languages)]
        text = rng.choice(phrases.SPEECH[lang]).format(p=spoken.name(lang))
        events.append(Speech(minute + 0.5, text, lang, chat=minute % 3 == 0))
    # The viewers.
    for viewer, lang in enumerate(viewers):
        at = rng.uniform(0.0, MEAN_GAP)
        first = True
        while at < minutes:
            kind = Kind.GREETING if first else _kind(rng)
            first = False
            asked = on_show(at)
            text, really = _line(kind, lang, asked, rng)
            events.append(Line(at, viewer, text, really, kind))
            if kind is Kind.QUESTION and asked is not None and rng.random() < ORDER_CHANCE:
                when = at + rng.uniform(*ORDER_AFTER)
                market = _market_for(world, lang, asked)
                if when < minutes and market is not None:
                    orders += 1
                    events.append(
                        Purchase(
                            when,
                            orders,
                            asked.sku,
                            rng.choice((1, 1, 1, 2, 3)),
                            asked.prices[market.currency],
                            market.currency,
                            market.country,
                            lang,
                        )
                    )
            at += rng.expovariate(1.0 / MEAN_GAP)
    events.sort(key=lambda event: event.at)
    return Script(viewers, tuple(events))


def _kind(rng: random.Random) -> Kind:
    roll = rng.random()
    if roll < 0.45:
        return Kind.QUESTION
    if roll < 0.75:
        return Kind.CHATTER
    if roll < 0.92:
        return Kind.HARD
    if roll < 0.96:
        return Kind.LINK
    return Kind.SPAM


def _line(kind: Kind, lang: str, product: Product | None, rng: random.Random) -> tuple[str, str]:
    """A line of `kind` in `lang` (the text, the language it is really in)."""
    if kind is Kind.QUESTION and product is None:
        kind = Kind.CHATTER
    match kind:
        case Kind.GREETING:
            return rng.choice(phrases.GREETINGS[lang]), lang
        case Kind.CHATTER:
            return rng.choice(phrases.CHATTER[lang]), lang
        case Kind.QUESTION:
            assert product is not None
            template = rng.choice(phrases.QUESTIONS[lang])
            return template.format(p=word_for(product, lang, rng)), lang
        case Kind.HARD:
            really, text = rng.choice(phrases.HARD[lang])
            return text, really
        case Kind.LINK:
            return rng.choice(phrases.LINKS[lang]), lang
        case Kind.SPAM:
            return rng.choice(phrases.SPAM[lang]), lang
