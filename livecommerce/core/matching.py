"""Product mentions and blocked terms found in text, by one automaton each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from livecommerce.core.models import Product
from livecommerce.core.text import TermMatcher


def product_matcher(products: Iterable[Product]) -> TermMatcher[str]:
    """Every name and alias of every product, in every language, to its sku."""
    pairs: list[tuple[str, str]] = []
    for product in products:
        for name in product.names.values():
            pairs.append((name, product.sku))
        for words in product.aliases.values():
            pairs.extend((word, product.sku) for word in words)
    return TermMatcher(pairs)


def mentioned(matcher: TermMatcher[str], text: str) -> tuple[str, ...]:
    """The skus a text names, in the order it names them."""
    return matcher.values(text)


def blocked_matcher(terms: Mapping[str, Iterable[str]]) -> TermMatcher[str]:
    """Blocked terms to their language."""
    return TermMatcher((term, lang) for lang, words in terms.items() for term in words)


def is_blocked(matcher: TermMatcher[str], text: str, lang: str) -> bool:
    """Whether `text` holds a blocked term of `lang`."""
    return lang in matcher.values(text)
