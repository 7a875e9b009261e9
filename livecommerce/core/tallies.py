"""A show's sales from its orders tallied per minute (pure, no clock).

The store keeps the orders tallied per minute, product, buyer's language and country,
currency and show reference. Attribution (`core.attribution`) gives every order of such
a tally the same place in the show, unless a mention of its product falls between its
first and last order, or (for orders without the show's code) the show's window starts
or ends between them: those tallies are split, and their orders are read and attributed
one by one. The others become `Sale`s whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from livecommerce.core.attribution import Rates, Touches
from livecommerce.core.models import Show
from livecommerce.core.report import Sale


class Tally(NamedTuple):
    """Orders of one minute, product, buyer's language and country, and currency, that
    carry the show's code (`coded`) or no show reference at all. A named tuple: a
    large show has tens of thousands."""

    sku: str
    buyer_lang: str
    buyer_country: str
    currency: str
    coded: bool
    minute: datetime
    first: datetime
    last: datetime
    orders: int
    units: int
    amount: Decimal | None  # exact, as the orders' amounts add up; None: not known exactly


@dataclass(frozen=True)
class Tallied:
    """What the tallies give: the sales of the whole ones, and per minute the products
    whose orders of that minute are to be read and attributed one by one."""

    sales: list[Sale]
    split: dict[datetime, set[str]]


def tallied_sales(
    show: Show,
    tallies: Iterable[Tally],
    touches: Touches,
    rates: Rates,
    window: timedelta,
) -> Tallied:
    """The sales of `tallies` (see the module), as `attribute` would credit their orders."""
    tallies = list(tallies)
    split: dict[datetime, set[str]] = {}
    whole: list[tuple[Tally, Decimal]] = []
    for tally in tallies:
        if tally.amount is not None and _uniform(show, tally, touches, window):
            whole.append((tally, tally.amount))
        else:
            split.setdefault(tally.minute, set()).add(tally.sku)
    sales = []
    for tally, amount in whole:
        if tally.sku in split.get(tally.minute, ()):
            continue  # its minute and product are read order by order
        if not tally.coded and not show.starts_at <= tally.first <= show.ends_at + window:
            continue  # outside the window, without the code: not the show's
        found = touches.at(tally.sku, tally.buyer_lang, tally.first)
        if found is None and not tally.coded:
            continue  # not mentioned before
        sales.append(
            Sale(
                sku=tally.sku,
                currency=tally.currency,
                buyer_country=tally.buyer_country,
                buyer_lang=tally.buyer_lang,
                minute=tally.minute,
                first=tally.first,
                last=tally.last,
                orders=tally.orders,
                units=tally.units,
                amount=amount,
                base_amount=rates.convert(amount, tally.currency, tally.minute.date()),
                last_touch=found[1] if found is not None else None,
            )
        )
    return Tallied(sales, split)


def _uniform(show: Show, tally: Tally, touches: Touches, window: timedelta) -> bool:
    """Whether every order of `tally` is credited alike: no mention of its product falls
    between its orders, and without the code, all of them are inside the show's window
    or all outside."""
    if touches.changes_within(tally.sku, tally.first, tally.last):
        return False
    if tally.coded:
        return True
    end = show.ends_at + window
    starts_between = tally.first < show.starts_at <= tally.last
    ends_between = tally.first <= end < tally.last
    return not (starts_between or ends_between)
