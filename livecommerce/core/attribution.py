"""Which orders a show earned, and which mentions earned them (pure, no clock).

An order belongs to a show when it carries the show's code, or else when it was placed
during the show or within `window` after it and its product was mentioned in the show
before the order. Within the show it is credited to the last mention of that product
before the order (last touch) and to the first (first touch), preferring mentions in
the buyer's language. Amounts are converted to the base currency at the rate of the
order's day (the latest rate on or before it).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from livecommerce.core.models import ExchangeRate, Mention, Order, Show

DEFAULT_WINDOW = timedelta(hours=2)


@dataclass(frozen=True)
class Credit:
    """One order's place in a show."""

    order: Order
    by_code: bool
    last_touch: Mention | None
    first_touch: Mention | None
    amount: Decimal  # qty × unit price, in the order's currency
    base_amount: Decimal | None  # in the base currency; None when no rate is known

    @property
    def attributed(self) -> bool:
        """Credited to a mention (not only to the show by its code)."""
        return self.last_touch is not None


class Rates:
    """Exchange rates into one base currency, looked up by day (latest on or before).

    Rates kept in another base (the seeds keep every rate in CNY) serve as cross rates:
    with rates into CNY, 1 KZT in EUR is (KZT in CNY) / (EUR in CNY) on the same day. A
    direct rate into the base is preferred when there is one for that day.
    """

    def __init__(self, base: str, rates: Iterable[ExchangeRate]) -> None:
        self.base = base
        by_base: dict[str, dict[str, list[tuple[date, Decimal]]]] = {}
        for rate in rates:
            by_base.setdefault(rate.base, {}).setdefault(rate.currency, []).append(
                (rate.day, rate.rate)
            )
        tables = {b: {c: sorted(v) for c, v in t.items()} for b, t in by_base.items()}
        self._days = tables.pop(base, {})
        # Other bases that know the base currency itself: they can bridge to it.
        self._pivots = {pivot: table for pivot, table in sorted(tables.items()) if base in table}

    @staticmethod
    def _on(days: list[tuple[date, Decimal]] | None, day: date) -> Decimal | None:
        if not days:
            return None
        index = bisect.bisect_right(days, (day, Decimal("Infinity"))) - 1
        return days[index][1] if index >= 0 else None

    def crosses(self, currency: str, day: date) -> bool:
        """Whether `convert` goes through another base for `currency` on `day`: a
        division, rounded to the context's precision, where a direct rate is a product."""
        if currency == self.base or self._on(self._days.get(currency), day) is not None:
            return False
        return self.convert(Decimal(1), currency, day) is not None

    def convert(self, amount: Decimal, currency: str, day: date) -> Decimal | None:
        """`amount` of `currency` in the base currency on `day`; None when no rate is known."""
        if currency == self.base:
            return amount
        direct = self._on(self._days.get(currency), day)
        if direct is not None:
            return amount * direct
        for pivot, table in self._pivots.items():
            into_pivot = Decimal(1) if currency == pivot else self._on(table.get(currency), day)
            base_in_pivot = self._on(table[self.base], day)
            if into_pivot is not None and base_in_pivot:
                return amount * into_pivot / base_in_pivot
        return None


def belongs(order: Order, show: Show, mentioned_before: bool, window: timedelta) -> bool:
    """Whether `order` counts for `show` (see the module's rule)."""
    if order.show_ref and order.show_ref in (show.code, show.id):
        return True
    if order.show_ref:
        return False  # it names another show
    in_window = show.starts_at <= order.ts <= show.ends_at + window
    return in_window and mentioned_before


class Touches:
    """The show's mentions of each product in time order, for finding an order's touches
    by bisection: O(log M) per order instead of a scan of every mention."""

    def __init__(self, show: Show, mentions: Iterable[Mention]) -> None:
        by_sku: dict[str, list[Mention]] = {}
        by_lang: dict[tuple[str, str], list[Mention]] = {}
        # sorted() is stable: mentions at the same moment keep the order they came in.
        for mention in sorted(mentions, key=lambda m: m.ts):
            if mention.show_id == show.id:
                by_sku.setdefault(mention.sku, []).append(mention)
                by_lang.setdefault((mention.sku, mention.lang), []).append(mention)
        self._sku = {sku: (ms, [m.ts for m in ms]) for sku, ms in by_sku.items()}
        self._lang = {key: (ms, [m.ts for m in ms]) for key, ms in by_lang.items()}

    def before(self, order: Order) -> tuple[Mention, Mention] | None:
        """The (first, last) mention of the order's product at or before its time,
        preferring the buyer's language; None when it was not mentioned before."""
        return self.at(order.sku, order.buyer_lang, order.ts)

    def at(self, sku: str, lang: str, moment: datetime) -> tuple[Mention, Mention] | None:
        """`before` for an order of `sku` by a buyer of `lang` at `moment`."""
        said = self._sku.get(sku)
        if said is None:
            return None
        mentions, times = said
        count = bisect.bisect_right(times, moment)
        if not count:
            return None
        in_lang = self._lang.get((sku, lang))
        if in_lang is not None:
            lang_mentions, lang_times = in_lang
            lang_count = bisect.bisect_right(lang_times, moment)
            if lang_count:
                return lang_mentions[0], lang_mentions[lang_count - 1]
        return mentions[0], mentions[count - 1]

    def changes_within(self, sku: str, first: datetime, last: datetime) -> bool:
        """Whether orders of `sku` placed from `first` to `last` may have different
        touches: a mention of it falls after `first` and at or before `last`."""
        said = self._sku.get(sku)
        if said is None:
            return False
        times = said[1]
        index = bisect.bisect_right(times, first)
        return index < len(times) and times[index] <= last


def attribute(
    show: Show,
    mentions: Iterable[Mention],
    orders: Iterable[Order],
    rates: Rates,
    window: timedelta = DEFAULT_WINDOW,
) -> list[Credit]:
    """The credits of every order that belongs to `show`, in order time.

    O((N + M) log(N + M)) for N orders and M mentions: the orders are sorted once, each
    looks up its touches by bisection (`Touches`)."""
    touches = Touches(show, mentions)
    credits = []
    for order in sorted(orders, key=lambda o: (o.ts, o.id)):
        found = touches.before(order)
        if not belongs(order, show, found is not None, window):
            continue
        first, last = found if found is not None else (None, None)
        amount = order.unit_price * order.qty
        credits.append(
            Credit(
                order=order,
                by_code=bool(order.show_ref),
                last_touch=last,
                first_touch=first,
                amount=amount,
                base_amount=rates.convert(amount, order.currency, order.ts.date()),
            )
        )
    return credits
