"""Which of the stream's languages a chat message is written in.

Chat lines are short, mixed, often transliterated or typed without a language's own
letters, where statistical detectors are unreliable. So the detector reads a message
the way a person at the Khorgos border would, in layers, cheapest first:

1. **Script** (`SCRIPT`): the writing system of most of the letters (`Detection.script`,
   ISO 15924: "Hani", "Arab", "Cyrl", "Latn"; "" for fewer than `MIN_LETTERS` letters or
   a script none of our languages uses). Han is Chinese; Arabic script is Uyghur or
   Kazakh as written in Xinjiang; Cyrillic is Russian, Kazakh, Kyrgyz, Uzbek or Uyghur
   as written in Kazakhstan; Latin is English, Uzbek, or a transliteration.
2. **Letters** (`LETTERS`): letters only some of those languages use narrow the
   candidates (ҳ ў Uzbek; і ұ Kazakh; җ Uyghur; the high hamza ٴ, ء, ع and ح Kazakh
   Arabic; ئ ې ۈ خ غ Uyghur Arabic; ǵ ń ı Kazakh Latin; oʻ gʻ Uzbek Latin or English
   "o'clock"). One candidate left decides.
3. **Words** (`WORDS`): the most frequent chat words of each language and script
   (`livecommerce.core.chatwords`), plus a few telling word endings, are counted.
4. **Model** (`MODEL`): when the words do not settle it, py3langid restricted to the
   candidates weighs the letters, its probabilities multiplied by the words' evidence.

`Detection.confident` says the text alone is strong enough to override what the sender
declared: one candidate left by script or letters; words ahead by `WORD_MARGIN`; or the
model at `MODEL_CONFIDENCE` or more on `MIN_MODEL_LETTERS` letters. Measured on the
held-out chat lines of tests/data/langid (see docs/performance.md), confident results
are wrong on well under 1 % of lines.

When the text is not confident, the **priors** choose among the languages the text
leaves plausible (all of the stream's languages when the text has no evidence: too
few letters, or a script or letters none of the allowed languages has), in this order:
the sender's `Prior.history` (the most recent placed language first, reason `HISTORY`),
their declared channels (`CHANNEL`), their browser's Accept-Language (`ACCEPT`), the
`declared` argument (`DECLARED`). If none applies, the text's best guess stands (reason
`WORDS` or `MODEL`, not confident); with no evidence at all, the stream's first
language (`DEFAULT`).

When a prior picks the text's own best guess, the reason stays the text's (`WORDS` or
`MODEL`, not confident).

`Detection.unsure` is set exactly when the language was *not* read from the text nor
from the sender's history: the reason is `CHANNEL`, `ACCEPT` or `DECLARED` and the
message has `MIN_LETTERS` letters or more (a line the detector could not place, or
could not place surely and whose plausible languages the declaration chose among; a
line of emojis, numbers or "ok" in the sender's declared language is not unsure), or
the reason is `DEFAULT` (nothing at all was known). Such messages go to that channel,
flagged "language unsure" for its moderators.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from py3langid.langid import MODEL_FILE  # type: ignore[import-untyped]
from py3langid.langid import LanguageIdentifier as _Model

from livecommerce.core.chatwords import CHAT_WORDS, LOAN_WEIGHT, RUSSIAN_LOANS, chat_variants
from livecommerce.core.text import normalize

LANGUAGES = ("kk", "ru", "zh", "ug", "ky", "uz", "en")

# Reasons, the machine word in `Detection.reason`. From the text:
SCRIPT = "script"  # the writing system alone decides: Han → zh
LETTERS = "letters"  # letters only one candidate language uses
WORDS = "words"  # the chat words and word endings found
MODEL = "model"  # the statistical model, among the candidates the rules left
# From what is known of the sender, for lack of evidence in the text:
HISTORY = "history"  # the language of the sender's own earlier messages
CHANNEL = "channel"  # a language channel the sender declared
ACCEPT = "accept"  # the sender's browser Accept-Language
DECLARED = "declared"  # the `declared` argument
DEFAULT = "default"  # nothing known: the stream's first language
TEXT_REASONS = frozenset({SCRIPT, LETTERS, WORDS, MODEL})

# Only the start of a message is analysed: a 100,000-character paste must not stall chat.
MAX_CHARS = 1000
# Fewer letters than this is no evidence at all ("ok", "+", "666", "🔥🔥").
MIN_LETTERS = 3
# Below this many letters the model is not trusted to choose between close languages.
MIN_MODEL_LETTERS = 12
# A Han character carries about a word, so it weighs like three alphabetic letters.
HAN_WEIGHT = 3
# Words decide confidently when the best language leads the next by this much (a word
# found only in one language's list counts 1, one shared by n languages 1/n each).
WORD_MARGIN = 1.0
# py3langid's probability of English (among our seven) from which a Latin line of
# `MIN_MODEL_LETTERS` letters or more that has English words is English whatever its
# other words: on the dev lines, English of that length scored 0.84 to 1.0, Uzbek and
# transliterated lines at most 0.45.
ENGLISH_CONFIDENCE = 0.98
# A candidate less than this many points behind the best stays plausible for the priors.
WORD_DOUBT = 0.5
# The model's probability (renormalized over the candidates, after the words' evidence)
# from which it may override a declaration. Measured for the earlier, letters-only
# detector on 123 hand-written chat lines: py3langid's wrong winners peaked at 0.687,
# and at 0.9 it accepted 44 of 64 lines, all right. With the word lists few lines reach
# the model (7 of the 228 dev lines, none at 0.9 or more).
MODEL_CONFIDENCE = 0.9
# Each point of word evidence multiplies a language's model probability by e ** this.
WORD_BOOST = 2.0
# The model's probability under which a candidate is no longer plausible for the priors.
PLAUSIBLE = 0.1
# The least probability a candidate keeps from the model, so that its words still count.
MODEL_FLOOR = 0.01

_LETTERS = re.compile(r"[^\W\d_]+")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_CYRILLIC = re.compile("[\u0400-\u052f]")
_LATIN = re.compile("[a-z\u00c0-\u024f\u02bb\u02bc\u1e00-\u1eff]")

# The languages each script can be, among ours (transliteration puts Russian, Kazakh and
# Kyrgyz in Latin letters; Uyghur in Kazakhstan writes Cyrillic, Kazakh in Xinjiang
# Arabic script).
_SCRIPT_LANGUAGES = {
    "Hani": frozenset({"zh"}),
    "Arab": frozenset({"ug", "kk"}),
    "Cyrl": frozenset({"ru", "kk", "ky", "uz", "ug"}),
    "Latn": frozenset({"en", "uz", "kk", "ru", "ky"}),
}
# The languages py3langid was trained on in each script: it knows Kazakh and Uzbek in
# Cyrillic, Uyghur in Arabic script only, and no transliteration. The Arabic script
# has one, so the model cannot help there.
_MODELLED = {
    "Cyrl": frozenset({"ru", "kk", "ky", "uz"}),
    "Latn": frozenset({"en", "uz"}),
}
# For a language the model does not know in a script, the ones it resembles there.
_PROXIES: dict[str, dict[str, tuple[str, ...]]] = {
    "Cyrl": {"ug": ("kk", "ky")},
    "Latn": {"kk": ("uz",), "ky": ("uz",), "ru": ("en", "uz")},
}
# Letters only some of the languages of a script have (text is casefolded); each rule
# seen keeps only its languages.
_LETTER_RULES = {
    "Cyrl": (
        (frozenset("ўҳ"), frozenset({"uz"})),
        (frozenset("іұ"), frozenset({"kk"})),
        (frozenset("җ"), frozenset({"ug"})),
        (frozenset("әһ"), frozenset({"kk", "ug"})),
        (frozenset("қғ"), frozenset({"kk", "uz", "ug"})),
        (frozenset("ңөү"), frozenset({"kk", "ky", "ug"})),
    ),
    # Kazakh marks a front-vowel word with the high hamza (ٴ; NFKC splits ٵ ٶ ٷ ٸ into
    # a letter and ٴ) or types it as ء; it writes ғ as ع and х as ح. Uyghur writes a
    # vowel at the start of a word on ئ and has é ې, ü ۈ, x خ, gh غ, zh ژ. Both have
    # ۆ (Uyghur ö, Kazakh в), ۇ, ۋ, ڭ, ە and ى, which tell nothing.
    "Arab": (
        (frozenset("\u0674\u0621\u0639\u062d"), frozenset({"kk"})),
        (frozenset("\u0626\u06d0\u06c8\u062e\u063a\u0698"), frozenset({"ug"})),
    ),
    "Latn": (
        # Kazakh Latin (2021): ǵ ń ı are its own, á ó ú also in names English writes
        # ("Málaga"); the Uzbek oʻ gʻ are found after `normalize`, in `_narrow`.
        (frozenset("ǵńı"), frozenset({"kk"})),
        (frozenset("úáó"), frozenset({"kk", "en"})),
    ),
}
# Letters a language's alphabet does not have: seen, they rule it out (Uzbek and
# Uyghur Cyrillic have no ы; a Russian word in their chat is rare enough).
_NOT_IN = {"Cyrl": ((frozenset("ы"), frozenset({"uz", "ug"})),)}
_UZBEK_LATIN = ("o\u02bb", "g\u02bb")

# Word endings, for words the lists do not hold: script → (language, ending, weight).
_ENDINGS: dict[str, tuple[tuple[str, re.Pattern[str], float], ...]] = {
    "Cyrl": (
        # Kyrgyz: the question -бы/-бу/-бү, long vowels, suffixes that follow rounded
        # vowels (-го, -дон, -лор), words starting with э (Kazakh writes е)
        ("ky", re.compile(r"..(бы|бу|бү|би|пы|пу|пү)$"), 0.5),
        ("ky", re.compile(r"(оо|өө|үү|ээ|уу|аа)"), 0.5),
        ("ky", re.compile(r"..(го|гө|ко|кө|дон|дөн|тон|төн|лор|лөр|дор|дөр|тор|төр)$"), 0.5),
        ("ky", re.compile(r"^э.."), 0.5),
        # Uyghur: -иду, -мән, -ниң, the question -му; Kazakh: -мын, -ның, -сыз, -ңыз
        ("ug", re.compile(r"..(иду|имән|мән|ниң|му|мду|сиз|дин|тин|гә|кә)$"), 0.5),
        ("kk", re.compile(r"..(мын|мін|ның|нің|дың|дің|сыз|сіз|ңыз|ңіз)$"), 0.5),
    ),
    "Latn": (
        # Uzbek: the question -mi, -moqchi, -ingiz, -lar; transliterated Russian verb and
        # adjective endings; English letter pairs
        ("uz", re.compile(r"..(mi|misiz|moqchi|ngiz|lar|larga|dimi)$"), 0.5),
        ("ru", re.compile(r"..(aete|ete|ite|ogo|aya|yi|yu|sya|iy)$"), 0.5),
        ("en", re.compile(r"(th|wh|ing$|tion|ly$|ee|oo|ou)"), 0.5),
    ),
    "Arab": (
        # Uyghur -دۇ (-du), the question -مۇ, -مەن (-men); Kazakh -ۋ (-у), -مىن (-мын)
        ("ug", re.compile(r"..(دۇ|مۇ|مەن)$"), 0.5),
        ("kk", re.compile(r"..(ۋ|مىن)$"), 0.5),
    ),
}


@dataclass(frozen=True)
class Detection:
    """The language of one message, and whether it may override the declared one."""

    lang: str
    confident: bool
    reason: str
    # The writing system the message was written in (ISO 15924: "Cyrl", "Latn", "Arab",
    # "Hani"), or "" when there were too few letters to tell or they are in a script
    # none of our languages uses (Greek, kana); moderators see it.
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

    def __init__(self, declared: str | None) -> None:
        self.declared = declared
        super().__init__(
            f"cannot identify a message declared {declared!r}: the stream allows no language"
        )


@dataclass(frozen=True)
class _Reading:
    """What the text says: the best language, how sure, and what else is plausible."""

    lang: str
    confident: bool
    reason: str
    # The languages the text leaves plausible, best first (`lang` alone when confident).
    plausible: tuple[str, ...]

    def among(self, allowed: Collection[str]) -> _Reading | None:
        """The reading restricted to a stream's languages, None if it allows none."""
        if self.lang in allowed:
            if self.confident:
                return self
            plausible = tuple(lang for lang in self.plausible if lang in allowed)
            unknown = tuple(lang for lang in allowed if lang not in LANGUAGES)
            return _Reading(self.lang, False, self.reason, plausible + unknown)
        # A stream language we do not know (de) stays plausible: we cannot rule it out.
        plausible = tuple(lang for lang in self.plausible if lang in allowed) + tuple(
            lang for lang in allowed if lang not in LANGUAGES
        )
        if not plausible:
            return None
        return _Reading(plausible[0], False, self.reason, plausible)


class LanguageIdentifier:
    """Identifies chat messages; holds the py3langid model (about 1 s to load, 130 MB).

    Create one per process, see `default_identifier`.
    """

    def __init__(self) -> None:
        model: Any = _Model.from_model_file(MODEL_FILE, norm_probs=True)
        model.set_languages(list(LANGUAGES))
        self._model = model
        self._words = _word_index()
        self._loans = frozenset(normalize(word) for word in RUSSIAN_LOANS.split())

    def identify(
        self,
        text: str,
        declared: str | None,
        allowed: Collection[str],
        prior: Prior | None = None,
    ) -> Detection:
        """The language of `text` among `allowed`, a stream's languages (in order).

        `declared` is the language the sender declared for this message (None when they
        declared nothing) and `prior` what else is known of them; see the module's
        docstring for how they are weighed. The result's `lang` is always in `allowed`.
        """
        if not allowed:
            raise NoLanguagesError(declared)
        sample = normalize(text[:MAX_CHARS])
        words = _LETTERS.findall(sample)
        letters = "".join(words)
        script = _script(letters)
        # The text is read among all our languages of its script, then restricted to the
        # stream's: a German line on a German and English show is not English.
        reading = None
        if script:
            reading = self._read(sample, words, letters, script)
        if reading is not None:
            reading = reading.among(allowed)
        if reading is not None and reading.confident:
            return Detection(reading.lang, True, reading.reason, script)
        return _by_priors(reading, declared, allowed, prior, script, len(letters))

    def _read(
        self,
        sample: str,
        words: list[str],
        letters: str,
        script: str,
    ) -> _Reading | None:
        """What the text says among our languages of `script`, None when it says nothing."""
        if script == "Hani":
            return _Reading("zh", True, SCRIPT, ("zh",))
        chars = frozenset(letters)
        narrowed = _narrow(script, chars, sample, _SCRIPT_LANGUAGES[script])
        if not narrowed:
            return None
        if len(narrowed) == 1:
            (lang,) = narrowed
            return _Reading(lang, True, LETTERS, (lang,))
        scores = self._score(words, script, narrowed)
        ranked = sorted(narrowed, key=lambda lang: (-scores[lang], LANGUAGES.index(lang)))
        best, second = ranked[0], ranked[1]
        lead = scores[best] - scores[second]
        english_too = best != "en" and scores.get("en", 0.0) > 0
        if lead >= WORD_MARGIN and not (english_too and self._english(sample, letters)):
            return _Reading(best, True, WORDS, (best,))
        plausible = tuple(lang for lang in ranked if scores[lang] > scores[best] - WORD_DOUBT)
        model_languages = narrowed & _MODELLED.get(script, frozenset())
        if not model_languages:  # the Arabic script
            if scores[best] > 0:
                return _Reading(best, False, WORDS, plausible)
            return None
        probabilities = self._probabilities(sample, script, narrowed, model_languages, scores)
        # On a tie the language the model knows wins: "rahmat" is Uzbek before Kyrgyz.
        ranked.sort(key=lambda lang: (-probabilities[lang], lang not in model_languages))
        winner = ranked[0]
        plausible = tuple(lang for lang in ranked if lang in plausible or lang == winner)
        if len(letters) >= MIN_MODEL_LETTERS:
            if probabilities[winner] >= MODEL_CONFIDENCE:
                return _Reading(winner, True, MODEL, (winner,))
            plausible = tuple(
                lang for lang in plausible if probabilities[lang] >= PLAUSIBLE or lang == winner
            )
        return _Reading(winner, False, MODEL, plausible)

    def _english(self, sample: str, letters: str) -> bool:
        """Whether the model is sure a line the words give to another language, though
        they found English in it too, is English ("bar", "men", "me" are English too)."""
        if len(letters) < MIN_MODEL_LETTERS:
            return False
        return bool(dict(self._model.rank(sample)).get("en", 0.0) >= ENGLISH_CONFIDENCE)

    def _score(self, words: list[str], script: str, candidates: frozenset[str]) -> dict[str, float]:
        """Word evidence per candidate: list words, then word endings for the rest."""
        scores = dict.fromkeys(candidates, 0.0)
        pattern = _SCRIPT_PATTERNS[script]
        endings = [ending for ending in _ENDINGS[script] if ending[0] in scores]
        loans = 0
        for token in words:
            if script == "Arab":
                token = token.translate(_NO_HAMZA)
            if not pattern.match(token):
                continue  # a product name in another script: "iPhone", "Kaspi"
            if token in self._loans:
                loans += 1
                continue
            found = self._words.get(token)
            if found is not None:
                for lang, weight in found:
                    if lang in scores:
                        scores[lang] += weight
                continue
            for lang, ending, weight in endings:
                if ending.search(token):
                    scores[lang] += weight
        if loans and "ru" in scores and not any(scores.values()):
            # Russian words Turkic chat borrows: Russian only when nothing else speaks
            scores["ru"] = LOAN_WEIGHT * loans
        if script == "Cyrl" and "ug" in scores and "kk" in scores:
            # Uyghur writes и where Kazakh has і or ы: Turkic letters with и and neither
            # of those lean Uyghur.
            chars = frozenset("".join(words))
            if "и" in chars and chars.isdisjoint("іыұ") and not chars.isdisjoint("әқғңөүһ"):
                scores["ug"] += 0.5
        return scores

    def _probabilities(
        self,
        sample: str,
        script: str,
        candidates: frozenset[str],
        modelled: frozenset[str],
        scores: dict[str, float],
    ) -> dict[str, float]:
        """The model's probabilities over `candidates`, times the words' evidence."""
        ranked = dict(self._model.rank(sample))
        # A language the model never saw in this script takes the probability of the
        # closest it knows (Uyghur Cyrillic reads as Kazakh to it): only its words can set
        # it apart.
        proxies = _PROXIES[script]
        weights = {
            lang: max(
                ranked.get(lang, 0.0)
                if lang in modelled
                else max(ranked.get(proxy, 0.0) for proxy in proxies.get(lang, tuple(modelled))),
                MODEL_FLOOR,
            )
            * math.exp(WORD_BOOST * scores[lang])
            for lang in candidates
        }
        total = sum(weights.values())
        return {lang: weight / total for lang, weight in weights.items()}


def _by_priors(
    reading: _Reading | None,
    declared: str | None,
    allowed: Collection[str],
    prior: Prior | None,
    script: str,
    letters: int,
) -> Detection:
    """The sender's priors among what the text leaves plausible, else the text's guess."""
    plausible = reading.plausible if reading is not None else tuple(allowed)
    prior = prior or Prior()
    chain: list[tuple[str, Iterable[str]]] = [
        (HISTORY, reversed(prior.history)),
        (CHANNEL, prior.channels),
        (ACCEPT, prior.accept),
        (DECLARED, (declared,) if declared is not None else ()),
    ]
    for reason, languages in chain:
        for lang in languages:
            if lang in plausible and lang in allowed:
                if reading is not None and lang == reading.lang:
                    return Detection(lang, False, reading.reason, script)
                unsure = reason != HISTORY and letters >= MIN_LETTERS
                return Detection(lang, False, reason, script, unsure)
    if reading is not None:
        return Detection(reading.lang, False, reading.reason, script)
    return Detection(next(iter(allowed)), False, DEFAULT, script, unsure=True)


@functools.cache
def default_identifier() -> LanguageIdentifier:
    """The process's identifier, created on first use so the model loads once."""
    return LanguageIdentifier()


_SCRIPT_PATTERNS = {
    "Arab": re.compile(_ARABIC.pattern + "+$"),
    "Cyrl": re.compile(_CYRILLIC.pattern + "+$"),
    "Latn": re.compile(_LATIN.pattern + "+$"),
}
_NO_HAMZA = str.maketrans({"\u0674": None, "\u0621": None})


def _script(letters: str) -> str:
    """The ISO 15924 code of the script most of `letters` are in, "" if too few."""
    if letters.isascii():
        return "Latn" if len(letters) >= MIN_LETTERS else ""
    # Most messages are in one script: when the first letter's script has more than
    # three quarters of the letters, no other can outweigh it (Han weighs three).
    for script, pattern in (("Cyrl", _CYRILLIC), ("Arab", _ARABIC)):
        if pattern.match(letters):
            count = _count(pattern, letters)
            if count >= MIN_LETTERS and count > HAN_WEIGHT * (len(letters) - count):
                return script
    han, arabic, cyrillic, latin = (
        _count(pattern, letters) for pattern in (_HAN, _ARABIC, _CYRILLIC, _LATIN)
    )
    other = len(letters) - han - arabic - cyrillic - latin
    weights = {"Hani": HAN_WEIGHT * han, "Arab": arabic, "Cyrl": cyrillic, "": other}
    if sum(weights.values()) + latin < MIN_LETTERS:
        return ""
    script = max(weights, key=weights.__getitem__)
    # Latin words in another script's message are mostly product names (iPhone, Pro
    # Max): Latin is the message's script only when it outweighs the rest two to one.
    if latin > 2 * weights[script]:
        return "Latn"
    return script


def _narrow(
    script: str, chars: frozenset[str], sample: str, candidates: frozenset[str]
) -> frozenset[str]:
    """The candidates whose alphabets have every telling letter seen."""
    narrowed = candidates
    triggered: list[frozenset[str]] = []
    for letters, langs in _LETTER_RULES.get(script, ()):
        if not letters.isdisjoint(chars):
            triggered.append(langs)
            narrowed &= langs
    if script == "Latn" and any(marker in sample for marker in _UZBEK_LATIN):
        triggered.append(frozenset({"uz", "en"}))  # "o'clock", "O'Brien" are English
        narrowed &= {"uz", "en"}
    if not narrowed and triggered:
        # Letters of different languages in one message: let the words weigh them.
        narrowed = candidates & frozenset().union(*triggered)
    for letters, langs in _NOT_IN.get(script, ()):
        if not letters.isdisjoint(chars) and narrowed - langs:
            narrowed -= langs
    return narrowed


def _word_index() -> dict[str, tuple[tuple[str, float], ...]]:
    """Each chat word → the languages that use it, sharing one point among them."""
    languages: dict[str, set[str]] = {}
    loans = frozenset(RUSSIAN_LOANS.split())
    for (lang, script), words in CHAT_WORDS.items():
        for word in words.split():
            if lang == "ru" and word in loans:
                continue
            for variant in _folds(word, lang, script):
                languages.setdefault(variant, set()).add(lang)
    return {
        word: tuple((lang, 1 / len(langs)) for lang in sorted(langs))
        for word, langs in languages.items()
    }


def _folds(word: str, lang: str, script: str) -> Iterable[str]:
    """`word` as the detector sees it in a message, in each way it is typed."""
    return chat_variants(normalize(word).translate(_NO_HAMZA), lang, script)


def _count(script: re.Pattern[str], letters: str) -> int:
    return len(letters) - len(script.sub("", letters))
