"""Text normalization and whole-word term matching for chat in seven languages.

Product aliases and blocked terms are matched against chat messages after both went
through the same `normalize`, so that spelling variants a viewer cannot see (full-width
Latin, Arabic presentation forms, zero-width characters, Uzbek apostrophes, ё/е, case)
never decide whether a term is found.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import ahocorasick  # type: ignore[import-not-found]

T = TypeVar("T", bound=Hashable)

# Before NFKC: a zero-width space separates words, so it becomes a space; the acute
# accent U+00B4 is used as an Uzbek apostrophe, and NFKC would turn it into a space
# followed by a combining mark.
_BEFORE_NFKC = str.maketrans({"\u200b": " ", "\u00b4": "'"})

# After NFKC and casefold: invisible characters go (they can hide inside a word to dodge
# a blocked term), ё is written е by most people, and the legacy Uyghur HEH that NFKC
# gives for presentation forms (U+0647) is the modern Uyghur AE (U+06D5). U+06BE stays.
_INVISIBLE = (
    "\u200c"  # zero-width non-joiner
    "\u200d"  # zero-width joiner
    "\u2060"  # word joiner
    "\ufeff"  # byte-order mark / zero-width no-break space
    "\u0640"  # Arabic tatweel (kashida)
    "\u00ad"  # soft hyphen
    "\u200e\u200f\u061c"  # left-to-right, right-to-left and Arabic letter marks
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # bidi isolates
)
_AFTER_CASEFOLD = str.maketrans(
    {"ё": "е", "\u0647": "\u06d5"} | {char: None for char in _INVISIBLE}
)

# Uzbek oʻ and gʻ are typed with whatever apostrophe the keyboard has.
_OKINA = "\u02bb"
_APOSTROPHES = "'`\u2018\u2019\u02bc\u02bb\u2032"
_UZBEK_APOSTROPHE = re.compile(f"(?<=[og])[{re.escape(_APOSTROPHES)}]")

# One scan each to tell whether a fold has anything to do (str.translate costs about ten
# times a search, even when it changes nothing).
_AFTER_CASEFOLD_CHARS = re.compile(f"[ё\u0647{_INVISIBLE}]")
_APOSTROPHE_CHARS = re.compile(f"[{re.escape(_APOSTROPHES)}]")

# Han ideographs: CJK text has no spaces, so no word boundary is needed next to them.
_HAN_RANGES = (
    (0x3400, 0x4DBF),  # extension A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0x20000, 0x323AF),  # extensions B-H
)


def normalize(text: str) -> str:
    """Fold `text` to the form used for matching: patterns and messages alike.

    The result is not aligned with the original text (characters are removed, expanded
    and collapsed), so positions in it only make sense within the normalized text.

    Chat is mostly text that none of the folds below touch, so each one is skipped when
    a single scan finds nothing for it to do; the result is always that of
    `normalize_full` (tests/core/test_text.py checks it on random multilingual text).
    """
    if text.isascii():
        # ASCII is already NFKC, holds none of the characters translated before or after
        # it, and casefolds like lower(); of the apostrophes only ' and ` are ASCII.
        text = text.lower()
        if "'" in text or "`" in text:
            text = _UZBEK_APOSTROPHE.sub(_OKINA, text)
        return " ".join(text.split())
    if "\u200b" in text or "\u00b4" in text:
        text = text.translate(_BEFORE_NFKC)
    # unicodedata.normalize returns text that is already NFKC after a quick check.
    text = unicodedata.normalize("NFKC", text).casefold()
    if _AFTER_CASEFOLD_CHARS.search(text) is not None:
        text = text.translate(_AFTER_CASEFOLD)
    if _APOSTROPHE_CHARS.search(text) is not None:
        text = _UZBEK_APOSTROPHE.sub(_OKINA, text)
    return " ".join(text.split())


def normalize_full(text: str) -> str:
    """`normalize` by every step in turn, with no shortcut: the reference it must equal."""
    text = unicodedata.normalize("NFKC", text.translate(_BEFORE_NFKC))
    text = text.casefold().translate(_AFTER_CASEFOLD)
    if "o" in text or "g" in text:
        text = _UZBEK_APOSTROPHE.sub(_OKINA, text)
    return " ".join(text.split())


def _is_han(char: str) -> bool:
    """Whether `char` is a Han ideograph (Chinese character)."""
    code = ord(char)
    return any(low <= code <= high for low, high in _HAN_RANGES)


def _is_word_char(char: str) -> bool:
    # A combining mark belongs to the letter before it: "ноут" must not end inside
    # "ноут\u0301бук".
    return char.isalnum() or unicodedata.category(char).startswith("M")


@dataclass(frozen=True, slots=True)
class Match(Generic[T]):
    """One term found in a message; `start`/`end` index the normalized message."""

    value: T
    pattern: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Term(Generic[T]):
    pattern: str
    length: int
    values: tuple[T, ...]
    # Whether the pattern's first/last character needs a word boundary next to it.
    bounded_start: bool
    bounded_end: bool


class TermMatcher(Generic[T]):
    """Finds whole-word occurrences of many terms in one pass over a message.

    Built once from (pattern, value) pairs, e.g. (alias, sku) or (blocked term, lang),
    with a single Aho-Corasick automaton over the normalized patterns. Several patterns
    may share a value, and several values may share a pattern.

    A match must not touch a letter or digit on either side, except at an edge of the
    pattern that is a Han character, or when the neighbour is a Han character: Chinese
    is written without spaces, so "笔记本" is found in "这个笔记本多少钱" and "iphone" in
    "这个iphone多少钱", while "ноут" is not found in "ноутбук".
    """

    def __init__(self, pairs: Iterable[tuple[str, T]]) -> None:
        values_by_pattern: dict[str, dict[T, None]] = {}
        for pattern, value in pairs:
            normalized = normalize(pattern)
            if normalized:
                values_by_pattern.setdefault(normalized, {})[value] = None
        self._automaton: Any = None
        if values_by_pattern:
            automaton = ahocorasick.Automaton()
            for pattern, values in values_by_pattern.items():
                term = _Term(
                    pattern=pattern,
                    length=len(pattern),
                    values=tuple(values),
                    bounded_start=not _is_han(pattern[0]),
                    bounded_end=not _is_han(pattern[-1]),
                )
                automaton.add_word(pattern, term)
            automaton.make_automaton()
            self._automaton = automaton
        self._size = len(values_by_pattern)

    def __len__(self) -> int:
        """The number of distinct normalized patterns."""
        return self._size

    def find(self, text: str, *, unique: bool = True) -> list[Match[T]]:
        """Terms in `text`, in order of position in `normalize(text)`.

        Where matches overlap, the longest wins ("двойная мойка" over "мойка" in it).
        With `unique`, each value is reported once, at its first position.
        """
        return self.find_normalized(normalize(text), unique=unique)

    def find_normalized(self, text: str, *, unique: bool = True) -> list[Match[T]]:
        """Like `find` for text already passed through `normalize`.

        Lets a caller normalize a message once for several matchers (products, blocked
        terms); passing text that was not normalized gives undefined matches.
        """
        matches: list[Match[T]] = []
        seen: set[T] = set()
        for start, end, term in self._chosen(text):
            for value in term.values:
                if unique:
                    if value in seen:
                        continue
                    seen.add(value)
                matches.append(Match(value, term.pattern, start, end))
        return matches

    def values(self, text: str) -> tuple[T, ...]:
        """The values `find(text)` gives, in the same order, without building matches."""
        found: dict[T, None] = {}
        for _, _, term in self._chosen(normalize(text)):
            for value in term.values:
                found.setdefault(value)
        return tuple(found)

    def _chosen(self, text: str) -> list[tuple[int, int, _Term[T]]]:
        """Whole-word matches in normalized `text`: none overlap, in order of position."""
        if self._automaton is None or not text:
            return []
        candidates: list[tuple[int, int, _Term[T]]] = []
        last = len(text) - 1
        for end_index, term in self._automaton.iter(text):
            start = end_index - term.length + 1
            if term.bounded_start and start > 0 and _blocks(text[start - 1]):
                continue
            if term.bounded_end and end_index < last and _blocks(text[end_index + 1]):
                continue
            candidates.append((start, end_index + 1, term))
        # The automaton reports matches by their end; if none overlaps the one before,
        # none overlaps at all, and there is nothing to choose (most messages).
        previous_end = 0
        for start, end, _ in candidates:
            if start < previous_end:
                break
            previous_end = end
        else:
            return candidates
        # Longest first; among equals, leftmost first. A taken character is never reused.
        candidates.sort(key=lambda c: (c[0] - c[1], c[0]))
        taken = bytearray(len(text))
        chosen: list[tuple[int, int, _Term[T]]] = []
        for start, end, term in candidates:
            if taken.find(1, start, end) == -1:
                taken[start:end] = b"\x01" * (end - start)
                chosen.append((start, end, term))
        chosen.sort(key=lambda c: c[0])
        return chosen


# Chat uses few distinct characters, so the answer for each is kept; the bound keeps a
# flood of distinct characters from growing it without end.
@functools.lru_cache(maxsize=4096)
def _blocks(neighbour: str) -> bool:
    """Whether a character next to a match makes it part of a longer word."""
    return _is_word_char(neighbour) and not _is_han(neighbour)
