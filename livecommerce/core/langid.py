"""Which of the stream's languages a chat message is written in.

Chat lines are short, mixed and often transliterated, where statistical detectors are
unreliable. So a rule layer decides by script and by letters that only some of our
languages have, the statistical model (py3langid restricted to our seven languages)
only chooses among the languages the rules leave, and anything doubtful falls back to
the language the sender declared. `Detection.confident` says whether the result may
override that declaration.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from py3langid.langid import MODEL_FILE  # type: ignore[import-untyped]
from py3langid.langid import LanguageIdentifier as _Model

from livecommerce.core.text import normalize

LANGUAGES = ("kk", "ru", "zh", "ug", "ky", "uz", "en")

# Reasons, the machine word in `Detection.reason`.
SCRIPT = "script"  # the writing system alone decides: Arabic → ug, Han → zh
LETTERS = "letters"  # letters only one candidate language uses
MODEL = "model"  # the statistical model, among the candidates the rules left
DECLARED = "declared"  # the sender's declared language, for lack of evidence

# Only the start of a message is analysed: a 100,000-character paste must not stall chat.
MAX_CHARS = 1000
# Fewer letters than this is no evidence at all ("ok", "+", "666", "🔥🔥").
MIN_LETTERS = 3
# Below this many letters the model is not trusted to choose between close languages.
MIN_MODEL_LETTERS = 12
# A Han character carries about a word, so it weighs like three alphabetic letters.
HAN_WEIGHT = 3

# Measured with py3langid 0.4.0 on 123 hand-written chat lines (ru 25; kk 28, 8 of them
# typed without ә ғ қ ң ө ұ ү һ і; ky 24; uz 15 Cyrillic and 16 Latin; en 15) plus 10
# transliterations. Of the 92 Cyrillic lines, 64 reached the model (the rest were
# decided by letters or too short). Its wrong winners, renormalized over the candidates,
# peaked at 0.687 (Kazakh typed without its letters goes to ky at 0.48-0.69); at 0.9 it
# accepted 44 of the 64, all right. At 0.9 a declared language can hold at most 0.1, so
# a declared language close to the winner is always kept.
MODEL_CONFIDENCE = 0.9
# Latin chat is English or text the model never saw: transliterated Russian, Kazakh and
# Kyrgyz reached en 0.61 and "iPhone 15 Pro Max bormi" 0.88, while English lines of 12
# letters or more scored 0.978 or above; hence a stricter bar for English.
ENGLISH_CONFIDENCE = 0.95

_NON_LETTERS = re.compile(r"[\W\d_]+")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_CYRILLIC = re.compile("[\u0400-\u052f]")
_LATIN = re.compile("[a-z\u00c0-\u024f\u02bb\u02bc\u1e00-\u1eff]")

_CYRILLIC_LANGUAGES = frozenset({"ru", "kk", "ky", "uz"})
# Letters that only some of the Cyrillic-script languages have (text is casefolded).
_CYRILLIC_LETTER_RULES = (
    (frozenset("ўҳ"), frozenset({"uz"})),
    (frozenset("әұіһ"), frozenset({"kk"})),
    (frozenset("қғ"), frozenset({"kk", "uz"})),
    (frozenset("ңөү"), frozenset({"kk", "ky"})),
)
# Uzbek Cyrillic has no ы, which ru, kk and ky all use a lot.
_NOT_UZBEK = frozenset("ы")
# Kazakh Latin (2021); the Uzbek oʻ and gʻ are found after `normalize` unified the
# apostrophes.
_KAZAKH_LATIN = frozenset("ǵńıúáó")
_UZBEK_LATIN = ("o\u02bb", "g\u02bb")


@dataclass(frozen=True)
class Detection:
    """The language of one message, and whether it may override the declared one."""

    lang: str
    confident: bool
    reason: str
    # The writing system the message was written in (ISO 15924: "Cyrl", "Latn", "Arab",
    # "Hani"), or "" when there were too few letters to tell; moderators see it.
    script: str = ""
    # The detector could not place the message: it went to the sender's channel (by the
    # priors) and its moderators see it flagged "language unsure".
    unsure: bool = False


@dataclass(frozen=True)
class Prior:
    """What is known of a sender before reading the message, strongest first.

    `history`: the languages of the sender's own earlier messages that the detector
    placed (or a moderator moved), most recent last; `channels`: the languages the sender
    declared (chose to read), empty when they declared nothing; `accept`: the browser's
    Accept-Language languages mapped to ours, in the browser's order of preference.
    """

    history: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    accept: tuple[str, ...] = ()


class NoLanguagesError(ValueError):
    """A stream was asked to identify messages with no language allowed."""

    def __init__(self, declared: str) -> None:
        self.declared = declared
        super().__init__(
            f"cannot identify a message declared {declared!r}: the stream allows no language"
        )


class LanguageIdentifier:
    """Identifies chat messages; holds the py3langid model (about 1 s to load, 130 MB).

    Create one per process, see `default_identifier`.
    """

    def __init__(self) -> None:
        model: Any = _Model.from_model_file(MODEL_FILE, norm_probs=True)
        model.set_languages(list(LANGUAGES))
        self._model = model

    def identify(self, text: str, declared: str, allowed: Collection[str]) -> Detection:
        """The language of `text` among `allowed`, a stream's languages.

        `declared` is the sender's language setting: it wins whenever the evidence is
        weak, and when it is not allowed the stream's first language stands in for it.
        The result's `lang` is always in `allowed`; `reason` says what decided it:
        `SCRIPT`, `LETTERS`, `MODEL` or `DECLARED` (no usable evidence).
        """
        if not allowed:
            raise NoLanguagesError(declared)
        if declared not in allowed:
            declared = next(iter(allowed))
        fallback = Detection(declared, confident=False, reason=DECLARED)
        sample = normalize(text[:MAX_CHARS])
        letters = _NON_LETTERS.sub("", sample)
        han, arabic, cyrillic, latin = (
            _count(script, letters) for script in (_HAN, _ARABIC, _CYRILLIC, _LATIN)
        )
        other = len(letters) - han - arabic - cyrillic - latin
        weights = {
            "han": HAN_WEIGHT * han,
            "arabic": arabic,
            "cyrillic": cyrillic,
            "other": other,
        }
        if sum(weights.values()) + latin < MIN_LETTERS:
            return fallback
        script = max(weights, key=weights.__getitem__)
        # Latin words in another script's message are mostly product names (iPhone, Pro
        # Max): Latin is the message's script only when it outweighs the rest two to one.
        if latin > 2 * weights[script]:
            script = "latin"
        if script in ("han", "arabic"):
            lang = "zh" if script == "han" else "ug"
            return Detection(lang, True, SCRIPT) if lang in allowed else fallback
        if script == "cyrillic":
            candidates = _narrow_cyrillic(frozenset(sample))
            return self._choose(sample, len(letters), candidates, declared, allowed)
        if script == "latin":
            return self._identify_latin(sample, len(letters), declared, allowed)
        return fallback

    def _identify_latin(
        self, sample: str, letters: int, declared: str, allowed: Collection[str]
    ) -> Detection:
        """Uzbek or Kazakh by their Latin letters, else English when clearly so.

        Without those letters, Latin chat is English or a transliteration ("skolko
        stoit?", "kancha turat?", "narxi qancha") that the model takes for Uzbek, so
        only clear English counts. Clear English also beats the letters: "o'clock",
        "O'Brien" and "Málaga" are English text.
        """
        if (
            letters >= MIN_MODEL_LETTERS
            and "en" in allowed
            and dict(self._model.rank(sample)).get("en", 0.0) >= ENGLISH_CONFIDENCE
        ):
            return Detection("en", True, MODEL)
        uzbek = any(marker in sample for marker in _UZBEK_LATIN)
        kazakh = not _KAZAKH_LATIN.isdisjoint(sample)
        if uzbek or kazakh:
            candidates = frozenset(lang for lang, seen in (("uz", uzbek), ("kk", kazakh)) if seen)
            return self._choose(sample, letters, candidates, declared, allowed)
        return Detection(declared, confident=False, reason=DECLARED)

    def _choose(
        self,
        sample: str,
        letters: int,
        candidates: frozenset[str],
        declared: str,
        allowed: Collection[str],
    ) -> Detection:
        """Pick among the languages the rules left, trusting the model only when sure."""
        fallback = Detection(declared, confident=False, reason=DECLARED)
        if len(candidates) == 1:
            (lang,) = candidates
            return Detection(lang, True, LETTERS) if lang in allowed else fallback
        if letters < MIN_MODEL_LETTERS and declared in candidates:
            return fallback
        ranked = dict(self._model.rank(sample))
        total = sum(ranked.get(lang, 0.0) for lang in candidates)
        winner = max(sorted(candidates), key=lambda lang: ranked.get(lang, 0.0))
        probability = ranked.get(winner, 0.0) / total if total > 0 else 0.0
        if winner not in allowed:
            return fallback
        if letters >= MIN_MODEL_LETTERS and probability >= MODEL_CONFIDENCE:
            return Detection(winner, True, MODEL)
        if declared in candidates:
            return fallback
        # The letters rule the declared language out: the model's best guess beats it.
        return Detection(winner, False, MODEL)


@functools.cache
def default_identifier() -> LanguageIdentifier:
    """The process's identifier, created on first use so the model loads once."""
    return LanguageIdentifier()


def _narrow_cyrillic(chars: frozenset[str]) -> frozenset[str]:
    """The Cyrillic-script languages whose alphabets have every telling letter seen."""
    candidates = _CYRILLIC_LANGUAGES
    triggered: list[frozenset[str]] = []
    for letters, langs in _CYRILLIC_LETTER_RULES:
        if not letters.isdisjoint(chars):
            triggered.append(langs)
            candidates &= langs
    if not candidates:
        # Letters of different languages in one message: let the model weigh them.
        candidates = frozenset().union(*triggered)
    if not _NOT_UZBEK.isdisjoint(chars) and candidates - {"uz"}:
        candidates -= {"uz"}
    return candidates


def _count(script: re.Pattern[str], letters: str) -> int:
    return len(letters) - len(script.sub("", letters))
