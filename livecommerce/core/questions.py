"""Buyer questions: a chat line that asks something, in any of the seven languages."""

from __future__ import annotations

import re

from livecommerce.core.text import normalize

# Question words buyers type, normalized (see core.text.normalize): "how much", "where",
# "when", "is there", "delivery?" … per language. A question mark (?, ？, ؟) is enough
# on its own.
QUESTION_WORDS: dict[str, tuple[str, ...]] = {
    "ru": (
        "сколько",
        "почем",
        "почём",
        "где",
        "когда",
        "как",
        "какой",
        "какая",
        "какие",
        "есть ли",
        "можно",
        "будет ли",
        "доставка есть",
        "цена",
    ),
    "kk": ("қанша", "неше", "қашан", "қайда", "қандай", "бар ма", "бола ма", "бағасы"),
    "ky": ("канча", "качан", "кайда", "кандай", "барбы", "болобу", "баасы"),
    "uz": ("qancha", "necha", "qachon", "qayerda", "qanday", "bormi", "boʻladimi", "narxi"),
    "ug": ("قانچە", "قاچان", "قەيەردە", "قانداق", "بارمۇ", "باھاسى"),
    "zh": ("多少", "几", "什么时候", "哪里", "怎么", "有没有", "吗", "价格", "能不能"),
    "en": (
        "how much",
        "how many",
        "when",
        "where",
        "what",
        "which",
        "is there",
        "do you",
        "can i",
        "price",
    ),
}
_MARKS = re.compile(r"[?？؟]")
_PATTERNS = {
    lang: re.compile(
        "|".join(
            re.escape(normalize(w)) if lang == "zh" else rf"(?<!\w){re.escape(normalize(w))}(?!\w)"
            for w in words
        )
    )
    for lang, words in QUESTION_WORDS.items()
}


def is_question(text: str, lang: str) -> bool:
    """Whether a chat line asks something: a question mark, or a question word of `lang`
    (or of any language, since buyers mix them)."""
    if _MARKS.search(text):
        return True
    folded = normalize(text)
    pattern = _PATTERNS.get(lang)
    if pattern is not None and pattern.search(folded):
        return True
    return any(p.search(folded) for p in _PATTERNS.values())
