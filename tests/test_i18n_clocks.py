"""Clocks as each reader names them (Localizer.clock_name, clock_times), and right-to-left
text kept in order with bidi isolates (isolate, list, html_isolates)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from livecommerce.i18n import Localizer, html_isolates, known_zone

FSI, PDI = "\u2068", "\u2069"
# 14:00 UTC: 22:00 by Beijing time, 20:00 by Xinjiang time, 19:00 in Almaty.
MOMENT = datetime(2026, 12, 10, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "10:00\u202fPM Beijing time / 8:00\u202fPM Xinjiang time"),
        ("ru", "22:00 (пекинское время) / 20:00 (синьцзянское время)"),
        ("kk", "Бейжің уақыты бойынша 22:00 / Шыңжаң уақыты бойынша 20:00"),
        ("ky", "Бээжин убактысы боюнча 22:00 / Шинжаң убактысы боюнча 20:00"),
        ("uz_Latn", "Pekin vaqti bilan 22:00 / Shinjon vaqti bilan 20:00"),
        ("ug", f"{FSI}بېيجىڭ ۋاقتى 22:00{PDI} / {FSI}شىنجاڭ ۋاقتى 20:00{PDI}"),
        ("zh_Hans", "北京时间 22:00 / 新疆时间 20:00"),
    ],
)
def test_xinjiang_time_is_shown_on_both_clocks(locale: str, expected: str) -> None:
    assert Localizer(locale).clock_times(MOMENT, "Asia/Urumqi") == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Beijing time / Xinjiang time"),
        ("ru", "пекинское время / синьцзянское время"),
        ("kk", "Бейжің уақыты / Шыңжаң уақыты"),
        ("ky", "Бээжин убактысы / Шинжаң убактысы"),
        ("uz_Latn", "Pekin vaqti / Shinjon vaqti"),
        ("ug", "بېيجىڭ ۋاقتى / شىنجاڭ ۋاقتى"),
        ("zh_Hans", "北京时间 / 新疆时间"),
    ],
)
def test_the_two_clocks_are_named_as_people_name_them(locale: str, expected: str) -> None:
    assert Localizer(locale).clock_name("Asia/Urumqi") == expected
    # A reader in Ürümqi: their own zone keeps both clocks too.
    assert Localizer(locale, "Asia/Urumqi").clock_name() == expected


# Every zone of the demo's markets in Uyghur letters: CLDR has no Uyghur cities.
UYGHUR = {
    "Asia/Almaty": "ئالمۇتا ۋاقتى",
    "Europe/Moscow": "موسكۋا ۋاقتى",
    "Asia/Tashkent": "تاشكەنت ۋاقتى",
    "Asia/Bishkek": "بىشكېك ۋاقتى",
    "Europe/Warsaw": "ۋارشاۋا ۋاقتى",
    "Europe/Berlin": "بېرلىن ۋاقتى",
    "Asia/Shanghai": "بېيجىڭ ۋاقتى",
}


@pytest.mark.parametrize(("zone", "expected"), UYGHUR.items())
def test_uyghur_names_places_in_uyghur(zone: str, expected: str) -> None:
    name = Localizer("ug").clock_name(zone)
    assert name == expected
    assert not any("a" <= c.lower() <= "z" for c in name)


@pytest.mark.parametrize(
    ("zone", "names"),
    [
        (
            "Asia/Tashkent",
            {
                "en": "Tashkent time",
                "ru": "время Ташкента",
                "kk": "Ташкент уақыты",
                "ky": "Ташкент убактысы",
                "uz_Latn": "Toshkent vaqti",
                "ug": "تاشكەنت ۋاقتى",
                "zh_Hans": "塔什干时间",
            },
        ),
        (
            "Europe/Moscow",
            {
                "en": "Moscow time",
                "ru": "московское время",
                "kk": "Мәскеу уақыты",
                "ky": "Москва убактысы",
                "uz_Latn": "Moskva vaqti",
                "ug": "موسكۋا ۋاقتى",
                "zh_Hans": "莫斯科时间",
            },
        ),
    ],
)
def test_our_names_in_every_language(zone: str, names: dict[str, str]) -> None:
    assert {locale: Localizer(locale).clock_name(zone) for locale in names} == names


def test_a_russian_sentence_declines_the_city() -> None:
    # «по времени Ташкента», never «по времени Ташкент».
    ru = Localizer("ru")
    assert ru.clock_times(MOMENT, "Asia/Tashkent") == "19:00 (время Ташкента)"
    assert ru.clock_times(MOMENT, "Asia/Bishkek") == "20:00 (время Бишкека)"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Paris time"),
        ("ru", "Париж, местное время"),
        ("kk", "Париж уақыты"),
        ("zh_Hans", "巴黎时间"),
        # CLDR has only the Latin name: isolated in Uyghur text.
        ("ug", f"{FSI}{FSI}Paris{PDI} ۋاقتى{PDI}"),
    ],
)
def test_zones_without_a_name_of_ours_are_named_by_their_cldr_city(
    locale: str, expected: str
) -> None:
    assert Localizer(locale).clock_name("Europe/Paris") == expected


def test_a_zone_without_a_city_is_named_by_its_offset() -> None:
    assert Localizer("ru").clock_name("UTC") == "UTC"
    assert Localizer("en").clock_times(MOMENT, "Etc/GMT-5") == "7:00\u202fPM GMT-5"


def test_the_readers_zone_is_the_default_and_the_day_is_shown_when_asked() -> None:
    assert Localizer("ru", "Asia/Almaty").clock_times(MOMENT, day=True) == (
        "чт, 10 дек. 19:00 (время Алматы)"
    )
    assert Localizer("en", "Europe/Berlin").clock_times(MOMENT) == "3:00\u202fPM Berlin time"


def test_a_span_and_a_clock_on_another_day_carry_their_own_day() -> None:
    # 16:30–18:00 UTC: from 00:30 on Friday by Beijing time, 22:30 on Thursday in Xinjiang.
    start = datetime(2026, 12, 10, 16, 30, tzinfo=UTC)
    end = datetime(2026, 12, 10, 18, 0, tzinfo=UTC)
    assert Localizer("zh_Hans").clock_times(start, "Asia/Urumqi", end=end, day=True) == (
        "北京时间 12月11日周五 00:30–02:00 / 新疆时间 12月10日周四 22:30–00:00"
    )


def test_several_zones_show_each_clock_once() -> None:
    en = Localizer("en")
    assert en.clock_times(MOMENT, "Asia/Shanghai", "Asia/Urumqi", "Asia/Almaty") == (
        "10:00\u202fPM Beijing time / 8:00\u202fPM Xinjiang time / 7:00\u202fPM Almaty time"
    )


# -- right to left -------------------------------------------------------------------------


def test_isolates_go_where_text_runs_the_other_way() -> None:
    ug, ru = Localizer("ug"), Localizer("ru")
    assert ug.isolate("Aigerim") == f"{FSI}Aigerim{PDI}"
    assert ug.isolate("20:00") == f"{FSI}20:00{PDI}"
    assert ug.isolate("ئابدۇ") == "ئابدۇ"
    assert ru.isolate("Aigerim") == "Aigerim"
    assert ru.isolate("ئابدۇ") == f"{FSI}ئابدۇ{PDI}"


def test_a_uyghur_list_of_latin_names_keeps_its_order() -> None:
    assert Localizer("ug").list(["Aigerim", "Dilnoza", "ئابدۇ"]) == (
        f"{FSI}Aigerim{PDI}، {FSI}Dilnoza{PDI}، ئابدۇ"
    )
    assert Localizer("en").list(["Aigerim", "Dilnoza"]) == "Aigerim and Dilnoza"


def test_isolates_become_bdi_elements_in_html() -> None:
    text = f"<b>{FSI}Aigerim{PDI} / {FSI}20:00{PDI}"
    assert html_isolates(text) == "&lt;b&gt;<bdi>Aigerim</bdi> / <bdi>20:00</bdi>"
    # Unbalanced isolates (from untrusted text) are left as characters, never as tags.
    assert "<bdi>" not in html_isolates(f"{FSI}x")


@pytest.mark.parametrize(
    ("name", "known"),
    [
        ("Asia/Almaty", "Asia/Almaty"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("../../etc/passwd", ""),
        ("Mars/Olympus", ""),
        ("", ""),
        (None, ""),
        ("A" * 100, ""),
    ],
)
def test_only_zones_of_the_tz_database_are_taken(name: str | None, known: str) -> None:
    assert known_zone(name) == known


def test_a_span_of_times_in_uyghur_reads_from_its_start() -> None:
    """A bare dash between two times in right-to-left text shows the span backwards
    ("23:30–22:00"); marks around it keep the start first."""
    start = datetime(2026, 12, 10, 14, 0, tzinfo=UTC)
    span = Localizer("ug").clock_times(start, "Asia/Almaty", end=start + timedelta(minutes=90))
    assert "19:00\u200e–\u200e20:30" in span
    assert "\u200e" not in Localizer("ru").clock_times(start, "Asia/Almaty", end=start)
