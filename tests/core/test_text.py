"""Normalization for matching, and whole-word term matching."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from livecommerce.core.text import Match, TermMatcher, normalize, normalize_full

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


# Random chat in the scripts the shows use, with every character a fold acts on.
_SPECIAL = [
    *(ZWSP, ZWNJ, ZWJ, WJ, BOM, SOFT_HYPHEN, TATWEEL, LRM, RLM, RLE, PDF, RLI, PDI),
    *("\u061c", "\u00b4", "'", "`", "\u2018", "\u2019", "\u02bc", OKINA, "\u2032"),
    *("\uff07", "o", "g", "O", "G", "Ё", "ё", "\u0647", "\u06d5", "\u06be", "\ufbac"),
    *(" ", "\t", "\n", "\u00a0", "\u3000", "\u0301", "\ufe71", "\u1e9e", "\ufb01"),
    *("🔥", "👍🏽", "\u2764\ufe0f", "\U0001f1f0\U0001f1ff"),
]
_RANGES = [
    (0x20, 0x7E),  # ASCII
    (0x0400, 0x04FF),  # Cyrillic, with Kazakh, Kyrgyz and Uzbek letters
    (0x0600, 0x06FF),  # Arabic script (Uyghur)
    (0xFB50, 0xFDFF),  # Arabic presentation forms A
    (0xFE70, 0xFEFF),  # Arabic presentation forms B, BOM
    (0xFF01, 0xFF5E),  # full-width Latin, digits and punctuation
    (0x4E00, 0x4FFF),  # CJK ideographs
    (0x0300, 0x036F),  # combining marks
]
_CHARS = st.one_of(
    st.sampled_from(_SPECIAL),
    *(st.characters(min_codepoint=low, max_codepoint=high) for low, high in _RANGES),
)
_CHAT = st.lists(_CHARS, max_size=40).map("".join)


@given(_CHAT)
@example("O\u00b4ZBEK o\u200d'zbek G\uff07ALLA")
@example("\ufed7\ufe8e\ufee7\ufb7d\ufeea \ufe71 Ёлка")
@example("ｉＰｈｏｎｅ\u3000１５")
def test_normalize_takes_shortcuts_to_the_same_text(text: str) -> None:
    assert normalize(text) == normalize_full(text)


@given(st.text(max_size=40))
def test_normalize_agrees_on_any_text(text: str) -> None:
    assert normalize(text) == normalize_full(text)


def _reference_find(matcher_pairs: list[tuple[str, str]], text: str) -> list[tuple[str, int]]:
    """Whole-word matches by brute force: every occurrence, longest then leftmost kept."""
    folded = normalize_full(text)

    def word(char: str) -> bool:
        han = unicodedata.name(char, "").startswith("CJK")
        return (char.isalnum() or unicodedata.category(char)[0] == "M") and not han

    found = []
    for pattern, value in matcher_pairs:
        pattern = normalize_full(pattern)
        start = folded.find(pattern)
        while start != -1:
            end = start + len(pattern)
            if not (start > 0 and word(pattern[0]) and word(folded[start - 1])) and not (
                end < len(folded) and word(pattern[-1]) and word(folded[end])
            ):
                found.append((start, end, value))
            start = folded.find(pattern, start + 1)
    found.sort(key=lambda f: (f[0] - f[1], f[0]))
    taken: set[int] = set()
    chosen = []
    for start, end, value in found:
        if taken.isdisjoint(range(start, end)):
            taken.update(range(start, end))
            chosen.append((start, end, value))
    return [(value, start) for start, _, value in sorted(chosen)]


_PAIRS = [
    ("ноут", "laptop"),
    ("ноутбук", "laptop"),
    ("мойка", "sink"),
    ("двойная мойка", "double-sink"),
    ("笔记本", "laptop"),
    ("本子", "notebook"),  # overlaps 笔记本 by one character in 笔记本子
    ("iphone", "phone"),
    ("iphone 15", "phone-15"),
    ("15 pro", "pro"),  # overlaps iphone 15 in iphone 15 pro
    ("oʻzbek", "uz"),
    ("قانچە", "ug"),
    ("елка", "tree"),
]
_WORDS = st.sampled_from(
    [p for p, _ in _PAIRS] + ["ноутбуки", "супер", "15", "pro", "这个", "o'", "Ё", "ЁЛКА"]
)
_PIECES = st.one_of(_WORDS, _CHARS, st.sampled_from([" ", ", ", "?", "\u0301"]))


@given(st.lists(_PIECES, max_size=12).map("".join))
@example("двойная мойка мойка ноутбук")
@example("iphone 15 iphone 15 pro 这个笔记本iphone")
@example("笔记本子 本子笔记本")
def test_find_agrees_with_a_brute_force_search(text: str) -> None:
    matcher = TermMatcher(_PAIRS)
    found = matcher.find(text, unique=False)
    assert [(m.value, m.start) for m in found] == _reference_find(_PAIRS, text)
    unique = [m.value for m in matcher.find(text)]
    assert list(matcher.values(text)) == unique == list(dict.fromkeys(unique))
