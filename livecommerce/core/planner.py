"""When to go live: score show slots by the buyers' local time, pick the best ones.

Pure: no I/O and no clock. The horizon's first local date and `now` are passed in, and so
are public holidays (market code → local dates) and past orders (market code → 24 counts
per local hour), so the adapters decide where those come from.

Every local time is computed by converting a UTC instant with `zoneinfo`, never by adding
a fixed offset, so daylight-saving changes (Europe, late March and late October) and
changes of standard time (Kazakhstan, 2024-03-01: UTC+6 → UTC+5) fall out by themselves:
a missing local hour simply never occurs, a repeated one is counted twice.

The audience curve
------------------
Each market declares its peak hours as local [start, end) ranges. From them the planner
derives a level for each local hour of each local date:

    peak       1.0   inside a peak range
    shoulder   0.5   the hour just before and the hour just after a peak range
    day        0.1   other hours from 07:00 to 23:00
    night      0.02  other hours from 23:00 to 07:00

That is the weekday shape. On weekends (Saturday, Sunday) and on the market's public
holidays every peak range starts two hours earlier and ends at the same hour: buyers are
home in the afternoon, so the evening peak comes earlier and lasts longer. A range that
passes midnight (22–02) belongs to the date it starts on: its early hours are the next
date's, with the starting date's shape.

When the store has a market's past orders per local hour, the curve is blended with
them: ``(1 − w) · seeded + w · orders / max(orders)`` where ``w = n / (n + k)``, n the
number of orders and k = `ORDERS_PRIOR`; a few orders nudge the seeded curve, thousands
replace it. A market with several zones (Warsaw, Berlin) counts each zone equally.

Scoring and choosing
--------------------
The horizon is cut into cells of `resolution` (15 minutes by default), from local
midnight of the first date in the streamer's zone. A cell's audience is the sum over
markets of weight × curve at the cell's local time; a slot's score is the sum over its
cells times the cell length in hours, i.e. weighted audience-hours. Slots are chosen
greedily, best score first (ties: earliest first), skipping any slot closer than `gap`
to one already chosen, and any slot that would leave too little room for the shows still
to place, so a plan is found whenever one exists.

The streamer's night is every moment outside their available hours or between 23:00 and
07:00 local; a slot touching it is flagged (or, with ``allow_night=False``, not offered).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from livecommerce.core.messages import N_
from livecommerce.core.models import HourRange, Market, Streamer
from livecommerce.core.plan_errors import NoSlotError, PlanInputError, UnknownZoneError

PEAK = 1.0
SHOULDER = 0.5
DAY = 0.1
NIGHT = 0.02
WEEKEND = frozenset({5, 6})  # Saturday, Sunday
WEEKEND_EARLIER = 2  # hours a peak starts earlier on weekends and holidays
ORDERS_PRIOR = 200.0  # k in w = n / (n + k)
PEAK_LEVEL = 0.75  # a curve value from which an hour counts as a buyer-peak hour
NIGHT_FROM = 23  # the streamer's night, whatever their available hours say
NIGHT_UNTIL = 7
DEFAULT_DAYS = 7
DEFAULT_RESOLUTION = timedelta(minutes=15)

HOUR = timedelta(hours=1)

# Hours a person can work: the same ranges every day, or ranges per weekday (0 = Monday).
Hours = Sequence[HourRange] | Mapping[int, Sequence[HourRange]]


# -- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalTime:
    """A slot as the buyers of one market's zone see it (aware datetimes in `zone`)."""

    market: str
    zone: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Moderator:
    """A moderator: the languages they moderate and their hours in their own zone."""

    name: str
    zone: str
    languages: tuple[str, ...]
    hours: Hours = field(hash=False)


@dataclass(frozen=True)
class Coverage:
    """For one slot: who is on shift for the whole slot in each language, and which
    languages have nobody."""

    covered: dict[str, tuple[str, ...]] = field(hash=False)
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Slot:
    """One chosen show: UTC start and end, score, each market's share of the score (0–1,
    summing to 1), the local times in every market zone and in the streamer's zone, and
    whether it touches the streamer's night."""

    rank: int
    start: datetime
    end: datetime
    score: float
    shares: dict[str, float] = field(hash=False)
    local: tuple[LocalTime, ...]
    streamer_start: datetime
    streamer_end: datetime
    night: bool
    coverage: Coverage | None = None


@dataclass(frozen=True)
class Plan:
    """The chosen slots, best first, and what `compare_zones` needs to rescore them:
    per cell of the horizon, the weighted audience and the weighted buyer-peak share."""

    zone: str
    start: datetime
    end: datetime
    resolution: timedelta
    length: timedelta
    slots: tuple[Slot, ...]
    audience: tuple[float, ...] = field(repr=False)
    peak: tuple[float, ...] = field(repr=False)
    available: tuple[tuple[bool, ...], ...] = field(repr=False)


@dataclass(frozen=True)
class ZoneFit:
    """The plan seen from a streamer placed in `zone`: how many of its slots fall in their
    waking day, and how many weighted buyer-peak hours of the horizon do."""

    zone: str
    slots: int
    slots_awake: int
    peak_hours: float
    peak_hours_total: float


# -- curves --------------------------------------------------------------------------------


def _line(ranges: Sequence[HourRange], earlier: int) -> list[float]:
    """A day's peak levels on a 72-hour line whose index 24 is that day's midnight, so a
    range may spill into the day before (weekend shift) or after (past midnight)."""
    line = [0.0] * 72
    for r in ranges:
        if r.start == r.end:
            continue
        start = r.start - earlier
        end = r.end if r.end > r.start else r.end + 24
        for hour in range(start, end):
            line[24 + hour] = PEAK
        for hour in (start - 1, end):
            if -24 <= hour < 48 and line[24 + hour] < SHOULDER:
                line[24 + hour] = SHOULDER
    return line


def blend_weight(orders: float, prior: float = ORDERS_PRIOR) -> float:
    """How much `orders` past orders count against the seeded curve: n / (n + k)."""
    return orders / (orders + prior) if orders > 0 else 0.0


_BASE = tuple(DAY if NIGHT_UNTIL <= h < NIGHT_FROM else NIGHT for h in range(24))


class _Curves:
    """A market's curve per local date, cached; the one place curves are computed."""

    def __init__(
        self,
        market: Market,
        holidays: Collection[date],
        orders: Sequence[float] | None,
        orders_prior: float,
    ) -> None:
        if any(not (0 <= r.start <= 23 and 0 <= r.end <= 24) for r in market.peak_hours):
            raise PlanInputError(market.code, N_("{field}: peak hours run from 0 to 24."))
        self.holidays = holidays
        self.lines = {
            False: _line(market.peak_hours, 0),
            True: _line(market.peak_hours, WEEKEND_EARLIER),
        }
        self.orders: list[float] | None = None
        self.blend = 0.0
        if orders is not None:
            counts = [float(c) for c in orders]
            if len(counts) != 24 or any(not c >= 0 for c in counts):
                raise PlanInputError(
                    f"orders[{market.code}]",
                    N_("{field} must be 24 counts of orders, one per local hour, 0 or more."),
                )
            total, top = sum(counts), max(counts)
            if total > 0:
                self.orders = [c / top for c in counts]
                self.blend = blend_weight(total, orders_prior)
        self.cache: dict[date, list[float]] = {}

    def weekend(self, day: date) -> bool:
        return day.weekday() in WEEKEND or day in self.holidays

    def day(self, day: date) -> list[float]:
        curve = self.cache.get(day)
        if curve is None:
            today = self.lines[self.weekend(day)]
            before = self.lines[self.weekend(day - timedelta(days=1))]
            after = self.lines[self.weekend(day + timedelta(days=1))]
            curve = [max(_BASE[h], today[24 + h], before[48 + h], after[h]) for h in range(24)]
            if self.orders is not None:
                w = self.blend
                curve = [(1 - w) * c + w * o for c, o in zip(curve, self.orders, strict=True)]
            self.cache[day] = curve
        return curve


def audience_curve(
    market: Market,
    day: date,
    *,
    holidays: Collection[date] = frozenset(),
    orders: Sequence[float] | None = None,
    orders_prior: float = ORDERS_PRIOR,
) -> tuple[float, ...]:
    """The market's audience level (0–1) for each of the 24 local hours of `day`: the
    weekday or weekend/holiday shape of its peak hours, blended with past orders."""
    return tuple(_Curves(market, holidays, orders, orders_prior).day(day))


# -- time helpers --------------------------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UnknownZoneError(name) from None


def _week(hours: Hours, what: str) -> list[list[bool]]:
    """A 7 × 24 table of the hours someone is available, by local weekday and hour. A
    range past midnight on a given weekday continues into the next weekday."""
    if isinstance(hours, Mapping):
        per_day = dict(hours.items())
        if any(not isinstance(d, int) or not 0 <= d <= 6 for d in per_day):
            raise PlanInputError(what, N_("{field}: weekdays are numbered 0 (Monday) to 6."))
    else:
        per_day = dict.fromkeys(range(7), hours)
    table = [[False] * 24 for _ in range(7)]
    for weekday, ranges in per_day.items():
        for r in ranges:
            if not (0 <= r.start <= 23 and 0 <= r.end <= 24):
                raise PlanInputError(what, N_("{field}: hours run from 0 to 24."))
            if r.end > r.start:
                hours_today, hours_next = range(r.start, r.end), range(0)
            elif r.end < r.start:
                hours_today, hours_next = range(r.start, 24), range(r.end)
            else:
                continue
            for h in hours_today:
                table[weekday][h] = True
            for h in hours_next:
                table[(weekday + 1) % 7][h] = True
    return table


def _awake(hours: Hours, what: str) -> tuple[tuple[bool, ...], ...]:
    """The streamer's waking day: available, and not between 23:00 and 07:00."""
    table = _week(hours, what)
    return tuple(
        tuple(on and NIGHT_UNTIL <= h < NIGHT_FROM for h, on in enumerate(row)) for row in table
    )


def _touched(start: datetime, end: datetime, zone: ZoneInfo) -> Iterator[tuple[int, int]]:
    """(weekday, hour) of every local hour that [start, end) touches in `zone`."""
    moment = start
    while moment < end:
        local = moment.astimezone(zone)
        yield local.weekday(), local.hour
        moment += timedelta(minutes=60 - local.minute) - timedelta(
            seconds=local.second, microseconds=local.microsecond
        )


def _within(
    start: datetime, end: datetime, zone: ZoneInfo, table: Sequence[Sequence[bool]]
) -> bool:
    return all(table[d][h] for d, h in _touched(start, end, zone))


def local_times(start: datetime, end: datetime, markets: Sequence[Market]) -> tuple[LocalTime, ...]:
    """[start, end) in every zone of every market, converted from the UTC instants."""
    times = []
    for m in markets:
        for name in m.zones:
            zone = _zone(name)
            times.append(LocalTime(m.code, name, start.astimezone(zone), end.astimezone(zone)))
    return tuple(times)


def is_night(start: datetime, end: datetime, zone: str, available: Hours) -> bool:
    """Whether [start, end) touches the night of someone in `zone` with these available
    hours: any moment outside them, or between 23:00 and 07:00 local."""
    return not _within(start, end, _zone(zone), _awake(available, "available"))


def cover(
    start: datetime, end: datetime, languages: Sequence[str], moderators: Sequence[Moderator]
) -> Coverage:
    """Which of `languages` have a moderator on shift for the whole of [start, end), each
    in their own zone and hours, and which have nobody."""
    on_shift = [
        m
        for m in moderators
        if _within(start, end, _zone(m.zone), _week(m.hours, f"moderator {m.name}"))
    ]
    covered: dict[str, tuple[str, ...]] = {}
    missing: list[str] = []
    for lang in languages:
        names = tuple(m.name for m in on_shift if lang in m.languages)
        if names:
            covered[lang] = names
        else:
            missing.append(lang)
    return Coverage(covered, tuple(missing))


# -- planning ------------------------------------------------------------------------------


def _check(
    streamer: Streamer,
    markets: Sequence[Market],
    shows: int,
    length: timedelta,
    gap: timedelta,
    days: int,
    resolution: timedelta,
    now: datetime | None,
) -> None:
    if not markets:
        raise PlanInputError("markets", N_("{field}: name at least one market."))
    codes = [m.code for m in markets]
    if len(set(codes)) != len(codes):
        raise PlanInputError("markets", N_("{field}: each market may be named once."))
    for m in markets:
        if not m.zones:
            raise PlanInputError(m.code, N_("{field}: the market has no time zone."))
        if not m.weight >= 0:
            raise PlanInputError(m.code, N_("{field}: the audience weight must be 0 or more."))
    if shows < 1:
        raise PlanInputError("shows", N_("{field} must be 1 or more."))
    if days < 1:
        raise PlanInputError("days", N_("{field} must be 1 or more."))
    if resolution <= timedelta(0) or HOUR % resolution:
        raise PlanInputError("resolution", N_("{field} must divide an hour, such as 15 minutes."))
    if length <= timedelta(0) or length % resolution:
        raise PlanInputError(
            "length",
            N_("{field} must be a positive multiple of {resolution}."),
            resolution=resolution,
        )
    if gap < timedelta(0):
        raise PlanInputError("gap", N_("{field} must be 0 or more."))
    if now is not None and now.tzinfo is None:
        raise PlanInputError("now", N_("{field} must be an aware time."))
    _zone(streamer.zone)


def plan_shows(
    streamer: Streamer,
    markets: Sequence[Market],
    *,
    start: date,
    shows: int,
    length: timedelta,
    gap: timedelta = timedelta(0),
    days: int = DEFAULT_DAYS,
    resolution: timedelta = DEFAULT_RESOLUTION,
    now: datetime | None = None,
    holidays: Mapping[str, Collection[date]] | None = None,
    orders: Mapping[str, Sequence[float]] | None = None,
    orders_prior: float = ORDERS_PRIOR,
    available: Hours | None = None,
    allow_night: bool = True,
    languages: Sequence[str] | None = None,
    moderators: Sequence[Moderator] | None = None,
) -> Plan:
    """Choose `shows` non-overlapping slots of `length`, at least `gap` apart, in the
    `days` from local midnight of `start` in the streamer's zone, that reach the most
    weighted audience in the markets' local time (see the module docstring).

    `available` overrides the streamer's available hours (every day, or per weekday);
    slots starting before `now` are not offered. With `moderators`, each slot reports
    which of `languages` (by default the markets' languages) have one on shift.
    Raises NoSlotError when fewer than `shows` slots fit.
    """
    _check(streamer, markets, shows, length, gap, days, resolution, now)
    home = _zone(streamer.zone)
    awake = _awake(streamer.available_hours if available is None else available, "available")
    holidays = holidays or {}
    orders = orders or {}

    origin = datetime.combine(start, time(0), tzinfo=home).astimezone(UTC)
    end = datetime.combine(start + timedelta(days=days), time(0), tzinfo=home).astimezone(UTC)
    cells = (end - origin) // resolution
    instants = [origin + i * resolution for i in range(cells)]
    cell_hours = resolution / HOUR

    # Local date and hour of every cell in every zone, converted from the UTC instant:
    # per zone, its local dates and, per cell, (index of the date, hour).
    local: dict[str, tuple[list[date], list[tuple[int, int]]]] = {}
    for m in markets:
        for name in m.zones:
            if name not in local:
                zone = _zone(name)
                moments = [t.astimezone(zone) for t in instants]
                index: dict[date, int] = {}
                keys = [(index.setdefault(lt.date(), len(index)), lt.hour) for lt in moments]
                local[name] = (list(index), keys)

    # Per market and cell: weighted audience and weighted buyer-peak share.
    values: dict[str, list[float]] = {}
    audience = [0.0] * cells
    peak = [0.0] * cells
    for m in markets:
        curves = _Curves(m, holidays.get(m.code, ()), orders.get(m.code), orders_prior)
        share = m.weight / len(m.zones)
        row = [0.0] * cells
        for name in m.zones:
            days_in_zone, keys = local[name]
            by_day = [curves.day(day) for day in days_in_zone]
            levels = [by_day[day][hour] for day, hour in keys]
            row = [r + share * level for r, level in zip(row, levels, strict=True)]
            peak = [
                p + share if level >= PEAK_LEVEL else p
                for p, level in zip(peak, levels, strict=True)
            ]
        values[m.code] = row
        audience = [a + v for a, v in zip(audience, row, strict=True)]

    span = length // resolution
    spacing = span + -(-gap // resolution)  # starts closer than this many cells collide
    starts = [i for i in range(cells - span + 1) if now is None or instants[i] >= now]
    if not allow_night and starts:
        awake_cell = [_within(t, t + resolution, home, awake) for t in instants]
        starts = [i for i in starts if all(awake_cell[i : i + span])]
    scores = {i: sum(audience[i : i + span]) * cell_hours for i in starts}

    chosen = _choose(starts, scores, shows, spacing)
    moderators_given = moderators is not None
    langs = tuple(dict.fromkeys(languages if languages is not None else _languages(markets)))
    slots = []
    for rank, i in enumerate(chosen, 1):
        slot_start, slot_end = instants[i], instants[i] + length
        score = scores[i]
        parts = {m.code: sum(values[m.code][i : i + span]) * cell_hours for m in markets}
        slots.append(
            Slot(
                rank=rank,
                start=slot_start,
                end=slot_end,
                score=score,
                shares={c: (p / score if score > 0 else 0.0) for c, p in parts.items()},
                local=local_times(slot_start, slot_end, markets),
                streamer_start=slot_start.astimezone(home),
                streamer_end=slot_end.astimezone(home),
                night=not _within(slot_start, slot_end, home, awake),
                coverage=cover(slot_start, slot_end, langs, moderators or ())
                if moderators_given
                else None,
            )
        )
    return Plan(
        zone=streamer.zone,
        start=origin,
        end=end,
        resolution=resolution,
        length=length,
        slots=tuple(slots),
        audience=tuple(audience),
        peak=tuple(peak),
        available=awake,
    )


def _languages(markets: Sequence[Market]) -> list[str]:
    return [lang for m in markets for lang in m.languages]


def _room(starts: Sequence[int], chosen: Sequence[int], spacing: int) -> int:
    """How many more slots fit beside `chosen` (sorted): earliest first is optimal when
    every slot has the same length."""
    count, last = 0, None
    for i in starts:
        if last is not None and i - last < spacing:
            continue
        k = bisect.bisect_left(chosen, i)
        if k < len(chosen) and chosen[k] - i < spacing:
            continue
        if k > 0 and i - chosen[k - 1] < spacing:
            continue
        count, last = count + 1, i
    return count


def _choose(starts: list[int], scores: Mapping[int, float], shows: int, spacing: int) -> list[int]:
    """Best first (ties: earliest first), keeping room for the shows still to place."""
    room = _room(starts, [], spacing)
    if room < shows:
        raise NoSlotError(shows, room)
    order = sorted(starts, key=lambda i: (-round(scores[i], 9), i))
    picked: list[int] = []
    placed: list[int] = []  # the same, sorted by start
    for i in order:
        if len(picked) == shows:
            break
        k = bisect.bisect_left(placed, i)
        if (k < len(placed) and placed[k] - i < spacing) or (k > 0 and i - placed[k - 1] < spacing):
            continue
        trial = [*placed[:k], i, *placed[k:]]
        need = shows - len(picked) - 1
        # One more slot takes room for at most two others; count only when it might matter.
        after = _room(starts, trial, spacing) if room - 2 < need else room - 2
        if after < need:
            continue
        picked.append(i)
        placed = trial
        room = after
    if len(picked) < shows:  # pragma: no cover - the room check above rules this out
        raise NoSlotError(shows, len(picked))
    return picked


# -- where to stream from ------------------------------------------------------------------


def compare_zones(plan: Plan, zones: Sequence[str]) -> tuple[ZoneFit, ...]:
    """The same plan for the streamer placed in each of `zones`, with the same local
    available hours: how many of its slots fall in their waking day, and how many
    weighted buyer-peak hours of the horizon do."""
    cell_hours = plan.resolution / HOUR
    total = math.fsum(plan.peak) * cell_hours
    fits = []
    for name in zones:
        zone = _zone(name)
        awake_slots = sum(_within(s.start, s.end, zone, plan.available) for s in plan.slots)
        peak = math.fsum(
            p
            for i, p in enumerate(plan.peak)
            if p
            and _within(
                plan.start + i * plan.resolution,
                plan.start + (i + 1) * plan.resolution,
                zone,
                plan.available,
            )
        )
        fits.append(ZoneFit(name, len(plan.slots), awake_slots, peak * cell_hours, total))
    return tuple(fits)
