"""Normalization for matching, and whole-word term matching."""

from __future__ import annotations

import pytest

from livecommerce.core.text import Match, TermMatcher, normalize

ZWSP, ZWNJ, ZWJ, WJ, BOM = "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"
SOFT_HYPHEN, TATWEEL = "\u00ad", "\u0640"
LRM, RLM, RLE, PDF, RLI, PDI = "\u200e", "\u200f", "\u202b", "\u202c", "\u2067", "\u2069"
OKINA = "\u02bb"  # ʻ, the Uzbek oʻ/gʻ sign everything is mapped to


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("   ", ""),
        # full-width Latin and digits
        ("ＮＯＴＥＢＯＯＫ １５", "notebook 15"),
        ("ｉＰｈｏｎｅ", "iphone"),
        # Arabic presentation forms fold to the base letters; final HEH becomes AE
        ("\ufed7\ufe8e\ufee7\ufb7d\ufeea", "قانچە"),
        ("\ufb58\ufbd8\ufedd", "پۇل"),
        # legacy Uyghur HEH U+0647 is the modern AE U+06D5; DO ھ U+06BE stays
        ("قانچه", "قانچە"),
        ("ھەممە", "ھەممە"),
        ("\ufbac", "ھ"),
        # tatweel stretches a word without changing it
        (f"قان{TATWEEL}{TATWEEL}چە", "قانچە"),
        # every Uzbek apostrophe after o and g
        ("o'zbek", f"o{OKINA}zbek"),
        ("o`zbek", f"o{OKINA}zbek"),
        ("o\u2018zbek", f"o{OKINA}zbek"),
        ("o\u2019zbek", f"o{OKINA}zbek"),
        ("o\u02bczbek", f"o{OKINA}zbek"),
        ("o\u02bbzbek", f"o{OKINA}zbek"),
        ("o\u00b4zbek", f"o{OKINA}zbek"),
        ("o\uff07zbek", f"o{OKINA}zbek"),
        ("O'ZBEKCHA", f"o{OKINA}zbekcha"),
        ("G’alla", f"g{OKINA}alla"),
        ("to'lasa bo`ladimi", f"to{OKINA}lasa bo{OKINA}ladimi"),
        # other apostrophes are left alone
        ("it's", "it's"),
        ("ta\u02bclim", "ta\u02bclim"),
        # ё is written е
        ("Ёлка, ещё", "елка, еще"),
        # invisible characters inside a word vanish; a zero-width space separates words
        (f"но{ZWJ}ут{ZWNJ}бук", "ноутбук"),
        (f"{BOM}ноут{WJ}бук{SOFT_HYPHEN}", "ноутбук"),
        (f"но{ZWSP}утбук", "но утбук"),
        (f"{RLM}قانچە{LRM} {RLE}پۇل{PDF} {RLI}x{PDI}", "قانچە پۇل x"),
        # case folding of Cyrillic, including Kazakh, Kyrgyz and Uzbek letters
        ("СКОЛЬКО СТОИТ", "сколько стоит"),
        ("ҚАНША ӘДЕМІ ҰЛЫ ҺӘМ", "қанша әдемі ұлы һәм"),
        ("ӨҢҮ ЎҲҒ", "өңү ўҳғ"),
        ("Hello World", "hello world"),
        # whitespace runs, including the ideographic space and NBSP
        ("a \t\n  b", "a b"),
        ("这个\u3000笔记本", "这个 笔记本"),
        ("двойная\u00a0мойка", "двойная мойка"),
        ("  padded  ", "padded"),
        # Chinese is untouched
        ("这个笔记本多少钱", "这个笔记本多少钱"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Ｏ'ｚｂｅｋ Ёлка \ufed7\ufe8e\ufee7\ufb7d\ufeea",
        f"но{ZWJ}ут{ZWSP}бук  {SOFT_HYPHEN}",
        "Сколько стоит ноут? 这个笔记本多少钱 🔥🔥",
        "e\u0301 n\u0303 \u0430\u0301",
    ],
)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


def values(matcher: TermMatcher[str], text: str) -> list[str]:
    return [match.value for match in matcher.find(text)]


PRODUCTS = TermMatcher(
    [
        ("ноут", "sku-laptop"),
        ("Ноутбук", "sku-laptop"),
        ("мойка", "sku-sink"),
        ("двойная мойка", "sku-double-sink"),
        ("笔记本", "sku-laptop"),
        ("iPhone", "sku-phone"),
        ("iPhone 15 Pro", "sku-phone-15-pro"),
        ("oʻzbek choponi", "sku-chapan"),
        ("قانچە", "sku-ug"),
        ("ёлка", "sku-tree"),
    ]
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("сколько стоит ноут?", ["sku-laptop"]),
        ("НОУТ!", ["sku-laptop"]),
        ("ноут", ["sku-laptop"]),
        ("ноутбук есть?", ["sku-laptop"]),
        ("ноутбуки есть?", []),
        ("суперноут", []),
        ("ноут2", []),
        ("2ноут", []),
        ("ноут, мойка", ["sku-laptop", "sku-sink"]),
        # the longest overlapping match wins
        ("двойная мойка", ["sku-double-sink"]),
        ("двойная  мойка, а ещё мойка", ["sku-double-sink", "sku-sink"]),
        ("iphone 15 pro max", ["sku-phone-15-pro"]),
        ("iphone 15", ["sku-phone"]),
        ("iphone15", []),
        # Han text has no spaces: Han patterns match anywhere, Han neighbours are no word
        ("这个笔记本多少钱", ["sku-laptop"]),
        ("笔记本", ["sku-laptop"]),
        ("这个iphone多少钱", ["sku-phone"]),
        # spelling variants
        ("ｉＰｈｏｎｅ １５", ["sku-phone"]),
        (f"но{ZWJ}ут", ["sku-laptop"]),
        (f"но{SOFT_HYPHEN}ут", ["sku-laptop"]),
        (f"но{ZWSP}ут", []),
        ("O'zbek choponi bormi?", ["sku-chapan"]),
        ("o`zbek choponi", ["sku-chapan"]),
        ("o\u2018zbek choponi", ["sku-chapan"]),
        ("o\u2019zbek choponi", ["sku-chapan"]),
        ("oʼzbek choponi", ["sku-chapan"]),
        ("\ufed7\ufe8e\ufee7\ufb7d\ufeea پۇل؟", ["sku-ug"]),
        ("قانچه پۇل؟", ["sku-ug"]),
        (f"قان{TATWEEL}چە", ["sku-ug"]),
        ("Елка", ["sku-tree"]),
        # punctuation, emoji and marks are boundaries; a combining mark is part of a word
        ("🔥ноут🔥", ["sku-laptop"]),
        (f"{RLM}ноут{LRM}", ["sku-laptop"]),
        ("«ноут»", ["sku-laptop"]),
        ("ноут\u0301", []),
        ("ноут\u0301бук", []),
        ("", []),
        ("🔥🔥🔥", []),
    ],
)
def test_find(text: str, expected: list[str]) -> None:
    assert values(PRODUCTS, text) == expected


def test_matches_index_the_normalized_text() -> None:
    text = "  Сколько   стоит ДВОЙНАЯ мойка?"
    normalized = normalize(text)
    [match] = PRODUCTS.find(text)
    assert match == Match("sku-double-sink", "двойная мойка", 14, 27)
    assert normalized[match.start : match.end] == "двойная мойка"


def test_each_value_once_unless_asked() -> None:
    text = "ноут, ноутбук и ещё раз ноут"
    assert [m.value for m in PRODUCTS.find(text)] == ["sku-laptop"]
    repeated = PRODUCTS.find(text, unique=False)
    assert [(m.pattern, m.start) for m in repeated] == [("ноут", 0), ("ноутбук", 6), ("ноут", 24)]


def test_one_pattern_many_values() -> None:
    matcher = TermMatcher([("мойка", "a"), ("МОЙКА", "b"), ("мойка", "a")])
    assert len(matcher) == 1
    assert [m.value for m in matcher.find("мойка мойка")] == ["a", "b"]
    assert len(matcher.find("мойка мойка", unique=False)) == 4


def test_find_normalized_skips_normalization() -> None:
    normalized = normalize("Сколько стоит НОУТ?")
    assert PRODUCTS.find_normalized(normalized) == PRODUCTS.find("Сколько стоит НОУТ?")


@pytest.mark.parametrize(
    "pairs",
    [[], [("", "x")], [("   ", "x"), (ZWJ, "y"), (SOFT_HYPHEN + BOM, "z")]],
)
def test_empty_pattern_sets_find_nothing(pairs: list[tuple[str, str]]) -> None:
    matcher = TermMatcher(pairs)
    assert len(matcher) == 0
    assert matcher.find("anything at all ноут 笔记本") == []
    assert matcher.find("") == []


def test_blocked_terms_carry_their_language() -> None:
    blocked = TermMatcher([("дурак", "ru"), ("ақымақ", "kk"), ("傻瓜", "zh")])
    assert [(m.value, m.pattern) for m in blocked.find("Ты ДУРАК, ақымақ! 你是傻瓜")] == [
        ("ru", "дурак"),
        ("kk", "ақымақ"),
        ("zh", "傻瓜"),
    ]


def test_many_patterns() -> None:
    pairs = [(f"товар{n} модель{n % 97}", n) for n in range(5000)]
    pairs += [(f"商品{n}号", -n) for n in range(1, 5)]
    matcher = TermMatcher(pairs)
    assert len(matcher) == 5004
    found = matcher.find("Есть ТОВАР4999 модель52 и товар17 модель17? 要商品3号")
    assert [m.value for m in found] == [4999, 17, -3]
    assert matcher.find("товар1 модель1") == [Match(1, "товар1 модель1", 0, 14)]


@pytest.mark.parametrize(
    "text",
    [
        "ноут " * 2000,
        "н" * 10_000,
        "🔥" * 10_000,
        (RLM + "ноут" + LRM) * 1000,
        "ноут\u0301\u0300\u0302" * 1500,
        "这个笔记本多少钱" * 1250,
        ZWJ * 10_000,
        "\x00\x01\x1b[31m ноут \x7f" * 500,
    ],
)
def test_hostile_input(text: str) -> None:
    length = len(normalize(text))
    matches = PRODUCTS.find(text, unique=False)
    assert all(0 <= m.start < m.end <= length for m in matches)
    assert len(PRODUCTS.find(text)) <= 1


def test_repeated_word_in_long_text_found_every_time() -> None:
    assert len(PRODUCTS.find("ноут " * 2000, unique=False)) == 2000
    assert len(PRODUCTS.find("这个笔记本多少钱" * 1250, unique=False)) == 1250
    assert PRODUCTS.find("н" * 10_000) == []
