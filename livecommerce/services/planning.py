"""What the planner needs from outside the core: public holidays from the `holidays`
package, per market, as plain local dates.

A market's holidays are those of the countries of its zones (EU: Europe/Warsaw → PL,
Europe/Berlin → DE), read from the IANA zone table, or of its own country when no zone
is listed there. A date that is a holiday in any of them counts for the market.
"""

from __future__ import annotations

import functools
import importlib.resources
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import holidays as holidays_package

from livecommerce.core.models import Market, Product, Show, ShowStatus, Streamer
from livecommerce.core.planner import Plan
from livecommerce.errors import UnknownMarketError
from livecommerce.schedules import show_code, show_id


@functools.cache
def zone_countries() -> dict[str, str]:
    """IANA zone → ISO country code, from zone.tab (the system's, else the tzdata
    package's)."""
    for path in (Path(folder) / "zone.tab" for folder in zoneinfo.TZPATH):
        if path.is_file():
            return _parse_zone_tab(path.read_text(encoding="utf-8"))
    try:
        resource = importlib.resources.files("tzdata").joinpath("zoneinfo", "zone.tab")
        return _parse_zone_tab(resource.read_text(encoding="utf-8"))
    except (ModuleNotFoundError, FileNotFoundError):
        return {}


def _parse_zone_tab(text: str) -> dict[str, str]:
    countries = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            if len(fields) >= 3:
                countries[fields[2]] = fields[0]
    return countries


def market_countries(market: Market) -> tuple[str, ...]:
    """The countries whose public holidays apply to the market's buyers."""
    table = zone_countries()
    countries = [table[z] for z in market.zones if z in table]
    return tuple(dict.fromkeys(countries or [market.country]))


@functools.cache
def _country_holidays(country: str, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays_package.country_holidays(country, years=year))
    except NotImplementedError:  # a country the package does not know: no holidays
        return frozenset()


def market_holidays(
    markets: Sequence[Market], start: date, days: int
) -> dict[str, frozenset[date]]:
    """For each market, its public holidays from `start` for `days` days (a day on either
    side too, since a horizon's local dates differ from zone to zone)."""
    first, last = start - timedelta(days=1), start + timedelta(days=days)
    years = range(first.year, last.year + 1)
    return {
        m.code: frozenset(
            d
            for country in market_countries(m)
            for d in _union(_country_holidays(country, y) for y in years)
            if first <= d <= last
        )
        for m in markets
    }


def _union(sets: Iterable[frozenset[date]]) -> frozenset[date]:
    return frozenset().union(*sets)


# Zones a streamer is compared in ("where to stream from") besides their own.
COMPARE_ZONES = "Asia/Urumqi,Asia/Shanghai"


@dataclass(frozen=True)
class World:
    """What planning reads from the store."""

    markets: list[Market]
    streamers: list[Streamer]
    products: list[Product]


def codes(text: str) -> list[str]:
    return list(dict.fromkeys(p.strip().upper() for p in text.split(",") if p.strip()))


def choose_markets(world: World, text: str | None) -> list[Market]:
    """The markets a comma-separated list names (all when None); unknown ones refused."""
    known = {m.code: m for m in world.markets}
    if text is None:
        return list(world.markets)
    chosen = []
    for code in codes(text):
        if code not in known:
            raise UnknownMarketError(market=code[:20], known=", ".join(sorted(known)))
        chosen.append(known[code])
    return chosen


def planned_shows(
    streamer: Streamer, markets: Sequence[Market], found: Plan, products: Sequence[Product]
) -> list[Show]:
    """The plan's slots as shows to write, in time order; titles default to the
    streamer's name in each language, for the user to edit."""
    languages = tuple(dict.fromkeys(lang for m in markets for lang in m.languages))
    featured = tuple(sorted(p.sku for p in products if p.streamer_id == streamer.id))
    fallback = ("ru",) if "ru" in languages else languages[:1]
    return [
        Show(
            id=show_id(streamer.id, s.start),
            code=show_code(streamer.id, s.start),
            streamer_id=streamer.id,
            starts_at=s.start,
            ends_at=s.end,
            markets=tuple(m.code for m in markets),
            languages=languages,
            status=ShowStatus.SCHEDULED,
            titles={lang: streamer.names.get(lang) or streamer.name for lang in languages},
            fallback_moderators=fallback,
            featured=featured,
        )
        for s in sorted(found.slots, key=lambda s: s.start)
    ]
