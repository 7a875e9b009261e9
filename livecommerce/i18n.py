"""Languages: gettext catalogs from translations/ and CLDR formats through Babel.

The catalogs are read once per process (compiled in memory from the .po files, so
there is no build step); a `Localizer` is the reader's view: their locale and their
time zone, for messages, dates, numbers, money and plurals.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from livecommerce.config import LOCALES

DEFAULT_LOCALE = "en"
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
DOMAIN = "messages"

# What a browser or a user may ask for, mapped to the catalogs we have.
_ALIASES = {
    "en": "en",
    "ru": "ru",
    "kk": "kk",
    "ky": "ky",
    "uz": "uz_Latn",
    "uz_latn": "uz_Latn",
    "ug": "ug",
    "ug_arab": "ug",
    "zh": "zh_Hans",
    "zh_hans": "zh_Hans",
    "zh_cn": "zh_Hans",
    "zh_sg": "zh_Hans",
}

# The zone a reader most likely lives in, when nothing else says: their language's
# main market.
HOME_ZONES = {
    "en": "Europe/Berlin",
    "ru": "Europe/Moscow",
    "kk": "Asia/Almaty",
    "ky": "Asia/Bishkek",
    "uz_Latn": "Asia/Tashkent",
    "ug": "Asia/Urumqi",
    "zh_Hans": "Asia/Shanghai",
}

# Where buyers pay in whole units: prices of ₸, so'm and som carry no fraction.
WHOLE_UNIT_CURRENCIES = frozenset({"KZT", "UZS", "KGS"})
# Currencies written in letters, not with a sign: each reader's catalog names them
# (msgctxt "currency sign"), since the sign at home ("soʻm", "сом") is a word of
# another language and script to most readers.
LETTER_CURRENCIES = frozenset({"UZS", "KGS"})

# Locales whose CLDR list patterns fall back to English ("A and B").
_PLAIN_LIST_SEPARATOR = {"ug": "، "}

# Where a currency is at home: its symbol there (₸, soʻm, сом, ₽, ¥) is the one its
# buyers know, whatever language they read.
_CURRENCY_HOME = {
    "KZT": "kk_KZ",
    "RUB": "ru_RU",
    "CNY": "zh_Hans_CN",
    "EUR": "de_DE",
}


def normalize(tag: str) -> str | None:
    """Map a language tag (`uz-UZ`, `zh-Hans-CN`, `kk`) to one of our locales, or None."""
    parts = re.split(r"[-_]", tag.strip().lower())
    if not parts or not parts[0]:
        return None
    for size in (2, 1):
        key = "_".join(parts[:size])
        if key in _ALIASES:
            return _ALIASES[key]
    return None


def negotiate(accept_language: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Pick a locale from an Accept-Language header, honouring q-values."""
    choices: list[tuple[float, int, str]] = []
    for index, item in enumerate((accept_language or "")[:1000].split(",")):
        tag, _, params = item.partition(";")
        quality = 1.0
        if "q" in params:
            match = re.fullmatch(r"\s*q\s*=\s*([01](?:\.[0-9]{0,3})?)\s*", params)
            if not match:
                continue
            quality = float(match.group(1))
        locale = normalize(tag)
        if locale and quality > 0:
            choices.append((-quality, index, locale))
    return min(choices)[2] if choices else default


@cache
def _load(locale: str, directory: Path) -> NullTranslations:
    path = directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


@dataclass(frozen=True)
class Localizer:
    """A reader's locale and time zone: translates and formats for them."""

    locale: str = DEFAULT_LOCALE
    zone: str = ""
    directory: Path = TRANSLATIONS_DIR

    @property
    def babel(self) -> Locale:
        return Locale.parse(self.locale)

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.zone or HOME_ZONES.get(self.locale, "UTC"))

    @property
    def direction(self) -> str:
        """`rtl` for right-to-left scripts (Uyghur), else `ltr`."""
        return "rtl" if self.babel.character_order == "right-to-left" else "ltr"

    @property
    def language(self) -> str:
        """The BCP 47 tag for `<html lang>`: `uz-Latn`, `zh-Hans`."""
        return self.locale.replace("_", "-")

    def language_name(self, code: str) -> str:
        """A language's name for this reader: kk → «казахский» in ru, «哈萨克文» in zh."""
        try:
            name = Locale.parse(code).get_display_name(self.locale) or code
        except (UnknownLocaleError, ValueError):
            return code
        return name[:1].upper() + name[1:]

    def render(self, template: str, params: dict[str, object]) -> str:
        """A core sentence in this locale; a `language` parameter is shown by name."""
        shown = dict(params)
        if isinstance(shown.get("language"), str):
            shown["language"] = self.language_name(str(shown["language"]))
        try:
            return self.gettext(template).format(**shown)
        except (KeyError, IndexError, ValueError):
            return template.format(**shown)

    def gettext(self, message: str) -> str:
        return _load(self.locale, self.directory).gettext(message)

    def pgettext(self, context: str, message: str) -> str:
        """`message` in this language where the same text means other things elsewhere."""
        return str(_load(self.locale, self.directory).pgettext(context, message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _load(self.locale, self.directory).ngettext(singular, plural, n)

    def format_datetime(self, moment: datetime, format: str = "medium") -> str:
        """A moment in the reader's zone and locale (`moment` must be aware)."""
        return babel_dates.format_datetime(
            moment, format=format, tzinfo=self.tzinfo, locale=self.locale
        )

    def format_date(self, moment: datetime, format: str = "medium") -> str:
        return babel_dates.format_date(
            moment.astimezone(self.tzinfo), format=format, locale=self.locale
        )

    def format_time(self, moment: datetime, format: str = "short", zone: str | None = None) -> str:
        tz = ZoneInfo(zone) if zone else self.tzinfo
        return babel_dates.format_time(moment, format=format, tzinfo=tz, locale=self.locale)

    def format_duration(self, seconds: int) -> str:
        """A length of time in its largest whole unit: «5 минут», «1 сағат», «30秒钟»."""
        return babel_dates.format_timedelta(timedelta(seconds=seconds), locale=self.locale)

    def format_day_time(self, moment: datetime, zone: str) -> str:
        """A local date and time as the reader writes them: «Mon, Dec 7 20:00»."""
        day = babel_dates.format_skeleton(
            "MMMEd", moment, tzinfo=ZoneInfo(zone), locale=self.locale
        )
        return f"{day} {self.format_time(moment, zone=zone)}"

    def format_span(self, start: datetime, end: datetime, zone: str) -> str:
        """«Mon, Dec 7 20:00–21:30» in `zone`."""
        return f"{self.format_day_time(start, zone)}–{self.format_time(end, zone=zone)}"

    def zone_name(self, zone: str | None = None) -> str:
        """The zone as the reader knows it: a city (Almaty) or, where CLDR has none, GMT+05:00."""
        return babel_dates.get_timezone_location(
            ZoneInfo(zone) if zone else self.tzinfo, locale=self.locale, return_city=True
        )

    def list(self, items: list[str]) -> str:
        """Items joined as the language joins a list: «Warsaw, Berlin», «华沙、柏林»."""
        if self.locale in _PLAIN_LIST_SEPARATOR:  # CLDR has no list patterns: it says "and"
            return _PLAIN_LIST_SEPARATOR[self.locale].join(items)
        return format_list(items, style="standard", locale=self.locale) if items else ""

    def format_number(self, value: int | float | Decimal) -> str:
        return babel_numbers.format_decimal(value, locale=self.locale)

    def format_money(self, amount: int | float | Decimal, currency: str) -> str:
        """A price in the reader's number format and the currency as the reader names it.

        A sign (₸, ₽, ¥, €) is the one its buyers know, from the currency's home; a
        currency written in letters (the sum, the som) is named in the reader's language
        from the catalogs ("сум", "soʻm", "苏姆") and kept apart from the digits. Whole-unit
        currencies round half up, as a shop does: 2.5 tenge is 3.
        """
        pattern = self.babel.currency_formats["standard"].pattern
        whole = currency in WHOLE_UNIT_CURRENCIES
        value = Decimal(amount)
        if whole:
            pattern = re.sub(r"\.0+", "", pattern)
            value = value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        if currency in LETTER_CURRENCIES:
            symbol = self.pgettext("currency sign", currency)
            number = babel_numbers.format_decimal(
                value, format=pattern.replace("¤", "").strip("\xa0 "), locale=self.babel
            )
            return f"{number}\xa0{symbol}"
        home = _CURRENCY_HOME.get(currency)
        if home:
            symbol = babel_numbers.get_currency_symbol(currency, locale=home)
            pattern = pattern.replace("¤", "'" + symbol.replace("'", "''") + "'")
        return babel_numbers.format_currency(
            value, currency, format=pattern, locale=self.babel, currency_digits=not whole
        )


# A chat language's code to the locale of its catalog.
CHAT_LOCALES = {"uz": "uz_Latn", "zh": "zh_Hans"}


def chat_locale(lang: str) -> str:
    """The catalog locale for a chat language code (uz → uz_Latn, zh → zh_Hans)."""
    return CHAT_LOCALES.get(lang, lang)


def localizer(locale: str | None = None, zone: str | None = None) -> Localizer:
    """A Localizer for a requested locale tag (falling back to English) and zone."""
    chosen = normalize(locale) if locale else None
    return Localizer(locale=chosen or DEFAULT_LOCALE, zone=zone or "")


def catalog_locales(directory: Path = TRANSLATIONS_DIR) -> list[str]:
    """The locales that have a catalog in `directory`."""
    return [loc for loc in LOCALES if (directory / loc / "LC_MESSAGES" / f"{DOMAIN}.po").exists()]
