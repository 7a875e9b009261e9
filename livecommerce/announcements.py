"""Show announcements: one text per market and language, in the market's own time.

"Live on Thursday, December 10, 2026 at 20:00, Almaty time" for buyers in Kazakhstan
reading English; the translated catalogs turn it into «Эфир: четверг, 10 декабря
2026 г., в 20:00 по времени Алматы». Every sentence goes through gettext with named
placeholders, so a translator may reorder them; dates, times, zone names and prices
come from CLDR through the Localizer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from babel.dates import format_skeleton

from livecommerce.core.messages import N_
from livecommerce.core.models import Market, Product, Show
from livecommerce.i18n import Localizer, chat_locale

# Sentences of an announcement. Placeholders a translation may use in WHEN:
#   {date} (full weekday and date), {weekday}, {day} (day and month), {time},
#   {zone} (the zone's city), {market} (the market's name), {title}.
WHEN = N_("Live on {date} at {time}, {zone} time")
FEATURED = N_("On the show:")
PRODUCT_PRICE = N_("{product}: {price}")


def market_zone(market: Market) -> str:
    """The market's main zone (the first of its zones), where its buyers' clock is read."""
    return market.zones[0] if market.zones else "UTC"


def localizer_for(market: Market, lang: str) -> Localizer:
    """A reader of `lang` (a chat language code) on the clock of `market`."""
    return Localizer(locale=chat_locale(lang), zone=market_zone(market))


def _fill(l10n: Localizer, template: str, params: Mapping[str, str]) -> str:
    """A translated template with its placeholders filled; the English one if the
    translation names a placeholder that does not exist."""
    try:
        return l10n.gettext(template).format(**params)
    except (KeyError, IndexError, ValueError):
        return template.format(**params)


def when_params(l10n: Localizer, moment: datetime, market: Market, lang: str) -> dict[str, str]:
    """The placeholders that say when `moment` is for a reader of `lang` in `market`."""
    local = moment.astimezone(l10n.tzinfo)
    return {
        "date": l10n.format_date(moment, "full"),
        "weekday": l10n.format_date(moment, "EEEE"),
        "day": format_skeleton("MMMMd", local, locale=l10n.locale),
        "time": l10n.format_time(moment),
        "zone": l10n.zone_name(),
        "market": market.names.get(lang) or market.names.get("en") or market.code,
    }


def announce(show: Show, market: Market, lang: str, products: Mapping[str, Product]) -> str:
    """The announcement of `show` for buyers of `market` who read `lang`.

    Lines: the show's title in `lang`; when it starts on the market's clock; then, if
    the show features products, each with its name in `lang` and its price in the
    market's currency (without a price where the product has none in that currency)."""
    l10n = localizer_for(market, lang)
    params = when_params(l10n, show.starts_at, market, lang)
    params["title"] = title = show.title(lang)
    lines = [title, _fill(l10n, WHEN, params)]
    featured = [products[sku] for sku in show.featured if sku in products]
    if featured:
        lines.append(l10n.gettext(FEATURED))
    for product in featured:
        name = product.name(lang)
        price = product.prices.get(market.currency)
        if price is None:
            lines.append(name)
            continue
        money = l10n.format_money(price, market.currency)
        lines.append(_fill(l10n, PRODUCT_PRICE, {"product": name, "price": money}))
    return "\n".join(lines)


def announcements(
    show: Show, markets: Iterable[Market], products: Iterable[Product]
) -> dict[str, dict[str, str]]:
    """Every announcement of `show`: {market code: {language: text}}, for each of the
    show's markets that is known, in each language that market speaks."""
    by_code = {m.code: m for m in markets}
    by_sku = {p.sku: p for p in products}
    return {
        code: {
            lang: announce(show, by_code[code], lang, by_sku) for lang in by_code[code].languages
        }
        for code in show.markets
        if code in by_code
    }
