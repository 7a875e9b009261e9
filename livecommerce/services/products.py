"""A pinned product as each language channel sees it: its name, and its price in the
currencies of the show's markets that speak that language, formatted by Babel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from livecommerce.core.models import Market, Show
from livecommerce.i18n import Localizer, chat_locale
from livecommerce.services.catalog import Catalog


def currencies_for(lang: str, show: Show, markets: Mapping[str, Market]) -> list[str]:
    """The currencies of the show's markets where `lang` is spoken, most important first."""
    found: list[str] = []
    for code in show.markets:
        market = markets.get(code)
        if market is not None and lang in market.languages and market.currency not in found:
            found.append(market.currency)
    return found


class ProductFrames:
    """Builds the localized `product` frames of a pin from the catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def __call__(self, show: Show, sku: str, action: str) -> dict[str, dict[str, Any]]:
        product = self.catalog.products.get(sku)
        if product is None:
            return {}
        frames: dict[str, dict[str, Any]] = {}
        for lang in show.languages:
            l10n = Localizer(chat_locale(lang))
            currencies = (
                currencies_for(lang, show, self.catalog.markets) or list(product.prices)[:1]
            )
            prices = [
                {
                    "currency": currency,
                    "amount": format(product.prices[currency], "f"),
                    "display": l10n.format_money(product.prices[currency], currency),
                }
                for currency in currencies
                if currency in product.prices
            ]
            frames[lang] = {
                "type": "product",
                "action": action,
                "sku": sku,
                "lang": lang,
                "name": product.name(lang),
                "prices": prices,
            }
        return frames
