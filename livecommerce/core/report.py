"""The post-show review, computed (pure): totals, products, markets, languages, a
timeline and the buyers' questions. Renderers (terminal, HTML, CSV, JSON) only format it.
"""

from __future__ import annotations

import bisect
import decimal
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from livecommerce.core.attribution import Credit, Rates
from livecommerce.core.models import (
    ChatMessage,
    Market,
    Mention,
    MentionSource,
    Product,
    Role,
    Show,
)
from livecommerce.core.questions import is_question

OTHER_MARKET = "other"


@dataclass(frozen=True)
class Totals:
    orders: int
    units: int
    revenue: Decimal  # base currency, orders with a known rate
    by_currency: dict[str, Decimal]
    attributed_orders: int  # credited to a mention
    attributed_revenue: Decimal
    unattributed_orders: int  # belong to the show by its code only
    unconverted_orders: int  # no exchange rate for their day


@dataclass(frozen=True)
class ProductLine:
    sku: str
    product: Product | None
    mentions: dict[str, int]  # by source
    orders: int
    units: int
    revenue: Decimal
    conversion: Decimal | None  # orders per mention
    minutes_to_first_order: float | None  # first mention → first order
    questions: int
    unanswered: int

    @property
    def mention_count(self) -> int:
        return sum(self.mentions.values())


@dataclass(frozen=True)
class MarketLine:
    code: str
    market: Market | None
    orders: int
    units: int
    revenue: Decimal  # base currency
    local_revenue: dict[str, Decimal]  # by the currency buyers paid in


@dataclass(frozen=True)
class LanguageLine:
    lang: str
    orders: int
    revenue: Decimal
    mentions: int


@dataclass(frozen=True)
class MentionMoment:
    """A mention and what followed: «mention 20:14 Almaty / 18:14 Moscow → 12 orders»."""

    mention: Mention
    # Orders whose last touch is this mention, or the chat about the product that
    # followed it, until the streamer named the product again.
    orders: int


@dataclass(frozen=True)
class Minute:
    start: datetime
    mentions: int
    orders: int


@dataclass(frozen=True)
class Question:
    message: ChatMessage
    skus: tuple[str, ...]
    answered_by: ChatMessage | None

    @property
    def answered(self) -> bool:
        return self.answered_by is not None


@dataclass(frozen=True)
class Report:
    show: Show
    base_currency: str
    totals: Totals
    products: list[ProductLine]
    markets: list[MarketLine]
    languages: list[LanguageLine]
    moments: list[MentionMoment]
    timeline: list[Minute]
    questions: list[Question]


class MarketFinder:
    """The market an order's buyer is in: by country (EU members to EU), and where two
    markets share a country (CN and XJ), by the buyer's language and how much each
    market speaks it (orders carry no region)."""

    def __init__(self, markets: Iterable[Market]) -> None:
        self.by_country: dict[str, list[Market]] = defaultdict(list)
        for market in markets:
            self.by_country[market.country].append(market)
            if market.code == "EU":
                for country in EU_COUNTRIES - {market.country}:
                    self.by_country[country].append(market)

    def __call__(self, country: str, lang: str) -> str:
        """Of the markets of `country`, the one where `lang` ranks highest among its
        languages, whatever order the markets are listed in: a Chinese-speaking buyer in
        China is CN's (zh first), not XJ's (ug first, then zh); a Uyghur speaker is XJ's.
        A language no market of the country speaks goes to its first market."""
        candidates = self.by_country.get(country, [])
        speaking = [m for m in candidates if lang in m.languages]
        if speaking:
            return min(speaking, key=lambda m: (m.languages.index(lang), m.code)).code
        return candidates[0].code if candidates else OTHER_MARKET


EU_COUNTRIES = frozenset(
    {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"}
    | {"IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
)


class Sale(NamedTuple):
    """Credited orders that the report cannot tell apart: the same product, currency,
    buyer's country and language, minute and last touch (one order, or a tally of
    many). `amount` and `base_amount` are their sums. A named tuple: a large show has
    tens of thousands."""

    sku: str
    currency: str
    buyer_country: str
    buyer_lang: str
    minute: datetime
    first: datetime  # the earliest order's time
    last: datetime  # the latest order's time
    orders: int
    units: int
    amount: Decimal  # in the orders' currency
    base_amount: Decimal | None  # in the base currency; None when no rate is known
    last_touch: Mention | None

    @property
    def attributed(self) -> bool:
        return self.last_touch is not None

    @classmethod
    def of(cls, credit: Credit) -> Sale:
        """One credited order as a sale."""
        order = credit.order
        return cls(
            sku=order.sku,
            currency=order.currency,
            buyer_country=order.buyer_country,
            buyer_lang=order.buyer_lang,
            minute=_minute(order.ts),
            first=order.ts,
            last=order.ts,
            orders=1,
            units=order.qty,
            amount=credit.amount,
            base_amount=credit.base_amount,
            last_touch=credit.last_touch,
        )


def build(
    show: Show,
    credits: Sequence[Credit],
    mentions: Sequence[Mention],
    chat: Sequence[ChatMessage],
    products: Mapping[str, Product],
    markets: Sequence[Market],
    base_currency: str,
    window: timedelta,
) -> Report:
    """The review of one show from its attributed orders, mentions and chat."""
    sales = [Sale.of(credit) for credit in credits]
    return summarize(show, sales, mentions, chat, products, markets, base_currency, window)


def summarize(
    show: Show,
    sales: Sequence[Sale],
    mentions: Sequence[Mention],
    chat: Sequence[ChatMessage],
    products: Mapping[str, Product],
    markets: Sequence[Market],
    base_currency: str,
    window: timedelta,
) -> Report:
    """The review of one show from its sales (credited orders, one by one or tallied),
    mentions and chat. Amounts are summed in the order of `sales`: the same result
    for any order when the sums are exact (`exact_sums`)."""
    market_of = MarketFinder(markets)
    by_code = {m.code: m for m in markets}
    zero = Decimal(0)
    by_currency: dict[str, Decimal] = defaultdict(Decimal)
    for sale in sales:
        by_currency[sale.currency] += sale.amount
    attributed = [s for s in sales if s.attributed]
    orders = sum(s.orders for s in sales)
    attributed_orders = sum(s.orders for s in attributed)
    totals = Totals(
        orders=orders,
        units=sum(s.units for s in sales),
        revenue=sum((_base(s) for s in sales), zero),
        by_currency=dict(sorted(by_currency.items())),
        attributed_orders=attributed_orders,
        attributed_revenue=sum((_base(s) for s in attributed), zero),
        unattributed_orders=orders - attributed_orders,
        unconverted_orders=sum(s.orders for s in sales if s.base_amount is None),
    )

    questions = _questions(chat, mentions)
    product_lines = _products(sales, mentions, questions, products)
    market_lines = _markets(sales, market_of, by_code)
    language_lines = _languages(sales, mentions)
    moments = _moments(mentions, sales)
    return Report(
        show=show,
        base_currency=base_currency,
        totals=totals,
        products=product_lines,
        markets=market_lines,
        languages=language_lines,
        moments=moments,
        timeline=_timeline(show, mentions, sales, window),
        questions=questions,
    )


def exact_sums(sales: Iterable[Sale], rates: Rates) -> bool:
    """Whether `summarize` adds these sales up without rounding, whatever their order
    and however the orders are grouped into sales: no amount is negative, none was
    converted through a cross rate (a division, rounded order by order), and the
    totals per currency and in the base currency fit the context's precision. Every
    other sum `summarize` makes is a part of these, so it fits too."""
    context = decimal.getcontext().copy()
    context.traps[decimal.Rounded] = True
    context.clear_flags()
    try:
        with decimal.localcontext(context):
            by_currency: dict[str, Decimal] = defaultdict(Decimal)
            revenue = Decimal(0)
            crossed: dict[tuple[str, datetime], bool] = {}
            for sale in sales:
                if sale.amount < 0 or (sale.base_amount is not None and sale.base_amount < 0):
                    return False
                key = (sale.currency, sale.minute)
                if key not in crossed:
                    crossed[key] = rates.crosses(sale.currency, sale.minute.date())
                if crossed[key]:
                    return False
                by_currency[sale.currency] += sale.amount
                revenue += _base(sale)
    except decimal.Rounded:
        return False
    return True


def _moments(mentions: Sequence[Mention], sales: Sequence[Sale]) -> list[MentionMoment]:
    """The streamer's mentions (pins, lines, speech) and the orders each one led to: an
    order's last touch leads back to the streamer's latest mention of the product at or
    before it (found by bisection over that product's mention times)."""
    spoken: dict[str, list[Mention]] = defaultdict(list)
    for mention in sorted(mentions, key=lambda m: m.ts):
        if mention.source is not MentionSource.CHAT:
            spoken[mention.sku].append(mention)
    times = {sku: [m.ts for m in said] for sku, said in spoken.items()}
    led: Counter[int] = Counter()
    for sale in sales:
        touch = sale.last_touch
        if touch is None or touch.sku not in spoken:
            continue
        index = bisect.bisect_right(times[touch.sku], touch.ts)
        if index:
            led[id(spoken[touch.sku][index - 1])] += sale.orders
    return [
        MentionMoment(m, led.get(id(m), 0))
        for m in sorted((m for ms in spoken.values() for m in ms), key=lambda m: m.ts)
    ]


def _base(sale: Sale) -> Decimal:
    """An amount in the base currency (0 where no rate is known: counted apart)."""
    return sale.base_amount if sale.base_amount is not None else Decimal(0)


def _questions(chat: Sequence[ChatMessage], mentions: Sequence[Mention]) -> list[Question]:
    # Per chat message, its skus in first-mention order (a dict is an ordered set).
    skus_of: dict[int, dict[str, None]] = defaultdict(dict)
    for mention in mentions:
        if mention.source is MentionSource.CHAT and mention.message_id is not None:
            skus_of[mention.message_id].setdefault(mention.sku, None)
    answers: dict[int, ChatMessage] = {}
    for message in chat:
        if message.reply_to is not None and message.role is not Role.VIEWER:
            answers.setdefault(message.reply_to, message)
    return [
        Question(message, tuple(skus_of[message.id]), answers.get(message.id))
        for message in chat
        if message.role is Role.VIEWER
        and message.id in skus_of
        and is_question(message.text, message.lang)
    ]


def _products(
    sales: Sequence[Sale],
    mentions: Sequence[Mention],
    questions: Sequence[Question],
    products: Mapping[str, Product],
) -> list[ProductLine]:
    said: dict[str, Counter[str]] = defaultdict(Counter)
    first_said: dict[str, datetime] = {}
    for mention in sorted(mentions, key=lambda m: m.ts):
        said[mention.sku][mention.source.value] += 1
        first_said.setdefault(mention.sku, mention.ts)
    sold: dict[str, list[Sale]] = defaultdict(list)
    for sale in sales:
        sold[sale.sku].append(sale)
    counts = {sku: sum(s.orders for s in group) for sku, group in sold.items()}
    asked: dict[str, list[Question]] = defaultdict(list)
    for question in questions:
        for sku in question.skus:
            asked[sku].append(question)
    lines = []
    for sku in sorted(set(said) | set(sold), key=lambda s: (-counts.get(s, 0), s)):
        count = sum(said[sku].values())
        group = sold.get(sku, [])
        orders = counts.get(sku, 0)
        first_order = min((s.first for s in group), default=None)
        start = first_said.get(sku)
        minutes = (
            (first_order - start).total_seconds() / 60
            if first_order is not None and start is not None and first_order >= start
            else None
        )
        lines.append(
            ProductLine(
                sku=sku,
                product=products.get(sku),
                mentions=dict(said[sku]),
                orders=orders,
                units=sum(s.units for s in group),
                revenue=sum((_base(s) for s in group), Decimal(0)),
                conversion=(Decimal(orders) / count).quantize(Decimal("0.01")) if count else None,
                minutes_to_first_order=minutes,
                questions=len(asked.get(sku, [])),
                unanswered=sum(1 for q in asked.get(sku, []) if not q.answered),
            )
        )
    return lines


def _markets(
    sales: Sequence[Sale],
    market_of: MarketFinder,
    by_code: Mapping[str, Market],
) -> list[MarketLine]:
    grouped: dict[str, list[Sale]] = defaultdict(list)
    for sale in sales:
        grouped[market_of(sale.buyer_country, sale.buyer_lang)].append(sale)
    lines = []
    for code, group in grouped.items():
        local: dict[str, Decimal] = defaultdict(Decimal)
        for sale in group:
            local[sale.currency] += sale.amount
        lines.append(
            MarketLine(
                code=code,
                market=by_code.get(code),
                orders=sum(s.orders for s in group),
                units=sum(s.units for s in group),
                revenue=sum((_base(s) for s in group), Decimal(0)),
                local_revenue=dict(sorted(local.items())),
            )
        )
    return sorted(lines, key=lambda line: (-line.revenue, line.code))


def _languages(sales: Sequence[Sale], mentions: Sequence[Mention]) -> list[LanguageLine]:
    bought: dict[str, list[Sale]] = defaultdict(list)
    for sale in sales:
        bought[sale.buyer_lang].append(sale)
    said = Counter(m.lang for m in mentions)
    langs = sorted(set(bought) | set(said))
    lines = [
        LanguageLine(
            lang=lang,
            orders=sum(s.orders for s in bought.get(lang, [])),
            revenue=sum((_base(s) for s in bought.get(lang, [])), Decimal(0)),
            mentions=said.get(lang, 0),
        )
        for lang in langs
    ]
    return sorted(lines, key=lambda line: (-line.revenue, -line.mentions, line.lang))


def _timeline(
    show: Show, mentions: Sequence[Mention], sales: Sequence[Sale], window: timedelta
) -> list[Minute]:
    start = show.starts_at.replace(second=0, microsecond=0)
    last = max(
        [show.ends_at, *(s.last for s in sales)],
    )
    end = min(last, show.ends_at + window)
    said = Counter(_minute(m.ts) for m in mentions)
    sold: Counter[datetime] = Counter()
    for sale in sales:
        sold[sale.minute] += sale.orders
    minutes = []
    moment = start
    while moment <= end:
        minutes.append(Minute(moment, said.get(moment, 0), sold.get(moment, 0)))
        moment += timedelta(minutes=1)
    return minutes


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)
