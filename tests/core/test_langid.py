"""Language identification of chat messages among the seven stream languages."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest

from livecommerce.core.langid import (
    DECLARED,
    LANGUAGES,
    LETTERS,
    MODEL,
    SCRIPT,
    Detection,
    LanguageIdentifier,
    NoLanguagesError,
    default_identifier,
)


@pytest.fixture(scope="module")
def identifier() -> LanguageIdentifier:
    """The process-wide identifier: the model loads once for the whole module."""
    return default_identifier()


# (text, declared, expected lang, expected confident, expected reason); every language
# allowed. A confident result with a declared language other than the expected one shows
# the declaration being overridden.
CHAT = [
    # Kazakh: its own letters decide, whatever was declared
    ("Бағасы қанша?", "ru", "kk", True, LETTERS),
    ("Жеткізу Алматыға бар ма?", "ru", "kk", True, LETTERS),
    ("сәлеметсіз бе", "ru", "kk", True, LETTERS),
    ("Сәлеметсіз бе, бұл көйлек қанша тұрады?", "en", "kk", True, LETTERS),
    ("Рахмет, өте әдемі екен", "ky", "kk", True, LETTERS),
    ("Маған екі дана керек", "uz", "kk", True, LETTERS),
    ("Бағасын тағы айтыңызшы", "ru", "kk", True, LETTERS),
    ("Qalaısyz? Baǵasy qansha?", "ru", "kk", True, LETTERS),
    # Kazakh typed without its letters looks Kyrgyz to the model: the declaration stays
    ("Жеткизу бар ма", "kk", "kk", False, DECLARED),
    ("Бул кандай размер", "kk", "kk", False, DECLARED),
    ("Салем калайсыз", "ru", "ru", False, DECLARED),
    # ө/ү leave kk and ky; the model is unsure, ru is ruled out, so its guess is kept
    ("Каспимен төлеуге бола ма?", "kk", "kk", False, DECLARED),
    ("Каспимен төлеуге бола ма?", "ru", "kk", False, MODEL),
    # Kyrgyz
    ("Баасы канча?", "ky", "ky", False, DECLARED),
    ("Баасы канча?", "ru", "ru", False, DECLARED),
    ("Бишкекке жеткирүү барбы?", "ru", "ky", True, MODEL),
    ("Саламатсызбы, бул көйнөк канча турат?", "kk", "ky", True, MODEL),
    ("Жеткирүү канча күн алат?", "ru", "ky", True, MODEL),
    ("Мен Ошто турам, жөнөтөсүздөрбү?", "ru", "ky", True, MODEL),
    ("Эмне үчүн мынча кымбат?", "kk", "ky", True, MODEL),
    ("Баасын дагы бир жолу айтыңызчы", "ru", "ky", True, MODEL),
    # Russian
    ("Сколько стоит ноутбук?", "kk", "ru", True, MODEL),
    ("Доставка в Алматы есть?", "ky", "ru", True, MODEL),
    ("Можно оплатить картой Каспи?", "uz", "ru", True, MODEL),
    ("Сколько дней идёт доставка до Бишкека?", "en", "ru", True, MODEL),
    ("Здравствуйте, а скидка будет?", "kk", "ru", True, MODEL),
    ("Сколько стоит iPhone 15 Pro Max?", "kk", "ru", True, MODEL),
    ("Сколько стоит ноутбук?", "ru", "ru", True, MODEL),
    ("Спасибо, уже заказала", "kk", "kk", False, DECLARED),
    # Uzbek in Cyrillic script
    ("Ассалому алайкум, бу кўйлак қанча туради?", "ru", "uz", True, LETTERS),
    ("Раҳмат, жуда чиройли экан", "kk", "uz", True, LETTERS),
    ("Кейинги эфир қачон бўлади?", "ru", "uz", True, LETTERS),
    ("Ҳа, бор", "ky", "uz", True, LETTERS),
    ("Тошкентга етказиб берасизми?", "ru", "uz", True, MODEL),
    ("Нархи қанча?", "uz", "uz", False, DECLARED),
    ("Нархи қанча?", "ru", "uz", False, MODEL),
    # Uzbek in Latin script: oʻ and gʻ decide, however the apostrophe was typed
    ("oʻzbekcha", "ru", "uz", True, LETTERS),
    ("O'zbekcha gapirasizmi?", "ru", "uz", True, LETTERS),
    ("Ko`k rangini ko’rsating", "en", "uz", True, LETTERS),
    ("Gʼalla bormi?", "kk", "uz", True, LETTERS),
    # ... unless the text is clearly English
    ("See you at 5 o'clock tomorrow", "uz", "en", True, MODEL),
    ("I ordered from O'Brien last week", "ru", "en", True, MODEL),
    ("We flew to Málaga for the holidays", "kk", "en", True, MODEL),
    # without them, Latin that is not clearly English is the declared language
    ("Narxi qancha?", "uz", "uz", False, DECLARED),
    ("Narxi qancha?", "ru", "ru", False, DECLARED),
    ("Toshkentga yetkazib berasizmi?", "uz", "uz", False, DECLARED),
    ("Toshkentga yetkazib berasizmi?", "en", "en", False, DECLARED),
    # Uyghur: Arabic script, including presentation forms and the legacy HEH
    ("قانچە پۇل؟", "ru", "ug", True, SCRIPT),
    ("\ufed7\ufe8e\ufee7\ufb7d\ufeea \ufb58\ufbd8\ufedd؟", "zh", "ug", True, SCRIPT),
    ("ئۈرۈمچىگە يەتكۈزۈپ بېرەمسىز؟", "zh", "ug", True, SCRIPT),
    ("قانچه", "kk", "ug", True, SCRIPT),
    # Chinese, also with Latin product names
    ("这个多少钱", "ru", "zh", True, SCRIPT),
    ("包邮吗？", "kk", "zh", True, SCRIPT),
    ("iPhone 15 多少钱", "en", "zh", True, SCRIPT),
    ("这个笔记本可以寄到阿拉木图吗", "ug", "zh", True, SCRIPT),
    # English
    ("How much is the laptop with delivery to Berlin?", "ru", "en", True, MODEL),
    ("Do you ship to Kazakhstan?", "kk", "en", True, MODEL),
    ("Is there any discount today?", "uz", "en", True, MODEL),
    ("Thanks, I just placed my order", "zh", "en", True, MODEL),
    ("how much", "ru", "ru", False, DECLARED),
    # no evidence: the declared language
    ("+", "kk", "kk", False, DECLARED),
    ("+", "zh", "zh", False, DECLARED),
    ("666", "ru", "ru", False, DECLARED),
    ("🔥🔥", "ky", "ky", False, DECLARED),
    ("ok", "uz", "uz", False, DECLARED),
    ("OK!!!", "ru", "ru", False, DECLARED),
    ("skolko stoit?", "ru", "ru", False, DECLARED),
    ("skolko stoit?", "kk", "kk", False, DECLARED),
    ("kancha turat", "ky", "ky", False, DECLARED),
    ("kancha turat?", "ru", "ru", False, DECLARED),
    ("skolko stoit dostavka v almaty", "ru", "ru", False, DECLARED),
    ("privet, a est razmer pobolshe?", "kk", "kk", False, DECLARED),
    ("zhetkizu bar ma almatyga", "kk", "kk", False, DECLARED),
    ("こんにちは、いくらですか", "ru", "ru", False, DECLARED),
]


@pytest.mark.parametrize(("text", "declared", "lang", "confident", "reason"), CHAT)
def test_identify_chat(
    identifier: LanguageIdentifier,
    text: str,
    declared: str,
    lang: str,
    confident: bool,
    reason: str,
) -> None:
    assert identifier.identify(text, declared, LANGUAGES) == Detection(lang, confident, reason)


@pytest.mark.parametrize(
    ("text", "declared", "allowed", "expected"),
    [
        # the detected language is not the stream's: the declaration stands
        ("Бағасы қанша?", "ru", ("ru", "en"), Detection("ru", False, DECLARED)),
        ("How much is the laptop with delivery to Berlin?", "kk", ("kk", "ru"), None),
        ("这个多少钱", "ky", ("ky", "ru"), None),
        ("قانچە پۇل؟", "zh", ("zh",), None),
        ("Сколько стоит ноутбук?", "kk", ("kk", "ky", "uz"), None),
        # an allowed detection still overrides
        ("Бағасы қанша?", "ru", ("ru", "kk"), Detection("kk", True, LETTERS)),
        ("这个多少钱", "ru", ("ru", "zh"), Detection("zh", True, SCRIPT)),
        # a declared language the stream does not have: its first language stands in
        ("+", "de", ("kk", "ru"), Detection("kk", False, DECLARED)),
        ("Narxi qancha?", "tr", ["ru", "uz"], Detection("ru", False, DECLARED)),
        ("Бағасы қанша?", "de", ("ru", "kk"), Detection("kk", True, LETTERS)),
        # a stream language we cannot detect is still a valid declaration
        ("Wie viel kostet das?", "de", ("de", "en"), Detection("de", False, DECLARED)),
    ],
)
def test_allowed_languages_restrict_the_result(
    identifier: LanguageIdentifier,
    text: str,
    declared: str,
    allowed: Sequence[str],
    expected: Detection | None,
) -> None:
    result = identifier.identify(text, declared, allowed)
    assert result == (expected or Detection(declared, False, DECLARED))


def test_result_is_always_allowed(identifier: LanguageIdentifier) -> None:
    streams = [("ru",), ("kk", "ru"), ("ky", "ru"), ("uz", "ru"), ("zh", "ug"), ("en", "zh")]
    for (text, *_), allowed, declared in itertools.product(CHAT, streams, LANGUAGES):
        result = identifier.identify(text, declared, allowed)
        assert result.lang in allowed, (text, declared, allowed, result)
        if not result.confident and result.reason == DECLARED:
            expected = declared if declared in allowed else allowed[0]
            assert result.lang == expected


def test_no_allowed_language_is_an_error(identifier: LanguageIdentifier) -> None:
    with pytest.raises(NoLanguagesError, match="allows no language") as raised:
        identifier.identify("Сколько стоит?", "ru", ())
    assert raised.value.declared == "ru"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Detection("kk", False, DECLARED)),
        ("   \n\t ", Detection("kk", False, DECLARED)),
        ("\x00\x01\x02\x1b[0m\x7f", Detection("kk", False, DECLARED)),
        ("\u200b\u200c\u200d\u2060\ufeff\u200e\u200f", Detection("kk", False, DECLARED)),
        ("\u0301\u0300\u0302" * 100, Detection("kk", False, DECLARED)),
        ("🔥" * 100_000, Detection("kk", False, DECLARED)),
        ("a" * 100_000, Detection("kk", False, DECLARED)),
        ("Сколько стоит ноутбук? " * 5000, Detection("ru", True, MODEL)),
        ("這個多少錢" * 20_000, Detection("zh", True, SCRIPT)),
        ("\x00Сколько\x01 стоит\x1b ноутбук?\x7f", Detection("ru", True, MODEL)),
        ("Сә\u200dлем\u00ad\u200bетсіз бе", Detection("kk", True, LETTERS)),
        ("\u200fقانچە\u200e پۇل؟", Detection("ug", True, SCRIPT)),
        # mixed scripts: the main one decides, Latin product names do not
        ("Бағасы қанша? How much? 多少钱 قانچە", Detection("kk", True, LETTERS)),
        ("Сколько стоит 笔记本 Pro?", Detection("ru", True, MODEL)),
        ("这个 notebook 多少钱", Detection("zh", True, SCRIPT)),
        ("Γεια σου, πόσο κοστίζει;", Detection("kk", False, DECLARED)),
    ],
)
def test_hostile_input(identifier: LanguageIdentifier, text: str, expected: Detection) -> None:
    assert identifier.identify(text, "kk", LANGUAGES) == expected


def test_default_identifier_is_created_once(identifier: LanguageIdentifier) -> None:
    assert default_identifier() is identifier
