"""Announcements: each market's local date, weekday, time and zone, in its languages."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from babel.dates import get_day_names

from livecommerce.core.models import Market, Product, Show
from livecommerce.files import seeds
from livecommerce.files.announcements import (
    announce,
    announcements,
    market_text,
    pack_zip,
    safe_name,
)
from livecommerce.files.calendars import write_ics
from livecommerce.i18n import chat_locale
from tests.conftest import SEEDS

WORLD = seeds.read(SEEDS)
MARKETS = {m.code: m for m in WORLD.markets}
PRODUCTS = {p.sku: p for p in WORLD.products}
JIANGXI = next(s for s in WORLD.shows if s.id == "jiangxi-kitchen-2026-12-10")
NOW = datetime(2026, 12, 1, tzinfo=UTC)

# The market's clock as people name it in each language (written out by hand).
CITY = {
    ("KZ", "kk"): "Алматы уақыты",
    ("KZ", "ru"): "время Алматы",
    ("RU", "ru"): "московское время",
    ("EU", "en"): "Warsaw time",
    ("EU", "ru"): "время Варшавы",
    ("CN", "zh"): "北京时间",
}


def clock_text(local: datetime, lang: str) -> str:
    """The local time as the language writes it: 20:00, or 4:00 PM in English."""
    if lang == "en":
        half = "PM" if local.hour >= 12 else "AM"
        return f"{local.hour % 12 or 12}:{local.minute:02d}\u202f{half}"
    return f"{local.hour:02d}:{local.minute:02d}"


def weekday(local: datetime, lang: str) -> str:
    return get_day_names("wide", locale=chat_locale(lang))[local.weekday()]


def pairs(show: Show) -> list[tuple[str, str]]:
    return [(code, lang) for code in show.markets for lang in MARKETS[code].languages]


def test_every_market_and_language_of_the_show_is_announced() -> None:
    texts = announcements(JIANGXI, WORLD.markets, WORLD.products)
    assert set(texts) == {"KZ", "RU", "EU", "CN"}
    assert {(code, lang) for code, by_lang in texts.items() for lang in by_lang} == set(
        pairs(JIANGXI)
    )


@pytest.mark.parametrize(("code", "lang"), pairs(JIANGXI))
def test_local_time_weekday_and_zone(code: str, lang: str) -> None:
    market = MARKETS[code]
    local = JIANGXI.starts_at.astimezone(ZoneInfo(market.zones[0]))
    text = announcements(JIANGXI, WORLD.markets, WORLD.products)[code][lang]
    title, when = text.split("\n")[:2]
    assert title == JIANGXI.titles[lang]
    assert clock_text(local, lang).replace("\u202f", " ") in when.replace("\u202f", " ")
    assert weekday(local, lang) in when
    assert str(local.day) in when
    assert CITY[(code, lang)] in when


def test_the_seeded_show_is_an_evening_in_almaty_and_a_late_night_in_shanghai() -> None:
    texts = announcements(JIANGXI, WORLD.markets, WORLD.products)
    assert "20:00" in texts["KZ"]["ru"]
    assert "четверг" in texts["KZ"]["ru"]
    assert "18:00" in texts["RU"]["ru"]
    assert "23:00" in texts["CN"]["zh"]
    assert "星期四" in texts["CN"]["zh"]


@pytest.mark.parametrize(
    ("starts", "code", "expected"),
    [
        # Kazakhstan moved from UTC+6 to UTC+5 on 2024-03-01.
        (datetime(2024, 2, 29, 14, 0, tzinfo=UTC), "KZ", "20:00"),
        (datetime(2024, 3, 1, 14, 0, tzinfo=UTC), "KZ", "19:00"),
        # Europe: summer time from 2026-03-29 01:00 UTC, winter time from 2026-10-25 01:00 UTC.
        (datetime(2026, 3, 28, 17, 0, tzinfo=UTC), "EU", "18:00"),
        (datetime(2026, 3, 29, 17, 0, tzinfo=UTC), "EU", "19:00"),
        (datetime(2026, 10, 24, 17, 0, tzinfo=UTC), "EU", "19:00"),
        (datetime(2026, 10, 25, 17, 0, tzinfo=UTC), "EU", "18:00"),
        # Moscow keeps UTC+3 all year.
        (datetime(2026, 7, 1, 16, 0, tzinfo=UTC), "RU", "19:00"),
    ],
)
def test_local_time_across_zone_changes(starts: datetime, code: str, expected: str) -> None:
    show = replace(JIANGXI, starts_at=starts, ends_at=starts.replace(hour=starts.hour + 1))
    market = MARKETS[code]
    assert starts.astimezone(ZoneInfo(market.zones[0])).strftime("%H:%M") == expected
    assert expected in announce(show, market, "ru", PRODUCTS).split("\n")[1]


def test_featured_products_have_local_names_and_prices() -> None:
    show = replace(JIANGXI, featured=("SNK-SB-6045", "DH-LCK-SMT", "NO-SUCH-SKU"))
    texts = announcements(show, WORLD.markets, WORLD.products)
    sink, lock = PRODUCTS["SNK-SB-6045"], PRODUCTS["DH-LCK-SMT"]
    kk = texts["KZ"]["kk"].split("\n")
    assert sink.names["kk"] in kk[3]
    assert "27\xa0900\xa0₸" in kk[3]  # KZT 27900: whole tenge, CLDR spaces
    assert lock.names["kk"] in kk[4]
    assert len(kk) == 5  # title, when, "on the show", two products: the unknown sku is left out
    assert "€" in texts["EU"]["en"]
    assert "52" in texts["EU"]["en"]
    assert "₽" in texts["RU"]["ru"]
    assert sink.names["zh"] in texts["CN"]["zh"]


def test_a_product_without_a_price_in_the_currency_is_named_without_one() -> None:
    product = Product(
        sku="X-1",
        category="kitchen",
        streamer_id="jiangxi-kitchen",
        names={"en": "Test ladle"},
        aliases={},
        prices={"CNY": Decimal(10)},
    )
    show = replace(JIANGXI, featured=("X-1",))
    text = announce(show, MARKETS["EU"], "en", {"X-1": product})
    assert text.split("\n")[-1] == "Test ladle"


def test_unknown_markets_of_a_show_are_skipped() -> None:
    show = replace(JIANGXI, markets=("KZ", "ZZ"))
    assert set(announcements(show, WORLD.markets, [])) == {"KZ"}


@pytest.mark.parametrize("lang", ["kk", "ru", "zh", "ug", "ky", "uz", "en"])
def test_every_chat_language_can_announce(lang: str) -> None:
    market = Market(
        code="XX",
        country="XX",
        zones=("Asia/Bishkek",),
        languages=(lang,),
        currency="KGS",
        weight=1.0,
        peak_hours=(),
    )
    text = announce(JIANGXI, market, lang, PRODUCTS)
    local = JIANGXI.starts_at.astimezone(ZoneInfo("Asia/Bishkek"))
    assert weekday(local, lang) in text
    assert clock_text(local, lang).replace("\u202f", " ") in text.replace("\u202f", " ")


# -- the pack as files ---------------------------------------------------------------------


def test_a_market_text_file_holds_each_language_under_its_code() -> None:
    texts = {"kk": "Бірінші\nекінші", "ru": "Первая"}
    assert market_text(texts) == "[kk]\nБірінші\nекінші\n\n[ru]\nПервая\n"


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("jiangxi-kitchen-2026-12-10", "jiangxi-kitchen-2026-12-10"),
        ("../../etc/passwd", "etc_passwd"),
        ("..", "_"),
        ("шоу 12.12", "12.12"),
        ('a"b\r\nc', "a_b_c"),
    ],
)
def test_file_names_are_never_paths(name: str, safe: str) -> None:
    assert safe_name(name) == safe


def test_the_zip_is_the_same_bytes_and_never_writes_outside_its_folder() -> None:
    texts = announcements(JIANGXI, WORLD.markets, WORLD.products)
    packed = pack_zip(JIANGXI, texts)
    assert pack_zip(JIANGXI, texts) == packed
    with zipfile.ZipFile(io.BytesIO(packed)) as pack:
        assert pack.read(f"{JIANGXI.id}/KZ/ru.txt").decode() == texts["KZ"]["ru"] + "\n"
        info = pack.getinfo(f"{JIANGXI.id}/announcements.json")
        assert info.date_time == (2026, 12, 10, 15, 0, 0)  # the show's start, UTC
    hostile = replace(JIANGXI, id="../../evil")
    with zipfile.ZipFile(io.BytesIO(pack_zip(hostile, {"../KZ": {"ru": "x"}}))) as pack:
        assert pack.namelist() == ["evil/KZ/ru.txt", "evil/announcements.json"]


# -- two clocks in Xinjiang ----------------------------------------------------------------

FSI, PDI = "\u2068", "\u2069"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        # 15:00 UTC: 23:00 by Beijing time, 21:00 by Xinjiang time.
        ("zh", "直播时间：2026年12月10日星期四 北京时间 23:00 / 新疆时间 21:00"),
        (
            "ug",
            f"{FSI}بېيجىڭ ۋاقتى 23:00{PDI} / {FSI}شىنجاڭ ۋاقتى 21:00{PDI}",
        ),
    ],
)
def test_xinjiang_is_announced_on_both_clocks(lang: str, expected: str) -> None:
    when = announce(JIANGXI, MARKETS["XJ"], lang, PRODUCTS).split("\n")[1]
    assert when.endswith(expected)


def test_the_date_of_a_xinjiang_announcement_is_beijings_and_xinjiangs_own_day_is_added() -> None:
    # 16:30 UTC: 00:30 on Friday by Beijing time, 22:30 on Thursday by Xinjiang time.
    starts = datetime(2026, 12, 10, 16, 30, tzinfo=UTC)
    show = replace(JIANGXI, starts_at=starts, ends_at=starts.replace(hour=18))
    when = announce(show, MARKETS["XJ"], "en", PRODUCTS).split("\n")[1]
    assert when == (
        "Live on Friday, December 11, 2026 at 12:30\u202fAM Beijing time"
        " / Thu, Dec 10 10:30\u202fPM Xinjiang time"
    )


def test_a_uyghur_calendar_keeps_its_times_isolated() -> None:
    from icalendar import Calendar

    show = replace(JIANGXI, markets=("XJ",))
    body = write_ics([show], WORLD.markets, WORLD.products, market="XJ", lang="ug", now=NOW)
    event = next(iter(Calendar.from_ical(body).walk("VEVENT")))
    description = str(event["description"])
    assert f"{FSI}بېيجىڭ ۋاقتى 23:00{PDI} / {FSI}شىنجاڭ ۋاقتى 21:00{PDI}" in description
