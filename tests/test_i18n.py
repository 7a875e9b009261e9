"""Locales: negotiation, CLDR formats in the reader's zone, plural forms.

That the catalogs are complete is checked by `livecommerce i18n check`
(tests/cli/test_i18n_check.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from livecommerce.config import LOCALES
from livecommerce.i18n import Localizer, localizer, negotiate

SHOW_START = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        ("kk-KZ", "kk"),
        ("uz-UZ,uz;q=0.9", "uz_Latn"),
        ("zh-CN,zh;q=0.9", "zh_Hans"),
        ("ug-CN", "ug"),
        ("ky", "ky"),
        ("fr-FR,ky;q=0.5,ru;q=0.4", "ky"),
        ("en;q=0.1,kk;q=0.9", "kk"),
        ("de-DE,fr", "en"),
        ("", "en"),
        (None, "en"),
        ("ru;q=abc,kk", "kk"),
        ("ru;q=0", "en"),
        ("*", "en"),
        ("x" * 10_000, "en"),
    ],
)
def test_negotiate(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


def test_uyghur_is_right_to_left_and_the_others_are_not() -> None:
    directions = {locale: Localizer(locale).direction for locale in LOCALES}
    assert directions == {loc: "rtl" if loc == "ug" else "ltr" for loc in LOCALES}


@pytest.mark.parametrize(
    ("locale", "amount", "currency", "expected"),
    [
        ("ru", 189000, "KZT", "189\xa0000\xa0₸"),
        ("kk", Decimal("189000.40"), "KZT", "189\xa0000\xa0₸"),
        ("uz_Latn", 4990000, "UZS", "4\xa0990\xa0000\xa0soʻm"),
        ("ru", Decimal("379.5"), "EUR", "379,50\xa0€"),
        ("en", Decimal("379.5"), "EUR", "€379.50"),
        ("zh_Hans", 2899, "CNY", "¥2,899.00"),
        ("ru", 35900, "RUB", "35\xa0900,00\xa0₽"),
        # A currency in letters is named as each reader names it, apart from the digits.
        ("ru", 4990000, "UZS", "4\xa0990\xa0000\xa0сум"),
        ("zh_Hans", 4990000, "UZS", "4,990,000\xa0苏姆"),
        ("ug", 4990000, "UZS", "4,990,000\xa0ئۆزبېك سومى"),
        ("en", 4990000, "UZS", "4,990,000\xa0UZS"),
        ("ky", 8900, "KGS", "8\xa0900\xa0сом"),
        ("zh_Hans", 8900, "KGS", "8,900\xa0索姆"),
        ("uz_Latn", 8900, "KGS", "8\xa0900\xa0som"),
        # Whole units round half up, as a shop rounds: never to the even neighbour.
        ("ru", Decimal("2.5"), "KZT", "3\xa0₸"),
        ("ru", Decimal("4.5"), "KZT", "5\xa0₸"),
        ("ru", Decimal("1000.49"), "UZS", "1\xa0000\xa0сум"),
    ],
)
def test_money(locale: str, amount: Decimal | int, currency: str, expected: str) -> None:
    assert Localizer(locale).format_money(amount, currency) == expected


def test_a_letter_currency_is_never_glued_to_digits_nor_in_another_script() -> None:
    """Today's complaint: Chinese and Uyghur readers saw Cyrillic "сом" glued to digits."""
    for locale in ("en", "ru", "kk", "ky", "uz_Latn", "ug", "zh_Hans"):
        shown = Localizer(locale).format_money(8900, "KGS")
        assert "\xa0" in shown
        if locale in ("zh_Hans", "ug", "en"):
            assert not any("\u0400" <= ch <= "\u04ff" for ch in shown), shown


@pytest.mark.parametrize(
    ("locale", "zone", "expected_time"),
    [
        ("kk", "Asia/Almaty", "18:00"),
        ("ru", "Europe/Moscow", "16:00"),
        ("zh_Hans", "Asia/Shanghai", "21:00"),
        ("en", "Europe/Berlin", "2:00\u202fPM"),
    ],
)
def test_times_are_shown_in_the_readers_zone(locale: str, zone: str, expected_time: str) -> None:
    assert Localizer(locale, zone).format_time(SHOW_START) == expected_time


def test_default_zone_follows_the_language() -> None:
    assert localizer("kk").tzinfo.key == "Asia/Almaty"
    assert localizer("zh").tzinfo.key == "Asia/Shanghai"
    assert localizer("fr").locale == "en"


def test_plurals_follow_each_language() -> None:
    ru = Localizer("ru")
    forms = {n: ru.ngettext("{n} minute", "{n} minutes", n).format(n=n) for n in (1, 2, 5, 21)}
    assert forms == {1: "1 минута", 2: "2 минуты", 5: "5 минут", 21: "21 минута"}
    zh = Localizer("zh_Hans")
    assert zh.ngettext("{n} minute", "{n} minutes", 5).format(n=5) != "5 minutes"
