"""The detector's accuracy on the held-out labelled chat lines (tests/data/langid).

The floors are issue #12's targets; bench/langid.py prints the same figures in full.
Nothing here is timed.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from py3langid.langid import MODEL_FILE  # type: ignore[import-untyped]
from py3langid.langid import LanguageIdentifier as Model

from livecommerce.core.langid import LANGUAGES, LanguageIdentifier, Prior, default_identifier

DATA = Path(__file__).resolve().parents[1] / "data" / "langid" / "chat_lines.tsv"

ROUTED_FLOOR = 0.95  # lines routed right for a viewer who declared nothing
CORRECTED_FLOOR = 0.95  # lines corrected for a viewer who declared a wrong language
CONFIDENTLY_WRONG_CEILING = 0.01
# Per language: the smallest language has 39 held-out lines, one line is 2.6 points.
LANGUAGE_FLOOR = 0.93


def held_out() -> list[tuple[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as file:
        rows = csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(row["lang"], row["text"]) for row in rows if row["split"] == "test"]


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    identifier: LanguageIdentifier = default_identifier()
    model: Any = Model.from_model_file(MODEL_FILE)
    model.set_languages(list(LANGUAGES))
    lines = held_out()
    total: Counter[str] = Counter()
    routed: Counter[str] = Counter()
    corrected: Counter[str] = Counter()
    baseline: Counter[str] = Counter()
    confidently_wrong = calls = 0
    for lang, text in lines:
        total[lang] += 1
        found = identifier.identify(text, None, LANGUAGES)
        routed[lang] += found.lang == lang
        confidently_wrong += found.confident and found.lang != lang
        calls += 1
        for wrong in LANGUAGES:
            if wrong != lang:
                fixed = identifier.identify(text, wrong, LANGUAGES, Prior(channels=(wrong,)))
                corrected[lang] += fixed.lang == lang
                confidently_wrong += fixed.confident and fixed.lang != lang
                calls += 1
        baseline[lang] += model.classify(text)[0] == lang
    wrongs = len(LANGUAGES) - 1
    return {
        "lines": len(lines),
        "routed": sum(routed.values()) / len(lines),
        "corrected": sum(corrected.values()) / (len(lines) * wrongs),
        "confidently_wrong": confidently_wrong / calls,
        "baseline": sum(baseline.values()) / len(lines),
        "per_language": {
            lang: (routed[lang] / total[lang], baseline[lang] / total[lang]) for lang in total
        },
    }


def test_the_held_out_set_covers_every_language(figures: dict[str, Any]) -> None:
    assert set(figures["per_language"]) == set(LANGUAGES)
    assert figures["lines"] >= 400


def test_routed_right_without_a_declaration(figures: dict[str, Any]) -> None:
    assert figures["routed"] >= ROUTED_FLOOR


def test_a_wrong_declaration_is_corrected(figures: dict[str, Any]) -> None:
    assert figures["corrected"] >= CORRECTED_FLOOR


def test_rarely_confidently_wrong(figures: dict[str, Any]) -> None:
    assert figures["confidently_wrong"] <= CONFIDENTLY_WRONG_CEILING


def test_every_language_reads_well_and_beats_plain_py3langid_overall(
    figures: dict[str, Any],
) -> None:
    for lang, (accuracy, _) in figures["per_language"].items():
        assert accuracy >= LANGUAGE_FLOOR, lang
    assert figures["routed"] > figures["baseline"]
