"""Languages: gettext catalogs from translations/ and CLDR formats through Babel.

The catalogs are read once per process (compiled in memory from the .po files, so
there is no build step); a `Localizer` is the reader's view: their locale and their
time zone, for messages, dates, numbers, money and plurals. Times of a place are shown
through `clock_times`, on every clock its people keep (core/clocks.py), each named as
the reader names it; in right-to-left text what runs the other way is isolated.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from markupsafe import Markup, escape

from livecommerce.config import LOCALES
from livecommerce.core.clocks import NAMES, Clock, clocks, clocks_of
from livecommerce.core.messages import N_

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


# A time on a named clock: «20:00 Almaty time», «北京时间 22:00».
CLOCK_TIME = N_("{time} {clock}")
# A zone we have no name of our own for, named by its CLDR city: «Paris time».
CITY_TIME = N_("{city} time")
# Between the clocks of a place that keeps two, or of several zones.
CLOCK_SEPARATOR = " / "

# Unicode's first-strong isolate and its end: what is between them is laid out on its
# own, so it cannot reorder the sentence around it (bidi algorithm, UAX #9).
FSI, PDI = "\u2068", "\u2069"
LRM = "\u200e"  # a left-to-right mark: strong, invisible
_LEFT_TO_RIGHT = frozenset({"L", "EN", "AN"})  # Latin letters and digits
_RIGHT_TO_LEFT = frozenset({"R", "AL"})  # Arabic-script (Uyghur) and Hebrew letters


def html_isolates(text: str) -> Markup:
    """`text` escaped for HTML, its bidi isolates (FSI … PDI) turned into `<bdi>`
    elements: the same isolation, in the form HTML gives it."""
    escaped = str(escape(text))
    if escaped.count(FSI) != escaped.count(PDI):
        return Markup(escaped)
    return Markup(escaped.replace(FSI, "<bdi>").replace(PDI, "</bdi>"))


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def known_zone(name: str | None) -> str:
    """`name` if it is a zone of the tz database (the tzdata package), else "": what a
    browser or a user sends is checked before it is used."""
    if not name or len(name) > 64:
        return ""
    return name if name in _zones() else ""


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


def preferences(accept_language: str | None) -> list[str]:
    """The language tags of an Accept-Language header, most wanted first (q-values
    honoured, ties in the header's order; q=0 and malformed entries left out)."""
    choices: list[tuple[float, int, str]] = []
    for index, item in enumerate((accept_language or "")[:1000].split(",")):
        tag, _, params = item.partition(";")
        quality = 1.0
        if "q" in params:
            match = re.fullmatch(r"\s*q\s*=\s*([01](?:\.[0-9]{0,3})?)\s*", params)
            if not match:
                continue
            quality = float(match.group(1))
        tag = tag.strip()
        if tag and quality > 0:
            choices.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(choices)]


def negotiate(accept_language: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Pick a locale from an Accept-Language header, honouring q-values."""
    for tag in preferences(accept_language):
        locale = normalize(tag)
        if locale:
            return locale
    return default


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

    def isolate(self, text: str) -> str:
        """`text` in a bidi isolate where it could reorder what is around it: Latin
        letters or digits in right-to-left (Uyghur) text, Uyghur letters in
        left-to-right text. Elsewhere `text` as it is."""
        classes = {unicodedata.bidirectional(c) for c in text}
        foreign = _LEFT_TO_RIGHT if self.direction == "rtl" else _RIGHT_TO_LEFT
        return FSI + text + PDI if classes & foreign else text

    def _clock_name(self, clock: Clock) -> str:
        if clock.name is not None:
            return self.gettext(clock.name)
        city = babel_dates.get_timezone_location(
            ZoneInfo(clock.zone), locale=self.locale, return_city=True
        )
        if city.startswith(("UTC", "GMT")):  # no city: the offset is the name
            return city
        return self.gettext(CITY_TIME).format(city=self.isolate(city))

    def clock_name(self, zone: str | None = None, *, exact: bool = False) -> str:
        """The clocks of `zone` (default: the reader's) as the reader names them:
        «время Алматы»; «北京时间 / 新疆时间» where the place keeps two clocks. `exact`:
        only the clock of the zone's own offset (for a table of that zone's hours)."""
        zone = zone or self.tzinfo.key
        shown = clocks(zone)
        if exact:
            shown = tuple(c for c in shown if c.zone == zone) or (Clock(zone, NAMES.get(zone)),)
        return CLOCK_SEPARATOR.join(self.isolate(self._clock_name(c)) for c in shown)

    def clock_date(
        self, moment: datetime, zone: str | None = None, format: str = "full", skeleton: str = ""
    ) -> str:
        """The date of `moment` on the first clock of `zone` (default: the reader's):
        Beijing's in Xinjiang, where `clock_times` gives the other clock's day if it
        differs. In a CLDR format or pattern, or as a `skeleton` asks («MMMMd»)."""
        first = ZoneInfo(clocks(zone or self.tzinfo.key)[0].zone)
        if skeleton:
            return babel_dates.format_skeleton(skeleton, moment, tzinfo=first, locale=self.locale)
        return babel_dates.format_date(moment.astimezone(first), format=format, locale=self.locale)

    def clock_times(
        self,
        start: datetime,
        *zones: str,
        end: datetime | None = None,
        day: bool = False,
    ) -> str:
        """`start` (to `end`, if given) on every clock kept in `zones` (default: the
        reader's zone), each clock named: «20:00 Almaty time», «22:00 Beijing time /
        20:00 Xinjiang time», «Mon, Dec 7 22:00–23:30 Beijing time / 20:00–21:30
        Xinjiang time». The first time carries its day if `day`; a later one whenever
        its day is not the first one's. Each time is isolated where the reader's text
        runs the other way."""
        pieces = []
        first_day = None
        for clock in clocks_of(zones or (self.tzinfo.key,)):
            zone = ZoneInfo(clock.zone)
            shown = self.format_time(start, zone=clock.zone)
            if end is not None:
                shown += self._range_dash + self.format_time(end, zone=clock.zone)
            local_day = start.astimezone(zone).date()
            if (first_day is None and day) or (first_day is not None and local_day != first_day):
                weekday = babel_dates.format_skeleton(
                    "MMMEd", start, tzinfo=zone, locale=self.locale
                )
                shown = f"{weekday} {shown}"
            first_day = first_day or local_day
            text = self.gettext(CLOCK_TIME).format(time=shown, clock=self._clock_name(clock))
            pieces.append(self.isolate(text))
        return CLOCK_SEPARATOR.join(pieces)

    @property
    def _range_dash(self) -> str:
        """The dash of a span of times. Between two times in right-to-left text, a bare
        dash (neutral) lets the bidi algorithm run the span backwards ("23:30–22:00"):
        left-to-right marks around it keep "22:00–23:30" in reading order."""
        return f"{LRM}–{LRM}" if self.direction == "rtl" else "–"

    def list(self, items: list[str]) -> str:
        """Items joined as the language joins a list: «Warsaw, Berlin», «华沙、柏林»;
        each isolated where it runs the other way than the reader's text, so the list
        keeps its order."""
        items = [self.isolate(item) for item in items]
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
