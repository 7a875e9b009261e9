"""Priors a person would use: a bounded history per person, the chosen channels, the
browser's languages; and the compatibility call to a detector without priors."""

from __future__ import annotations

import pytest

from livecommerce.core.langid import DECLARED, Prior
from livecommerce.core.models import Role
from livecommerce.core.priors import (
    Priors,
    accepted_languages,
    keep_declared,
    person_of,
    prior_of,
)
from livecommerce.core.routing import Member

LANGS = ("kk", "ru", "zh", "ug", "ky", "uz", "en")


def viewer(**fields: object) -> Member:
    values: dict[str, object] = {
        "conn": 1,
        "user": "u-1",
        "name": "Dana",
        "role": Role.VIEWER,
        "langs": frozenset({"kk"}),
    }
    values.update(fields)
    return Member(**values)  # type: ignore[arg-type]


def test_history_is_per_person_oldest_first_and_bounded() -> None:
    priors = Priors(size=3)
    for lang in ("kk", "uz", "uz", "ru"):
        priors.learn("a", lang)
    priors.learn("b", "zh")
    assert priors.history("a") == ("uz", "uz", "ru")
    assert priors.history("b") == ("zh",)
    assert priors.history("nobody") == ()


def test_the_person_who_wrote_least_recently_is_forgotten_first() -> None:
    priors = Priors(size=2, people=2)
    priors.learn("a", "kk")
    priors.learn("b", "ru")
    priors.learn("a", "uz")  # a wrote again: b is now the least recent
    priors.learn("c", "zh")
    assert len(priors) == 2
    assert priors.history("b") == ()
    assert priors.history("a") == ("kk", "uz")
    assert priors.history("c") == ("zh",)


def test_nobody_and_a_zero_size_learn_nothing() -> None:
    priors = Priors(size=0)
    priors.learn("a", "kk")
    Priors().learn("", "kk")
    assert priors.history("a") == ()


def test_a_person_is_a_user_not_an_address_others_share() -> None:
    assert person_of(viewer(user="g-1", address="a-9")) == "g-1"
    assert person_of(viewer(user="g-2", address="a-9")) == "g-2"
    assert person_of(viewer(user="u-7")) == "u-7"


def test_the_prior_of_a_member() -> None:
    priors = Priors()
    priors.learn("u-1", "uz")
    chosen = viewer(langs=frozenset({"ru", "kk"}), accept=("uz", "ru", "de"))
    assert prior_of(chosen, priors, LANGS) == Prior(
        history=("uz",), channels=("kk", "ru"), accept=("uz", "ru")
    )
    # Given the show's first channel for want of a choice: not a declared channel.
    defaulted = viewer(declared=False, accept=("zh",))
    assert prior_of(defaulted, priors, LANGS) == Prior(history=("uz",), accept=("zh",))


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["uz-Latn-UZ", "ru-RU", "en"], ("uz", "ru", "en")),
        (["zh-CN", "zh-TW", "zh"], ("zh",)),
        (["ug"], ("ug",)),
        (["kk-KZ", "ky_KG", "uz-Cyrl"], ("kk", "ky", "uz")),
        (["de-DE", "fr", "*", ""], ()),
        (["EN-us"], ("en",)),
    ],
)
def test_browser_languages_map_to_ours(tags: list[str], expected: tuple[str, ...]) -> None:
    assert accepted_languages(tags, LANGS) == expected


def test_browser_languages_outside_the_show_are_left_out() -> None:
    assert accepted_languages(["uz-Latn-UZ", "ru-RU"], ("kk", "ru")) == ("ru",)


@pytest.mark.parametrize(
    ("declared", "prior", "lang"),
    [
        ("ru", Prior(history=("uz",)), "ru"),
        (None, Prior(history=("kk", "uz"), channels=("ru",)), "uz"),
        (None, Prior(channels=("ru", "kk")), "ru"),
        (None, Prior(accept=("zh",)), "zh"),
        (None, Prior(), "kk"),
    ],
)
def test_without_a_detector_the_priors_choose(
    declared: str | None, prior: Prior, lang: str
) -> None:
    found = keep_declared("ok", declared, LANGS, prior)
    assert (found.lang, found.confident, found.reason) == (lang, False, DECLARED)
