"""What the planner needs from outside the core, gathered for `livecommerce plan` and
the /plan page alike: the world from the store, public holidays, past orders per local
hour, and the moderators on shift.

A market's holidays are those of the countries of its zones (EU: Europe/Warsaw → PL,
Europe/Berlin → DE), read from the IANA zone table, or of its own country when no zone
is listed there. A date that is a holiday in any of them counts for the market.

A past order counts for the market of its buyer (by country and language, as the
post-show report assigns it), at its local hour in the zone of the buyer's country
among the market's zones (else the market's main zone). Every order placed before
`now` counts; the planner weighs them against the seeded curve by how many there are.
"""

from __future__ import annotations

import functools
import importlib.resources
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays as holidays_package
from babel.dates import format_skeleton

from livecommerce.core.clocks import clocks_of
from livecommerce.core.models import Market, Order, Product, Show, ShowStatus, Streamer
from livecommerce.core.planner import Coverage, Moderator, Plan, Slot, blend_weight, plan_shows
from livecommerce.core.report import OTHER_MARKET, MarketFinder
from livecommerce.errors import UnknownMarketError
from livecommerce.files.schedules import show_code, show_id
from livecommerce.i18n import CLOCK_SEPARATOR, CLOCK_TIME, Localizer
from livecommerce.store import SqlStore


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
    orders: list[Order] = field(default_factory=list)  # placed before now


async def load_world(store: SqlStore, now: datetime) -> World:
    """The markets, streamers, products and the orders placed before `now`."""
    return World(
        await store.markets(),
        await store.streamers(),
        await store.products(),
        await store.orders(until=now),
    )


def _order_zone(market: Market, country: str) -> ZoneInfo:
    """The zone of the buyer's country among the market's zones, else its main zone."""
    table = zone_countries()
    zone = next((z for z in market.zones if table.get(z) == country), market.zones[0])
    return ZoneInfo(zone)


def orders_by_hour(
    orders: Iterable[Order], markets: Sequence[Market], known: Sequence[Market]
) -> dict[str, tuple[int, ...]]:
    """For each of `markets`, its past orders per local hour (24 counts). The buyer's
    market is found among all `known` markets, so an order of a market not planned for
    is not pushed onto another."""
    finder = MarketFinder(known)
    counts = {m.code: [0] * 24 for m in markets if m.zones}
    by_code = {m.code: m for m in markets}
    for order in orders:
        code = finder(order.buyer_country, order.buyer_lang)
        if code == OTHER_MARKET or code not in counts:
            continue
        local = order.ts.astimezone(_order_zone(by_code[code], order.buyer_country))
        counts[code][local.hour] += 1
    return {code: tuple(hours) for code, hours in counts.items()}


@dataclass(frozen=True)
class PastOrders:
    """How many past orders of a market were blended into its curve, and their weight
    against the seeded curve (0–1)."""

    orders: int
    weight: float


@dataclass(frozen=True)
class Planned:
    """A plan and what went into it besides the form: holidays, past orders per
    market, and the moderators (None: no moderators file, no coverage)."""

    plan: Plan
    holidays: dict[str, frozenset[date]]
    orders: dict[str, tuple[int, ...]]
    moderators: Sequence[Moderator] | None

    def past_orders(self) -> dict[str, PastOrders]:
        return {
            code: PastOrders(sum(hours), blend_weight(sum(hours)))
            for code, hours in self.orders.items()
        }


@dataclass(frozen=True)
class CoverageLine:
    """One language of a slot, for people: its code, its name in the reader's language,
    and the moderators on shift (None: nobody)."""

    lang: str
    language: str
    names: str | None


def coverage_lines(l10n: Localizer, coverage: Coverage) -> list[CoverageLine]:
    """A slot's coverage in the reader's language: the covered languages with their
    moderators, then the languages nobody covers."""
    covered = [
        CoverageLine(lang, l10n.language_name(lang), l10n.list(list(names)))
        for lang, names in coverage.covered.items()
    ]
    return covered + [
        CoverageLine(lang, l10n.language_name(lang), None) for lang in coverage.missing
    ]


@dataclass(frozen=True)
class ShownTime:
    """A slot's start in one zone of a market: `text` short, for a column that names its
    clocks ("22:00 / 20:00" in Xinjiang; the weekday only where the day is not the
    slot's); `named`, each clock named; `full`, with the day, for a tooltip."""

    text: str
    named: str
    full: str


def local_times(l10n: Localizer, slot: Slot, market: str, day_zone: str) -> list[ShownTime]:
    """`slot`'s start in each zone of `market`, once per distinct short text; the slot's
    day is its day on `day_zone`'s first clock (the streamer's)."""
    day = slot.start.astimezone(ZoneInfo(clocks_of((day_zone,))[0].zone)).date()
    found: dict[str, ShownTime] = {}
    for local in slot.local:
        if local.market != market:
            continue
        short, named = [], []
        for clock in clocks_of((local.zone,)):
            text = l10n.format_time(local.start, zone=clock.zone)
            moment = local.start.astimezone(ZoneInfo(clock.zone))
            if moment.date() != day:
                weekday = format_skeleton("E", moment, tzinfo=moment.tzinfo, locale=l10n.locale)
                text = f"{weekday} {text}"
            short.append(l10n.isolate(text))
            clock_name = l10n.clock_name(clock.zone, exact=True)
            named.append(l10n.isolate(l10n.gettext(CLOCK_TIME).format(time=text, clock=clock_name)))
        full = l10n.clock_times(local.start, local.zone, day=True)
        shown = ShownTime(CLOCK_SEPARATOR.join(short), CLOCK_SEPARATOR.join(named), full)
        found.setdefault(shown.text, shown)
    return list(found.values())


def make_plan(
    world: World,
    streamer: Streamer,
    markets: Sequence[Market],
    *,
    start: date,
    days: int,
    shows: int,
    length: timedelta,
    gap: timedelta,
    now: datetime,
    moderators: Sequence[Moderator] | None = None,
) -> Planned:
    """The plan for these inputs, with the markets' holidays and past orders blended in
    and, given moderators, each slot's coverage of the markets' languages. Raises the
    planner's PlanError."""
    holidays = market_holidays(markets, start, days)
    orders = orders_by_hour(world.orders, markets, world.markets)
    found = plan_shows(
        streamer,
        markets,
        start=start,
        shows=shows,
        length=length,
        gap=gap,
        days=days,
        now=now,
        holidays=holidays,
        orders=orders,
        moderators=moderators,
    )
    return Planned(found, holidays, orders, moderators)


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
    streamer's name in each language, for the user to edit, and each language's
    moderators are those on shift for the whole slot, if the plan knows them."""
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
            moderators=dict(s.coverage.covered) if s.coverage is not None else {},
        )
        for s in sorted(found.slots, key=lambda s: s.start)
    ]
