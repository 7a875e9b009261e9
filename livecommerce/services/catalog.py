"""What the live parts match against, loaded from the store and reloaded when it changes:
products (names, aliases, prices), markets and blocked terms."""

from __future__ import annotations

from dataclasses import dataclass, field

from livecommerce.core.matching import blocked_matcher, is_blocked, mentioned, product_matcher
from livecommerce.core.models import Market, Product
from livecommerce.core.text import TermMatcher
from livecommerce.store import SqlStore


@dataclass
class Catalog:
    products: dict[str, Product] = field(default_factory=dict)
    markets: dict[str, Market] = field(default_factory=dict)
    _products: TermMatcher[str] = field(default_factory=lambda: TermMatcher([]))
    _blocked: TermMatcher[str] = field(default_factory=lambda: TermMatcher([]))

    async def reload(self, store: SqlStore) -> None:
        """Read the catalog again and rebuild the automatons (one each)."""
        products = await store.products()
        self.products = {p.sku: p for p in products}
        self.markets = {m.code: m for m in await store.markets()}
        self._products = product_matcher(products)
        self._blocked = blocked_matcher(await store.blocked_terms())

    def mentioned(self, text: str) -> tuple[str, ...]:
        """The skus a text names."""
        return mentioned(self._products, text)

    def blocked(self, text: str, lang: str) -> bool:
        """Whether a text holds a blocked term of its language."""
        return is_blocked(self._blocked, text, lang)
