"""The show planner: local times across clock changes, slot ranking, gap, night, holidays,
orders, impossible constraints, the seeded Khorgos studio, where to stream from, staff."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livecommerce.core.models import HourRange, Market, Streamer
from livecommerce.core.plan_errors import NoSlotError, PlanInputError, UnknownZoneError
from livecommerce.core.planner import (
    DAY,
    PEAK,
    PEAK_LEVEL,
    SHOULDER,
    Hours,
    Moderator,
    Plan,
    audience_curve,
    compare_zones,
    cover,
    is_night,
    local_times,
    plan_shows,
)
from livecommerce.files import seeds
from livecommerce.services.planning import market_countries, market_holidays

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
HOUR = timedelta(hours=1)
MINUTES_90 = timedelta(minutes=90)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def market(
    code: str,
    zone: str,
    weight: float = 1.0,
    peaks: Sequence[tuple[int, int]] = ((19, 20),),
    languages: tuple[str, ...] = ("ru",),
) -> Market:
    return Market(
        code=code,
        country=code,
        zones=(zone,),
        languages=languages,
        currency="XXX",
        weight=weight,
        peak_hours=tuple(HourRange(s, e) for s, e in peaks),
    )


def streamer(zone: str, hours: Sequence[tuple[int, int]] = ((0, 24),)) -> Streamer:
    return Streamer(
        id="s",
        name="S",
        zone=zone,
        languages=("ru",),
        base_currency="CNY",
        available_hours=tuple(HourRange(s, e) for s, e in hours),
    )


# -- local times across clock changes -----------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "start", "local_start", "local_end"),
    [
        # A 90-minute show from `start` (UTC), as seen in `zone`.
        # Europe, spring forward on 2026-03-29 at 01:00Z: 02:00–03:00 CET never happens.
        ("Europe/Warsaw", "2026-03-29T00:30", "2026-03-29T01:30+01:00", "2026-03-29T04:00+02:00"),
        ("Europe/Warsaw", "2026-03-29T01:00", "2026-03-29T03:00+02:00", "2026-03-29T04:30+02:00"),
        ("Europe/Berlin", "2026-03-28T18:00", "2026-03-28T19:00+01:00", "2026-03-28T20:30+01:00"),
        ("Europe/Berlin", "2026-03-30T18:00", "2026-03-30T20:00+02:00", "2026-03-30T21:30+02:00"),
        ("Europe/Moscow", "2026-03-29T01:00", "2026-03-29T04:00+03:00", "2026-03-29T05:30+03:00"),
        # Europe, fall back on 2026-10-25 at 01:00Z: 02:00–03:00 local happens twice.
        ("Europe/Warsaw", "2026-10-25T00:00", "2026-10-25T02:00+02:00", "2026-10-25T02:30+01:00"),
        ("Europe/Warsaw", "2026-10-25T00:30", "2026-10-25T02:30+02:00", "2026-10-25T03:00+01:00"),
        ("Europe/Warsaw", "2026-10-25T01:30", "2026-10-25T02:30+01:00", "2026-10-25T04:00+01:00"),
        ("Europe/Berlin", "2026-10-26T18:00", "2026-10-26T19:00+01:00", "2026-10-26T20:30+01:00"),
        # Kazakhstan: UTC+6 until 2024-03-01 00:00 local (18:00Z), then UTC+5, so
        # 23:00–24:00 on 29 February happens twice.
        ("Asia/Almaty", "2024-02-28T14:00", "2024-02-28T20:00+06:00", "2024-02-28T21:30+06:00"),
        ("Asia/Almaty", "2024-02-29T17:30", "2024-02-29T23:30+06:00", "2024-03-01T00:00+05:00"),
        ("Asia/Almaty", "2024-02-29T18:30", "2024-02-29T23:30+05:00", "2024-03-01T01:00+05:00"),
        ("Asia/Almaty", "2024-03-01T14:00", "2024-03-01T19:00+05:00", "2024-03-01T20:30+05:00"),
    ],
)
def test_local_times_across_clock_changes(
    zone: str, start: str, local_start: str, local_end: str
) -> None:
    (local,) = local_times(utc(start), utc(start) + MINUTES_90, [market("M", zone)])
    assert local.zone == zone
    assert local.start.isoformat(timespec="minutes") == local_start
    assert local.end.isoformat(timespec="minutes") == local_end
    assert local.start.astimezone(UTC) == utc(start)  # the same instant, only shown locally


@pytest.mark.parametrize(
    ("zone", "day", "best"),
    [
        # A one-hour peak at 19:00 local: the best hour's UTC start moves with the offset.
        ("Europe/Warsaw", date(2026, 3, 27), "2026-03-27T18:00"),  # Fri, CET
        ("Europe/Warsaw", date(2026, 3, 30), "2026-03-30T17:00"),  # Mon, CEST
        ("Europe/Warsaw", date(2026, 10, 23), "2026-10-23T17:00"),  # Fri, CEST
        ("Europe/Warsaw", date(2026, 10, 26), "2026-10-26T18:00"),  # Mon, CET
        # The change days are Sundays: the weekend peak starts two hours earlier, at 17:00.
        ("Europe/Warsaw", date(2026, 3, 29), "2026-03-29T15:00"),  # after the jump: CEST
        ("Europe/Warsaw", date(2026, 10, 25), "2026-10-25T16:00"),  # after the fall: CET
        ("Asia/Almaty", date(2024, 2, 28), "2024-02-28T13:00"),  # Wed, UTC+6
        ("Asia/Almaty", date(2024, 3, 1), "2024-03-01T14:00"),  # Fri, UTC+5
    ],
)
def test_plan_follows_the_local_peak_across_clock_changes(zone: str, day: date, best: str) -> None:
    plan = plan_shows(streamer(zone), [market("M", zone)], start=day, days=1, shows=1, length=HOUR)
    (slot,) = plan.slots
    assert slot.start == utc(best)
    assert slot.end == utc(best) + HOUR
    assert slot.score == pytest.approx(PEAK)


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("Europe/Warsaw", date(2026, 3, 29), 23),
        ("Europe/Warsaw", date(2026, 10, 25), 25),
        ("Europe/Warsaw", date(2026, 10, 26), 24),
        ("Asia/Almaty", date(2024, 2, 29), 25),  # 23:00–24:00 happens twice
        ("Asia/Almaty", date(2024, 3, 1), 24),
    ],
)
def test_a_horizon_day_is_a_local_day(zone: str, day: date, hours: int) -> None:
    plan = plan_shows(streamer(zone), [market("M", zone)], start=day, days=1, shows=1, length=HOUR)
    assert plan.end - plan.start == hours * HOUR
    assert len(plan.audience) == hours * 4
    assert plan.start.astimezone(plan.slots[0].streamer_start.tzinfo).time() == time(0)


def test_a_repeated_local_hour_counts_twice() -> None:
    # Almaty, Thu 2024-02-29, peak [23, 24): 23:00 local is 17:00Z (+06) and again 18:00Z
    # (+05). Hourly cells: 16Z 22:00 shoulder 0.5 · 17Z peak 1 · 18Z peak 1 · horizon ends
    # 19Z. Two hours from 17Z score 1 + 1 = 2; from 16Z only 0.5 + 1.
    plan = plan_shows(
        streamer("Asia/Almaty"),
        [market("KZ", "Asia/Almaty", peaks=[(23, 24)])],
        start=date(2024, 2, 29),
        days=1,
        shows=1,
        length=2 * HOUR,
        resolution=HOUR,
    )
    (slot,) = plan.slots
    assert slot.start == utc("2024-02-29T17:00")
    assert slot.score == pytest.approx(2 * PEAK)
    assert slot.local[0].start.isoformat() == "2024-02-29T23:00:00+06:00"
    assert slot.local[0].end.isoformat() == "2024-03-01T00:00:00+05:00"


# -- ranking -------------------------------------------------------------------------------


def test_ranking_of_a_hand_computed_example() -> None:
    # Two markets, weekday (Wed 2026-12-09) shape, peaks [19, 21) local in both:
    #   A: Almaty (UTC+5), weight 0.6     B: Moscow (UTC+3), weight 0.4
    # Levels: peak 1.0, shoulder 0.5 (18:00 and 21:00), day 0.1, night 0.02 (23–07).
    # One-hour shows on hourly cells, so a slot's score is its one cell's audience:
    #   UTC  A local  A part          B local  B part          score
    #   12   17       0.6·0.1 = 0.06   15       0.4·0.1 = 0.04   0.10
    #   13   18       0.6·0.5 = 0.30   16       0.4·0.1 = 0.04   0.34
    #   14   19       0.6·1.0 = 0.60   17       0.4·0.1 = 0.04   0.64
    #   15   20       0.6·1.0 = 0.60   18       0.4·0.5 = 0.20   0.80
    #   16   21       0.6·0.5 = 0.30   19       0.4·1.0 = 0.40   0.70
    #   17   22       0.6·0.1 = 0.06   20       0.4·1.0 = 0.40   0.46
    #   18   23       0.6·0.02= 0.012  21       0.4·0.5 = 0.20   0.212
    # Greedy with a 60-minute gap (starts at least 2 hours apart): 15Z (0.80) first;
    # 16Z (0.70) and 14Z (0.64) are too close to it; then 17Z (0.46); then 13Z (0.34),
    # which ends at 14Z, an hour before 15Z.
    plan = plan_shows(
        streamer("Asia/Almaty", [(10, 23)]),
        [
            market("A", "Asia/Almaty", 0.6, [(19, 21)]),
            market("B", "Europe/Moscow", 0.4, [(19, 21)]),
        ],
        start=date(2026, 12, 9),
        days=1,
        shows=3,
        length=HOUR,
        gap=HOUR,
        resolution=HOUR,
    )
    expected = [
        ("2026-12-09T15:00", 0.80, 0.60, 0.20),
        ("2026-12-09T17:00", 0.46, 0.06, 0.40),
        ("2026-12-09T13:00", 0.34, 0.30, 0.04),
    ]
    assert [s.rank for s in plan.slots] == [1, 2, 3]
    for slot, (start, score, part_a, part_b) in zip(plan.slots, expected, strict=True):
        assert slot.start == utc(start)
        assert slot.score == pytest.approx(score)
        assert slot.shares == pytest.approx({"A": part_a / score, "B": part_b / score})
        assert not slot.night  # 18:00–23:00 in Almaty, inside 10–23
    first = plan.slots[0]
    assert [(lt.market, lt.zone) for lt in first.local] == [
        ("A", "Asia/Almaty"),
        ("B", "Europe/Moscow"),
    ]
    assert [lt.start.isoformat() for lt in first.local] == [
        "2026-12-09T20:00:00+05:00",
        "2026-12-09T18:00:00+03:00",
    ]
    assert first.streamer_start.isoformat() == "2026-12-09T20:00:00+05:00"


def test_a_score_is_weighted_audience_hours_at_quarter_hours() -> None:
    # 90 minutes from 19:00 Almaty, peak [19, 20): four peak cells and two shoulder cells
    # (20:00, 20:15), each a quarter of an hour: (4·1.0 + 2·0.5) / 4 = 1.25.
    plan = plan_shows(
        streamer("Asia/Almaty"),
        [market("KZ", "Asia/Almaty")],
        start=date(2026, 12, 9),
        days=1,
        shows=1,
        length=MINUTES_90,
    )
    (slot,) = plan.slots
    assert slot.score == pytest.approx(1.25)
    # Every 90-minute window holding the peak hour and one shoulder scores the same;
    # the earliest wins: 18:30–20:00 (two shoulder cells at 18:30, 18:45).
    assert slot.local[0].start.isoformat() == "2026-12-09T18:30:00+05:00"


@pytest.mark.parametrize(
    ("shows", "length", "gap"),
    [
        (5, MINUTES_90, timedelta(0)),
        (5, MINUTES_90, 2 * HOUR),
        (7, 2 * HOUR, 20 * HOUR),
        (12, HOUR, timedelta(minutes=45)),
        (20, MINUTES_90, 6 * HOUR),
    ],
)
def test_slots_keep_the_gap_and_never_overlap(
    shows: int, length: timedelta, gap: timedelta
) -> None:
    world = seeds.read(SEEDS)
    plan = plan_shows(
        world.streamers[0],
        world.markets,
        start=date(2026, 12, 7),
        shows=shows,
        length=length,
        gap=gap,
    )
    assert len(plan.slots) == shows
    chronological = sorted(plan.slots, key=lambda s: s.start)
    for before, after in itertools.pairwise(chronological):
        assert after.start >= before.end + gap
    for slot in plan.slots:
        assert slot.end - slot.start == length
        assert plan.start <= slot.start
        assert slot.end <= plan.end
    scores = [s.score for s in plan.slots]
    assert scores == sorted(scores, reverse=True)
    again = plan_shows(
        world.streamers[0],
        world.markets,
        start=date(2026, 12, 7),
        shows=shows,
        length=length,
        gap=gap,
    )
    assert again == plan  # deterministic


def test_the_best_slot_yields_when_it_would_leave_no_room() -> None:
    # Two 12-hour shows in one day fit only as 00–12 and 12–24; the best single 12-hour
    # window (around the evening peak) would leave room for neither.
    plan = plan_shows(
        streamer("Asia/Almaty"),
        [market("KZ", "Asia/Almaty")],
        start=date(2026, 12, 9),
        days=1,
        shows=2,
        length=12 * HOUR,
    )
    assert [s.local[0].start.hour for s in plan.slots] == [12, 0]


@settings(max_examples=60, deadline=None)
@given(
    shows=st.integers(1, 4),
    hours=st.integers(1, 6),
    gap=st.integers(0, 5),
    peaks=st.lists(st.tuples(st.integers(0, 23), st.integers(1, 24)), min_size=1, max_size=2),
)
def test_greedy_choice_matches_brute_force(
    shows: int, hours: int, gap: int, peaks: list[tuple[int, int]]
) -> None:
    # One day in Almaty on hourly cells: cell i is local hour i. By brute force over every
    # set of starts: the planner picks, best first (ties earliest), each slot that still
    # belongs to some complete plan, and says how many fit when none is complete.
    kz = market("KZ", "Asia/Almaty", peaks=peaks)
    curve = audience_curve(kz, date(2026, 12, 9))
    starts = range(24 - hours + 1)
    score = {i: sum(curve[i : i + hours]) for i in starts}
    spacing = hours + gap

    def fits(chosen: Sequence[int]) -> bool:
        return all(abs(a - b) >= spacing for a, b in itertools.combinations(chosen, 2))

    plans = [c for c in itertools.combinations(starts, shows) if fits(c)]
    args: dict[str, Any] = {"start": date(2026, 12, 9), "days": 1, "shows": shows}
    args |= {"length": hours * HOUR, "gap": gap * HOUR, "resolution": HOUR}
    if not plans:
        most = max(
            n for n in range(shows) if any(fits(c) for c in itertools.combinations(starts, n))
        )
        with pytest.raises(NoSlotError) as caught:
            plan_shows(streamer("Asia/Almaty"), [kz], **args)
        assert caught.value.found == most
        return
    expected: list[int] = []
    for _ in range(shows):
        expected.append(
            min(
                (
                    i
                    for i in starts
                    if i not in expected and any({*expected, i} <= set(p) for p in plans)
                ),
                key=lambda i: (-round(score[i], 9), i),
            )
        )
    plan = plan_shows(streamer("Asia/Almaty"), [kz], **args)
    assert [s.local[0].start.hour for s in plan.slots] == expected
    assert [s.score for s in plan.slots] == pytest.approx([score[i] for i in expected])


def test_slots_before_now_are_not_offered() -> None:
    now = utc("2026-12-09T15:00")  # 20:00 in Almaty, after the 19:00 peak began
    plan = plan_shows(
        streamer("Asia/Almaty"),
        [market("KZ", "Asia/Almaty")],
        start=date(2026, 12, 9),
        days=2,
        shows=1,
        length=HOUR,
        now=now,
    )
    assert plan.slots[0].start == utc("2026-12-10T14:00")


# -- the streamer's night -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "hours", "night"),
    [
        # Khorgos (Asia/Urumqi, UTC+6), available 10–23.
        ("2026-12-07T15:00", "2026-12-07T16:30", [HourRange(10, 23)], False),  # 21:00–22:30
        ("2026-12-07T16:00", "2026-12-07T17:30", [HourRange(10, 23)], True),  # to 23:30
        ("2026-12-07T15:30", "2026-12-07T17:00", [HourRange(10, 23)], False),  # ends at 23:00
        ("2026-12-07T03:00", "2026-12-07T04:30", [HourRange(10, 23)], True),  # 09:00–10:30
        ("2026-12-07T04:00", "2026-12-07T05:30", [HourRange(10, 23)], False),  # 10:00–11:30
        # A night shift 20–02 is still night after 23:00.
        ("2026-12-07T14:00", "2026-12-07T16:00", [HourRange(20, 2)], False),  # 20:00–22:00
        ("2026-12-07T17:00", "2026-12-07T18:00", [HourRange(20, 2)], True),  # 23:00–00:00
        # Per weekday: Mondays only.
        ("2026-12-07T05:00", "2026-12-07T06:00", {0: [HourRange(10, 23)]}, False),  # Mon
        ("2026-12-08T05:00", "2026-12-08T06:00", {0: [HourRange(10, 23)]}, True),  # Tue
    ],
)
def test_night(start: str, end: str, hours: Hours, night: bool) -> None:
    assert is_night(utc(start), utc(end), "Asia/Urumqi", hours) is night


def test_night_slots_can_be_ruled_out() -> None:
    # A team on Shanghai time (awake 10–23 = 02–15Z). Moscow (weight 1) peaks at 19:00 =
    # 16Z = 00:00 Shanghai; Almaty (weight 0.2) at 19:00 = 14Z = 22:00 Shanghai.
    #   16Z: Moscow 19 peak 1·1 + Almaty 21 day 0.2·0.1 = 1.02, but night for the team
    #   14Z: Moscow 17 day 1·0.1 + Almaty 19 peak 0.2·1 = 0.30, the best awake hour
    # The horizon (Wed 9 December in Shanghai) runs from 16Z on the 8th to 16Z on the 9th.
    markets = [
        market("RU", "Europe/Moscow", 1.0),
        market("KZ", "Asia/Almaty", 0.2),
    ]
    team = streamer("Asia/Shanghai", [(10, 23)])
    args: dict[str, Any] = {"start": date(2026, 12, 9), "days": 1, "shows": 1, "length": HOUR}
    flagged = plan_shows(team, markets, **args)
    assert flagged.slots[0].start == utc("2026-12-08T16:00")
    assert flagged.slots[0].score == pytest.approx(1.02)
    assert flagged.slots[0].night
    awake = plan_shows(team, markets, allow_night=False, **args)
    assert awake.slots[0].start == utc("2026-12-09T14:00")
    assert awake.slots[0].score == pytest.approx(0.30)
    assert not awake.slots[0].night
    assert awake.slots[0].streamer_start.isoformat() == "2026-12-09T22:00:00+08:00"


# -- holidays and orders ------------------------------------------------------------------


def test_a_holiday_takes_the_weekend_shape() -> None:
    kz = market("KZ", "Asia/Almaty", peaks=[(19, 23)])
    wednesday, saturday = date(2026, 12, 9), date(2026, 12, 12)
    weekday = audience_curve(kz, wednesday)
    assert weekday[16:24] == (DAY, DAY, SHOULDER, PEAK, PEAK, PEAK, PEAK, SHOULDER)
    holiday = audience_curve(kz, wednesday, holidays={wednesday})
    assert holiday[16:24] == (SHOULDER, PEAK, PEAK, PEAK, PEAK, PEAK, PEAK, SHOULDER)
    assert holiday == audience_curve(kz, saturday)
    # A holiday the day before reaches into this day only through a range past midnight.
    late = market("KZ", "Asia/Almaty", peaks=[(22, 2)])
    after_holiday = audience_curve(late, wednesday, holidays={date(2026, 12, 8)})
    assert after_holiday[:3] == (PEAK, PEAK, SHOULDER)


def test_a_holiday_moves_the_slot() -> None:
    kz = [market("KZ", "Asia/Almaty")]  # peak 19–20, 17–20 on a holiday
    kwargs: dict[str, Any] = {"start": date(2026, 12, 9), "days": 1, "shows": 1, "length": HOUR}
    plain = plan_shows(streamer("Asia/Almaty"), kz, **kwargs)
    holiday = plan_shows(
        streamer("Asia/Almaty"),
        kz,
        holidays={"KZ": {date(2026, 12, 9)}},
        **kwargs,
    )
    assert plain.slots[0].local[0].start.hour == 19
    assert holiday.slots[0].local[0].start.hour == 17


def test_holidays_from_the_holidays_package() -> None:
    world = seeds.read(SEEDS)
    markets = {m.code: m for m in world.markets}
    assert market_countries(markets["EU"]) == ("PL", "DE")
    found = market_holidays(list(markets.values()), date(2026, 12, 7), 21)
    assert date(2026, 12, 8) in found["UZ"]  # Constitution Day
    assert date(2026, 12, 16) in found["KZ"]  # Independence Day
    assert {date(2026, 12, 25), date(2026, 12, 26)} <= found["EU"]
    assert date(2026, 12, 8) not in found["KZ"]
    uz = markets["UZ"]  # peaks 12–14 and 19–23, 10–14 and 17–23 on holidays
    holiday = audience_curve(uz, date(2026, 12, 8), holidays=found["UZ"])
    weekday = audience_curve(uz, date(2026, 12, 9), holidays=found["UZ"])
    assert (holiday[10], holiday[17]) == (PEAK, PEAK)
    assert (weekday[10], weekday[17]) == (DAY, DAY)


@pytest.mark.parametrize(
    ("orders_at_noon", "noon", "seven_pm", "best_hour"),
    [
        # Orders only at 12:00, k = 200: w = n / (n + 200);
        # noon = (1 − w)·0.1 + w·1, seven_pm = (1 − w)·1 + w·0.
        (0, DAY, PEAK, 19),
        (20, (200 / 220) * 0.1 + 20 / 220, 200 / 220, 19),
        (200, 0.5 * 0.1 + 0.5, 0.5, 12),
        (1800, 0.1 * 0.1 + 0.9, 0.1, 12),
    ],
)
def test_orders_blend_with_the_seeded_curve(
    orders_at_noon: int, noon: float, seven_pm: float, best_hour: int
) -> None:
    kz = market("KZ", "Asia/Almaty")
    counts = [0] * 24
    counts[12] = orders_at_noon
    curve = audience_curve(kz, date(2026, 12, 9), orders=counts)
    assert curve[12] == pytest.approx(noon)
    assert curve[19] == pytest.approx(seven_pm)
    plan = plan_shows(
        streamer("Asia/Almaty"),
        [kz],
        start=date(2026, 12, 9),
        days=1,
        shows=1,
        length=HOUR,
        orders={"KZ": counts},
    )
    assert plan.slots[0].local[0].start.hour == best_hour


def test_orders_spread_over_hours_follow_their_shape() -> None:
    counts = [0] * 24
    counts[18], counts[19] = 300, 100
    curve = audience_curve(market("KZ", "Asia/Almaty"), date(2026, 12, 9), orders=counts)
    w = 400 / 600
    assert curve[18] == pytest.approx((1 - w) * SHOULDER + w * 1.0)
    assert curve[19] == pytest.approx((1 - w) * PEAK + w * (100 / 300))


# -- impossible constraints and bad input -------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "found"),
    [
        ({"shows": 1, "length": 25 * HOUR}, 0),  # longer than the horizon
        ({"shows": 3, "length": 12 * HOUR}, 2),
        ({"shows": 2, "length": 2 * HOUR, "gap": 23 * HOUR}, 1),
        ({"shows": 1, "length": HOUR, "available": {}, "allow_night": False}, 0),
        ({"shows": 1, "length": HOUR, "now": utc("2026-12-10T00:00")}, 0),
    ],
)
def test_impossible_constraints(kwargs: dict[str, Any], found: int) -> None:
    with pytest.raises(NoSlotError) as caught:
        plan_shows(
            streamer("Asia/Almaty"),
            [market("KZ", "Asia/Almaty")],
            start=date(2026, 12, 9),
            days=1,
            **kwargs,
        )
    assert caught.value.shows == kwargs["shows"]
    assert caught.value.found == found
    assert str(caught.value) == (
        f"Only {found} of {kwargs['shows']} shows fit in the horizon with this length and gap."
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"shows": 0}, "shows"),
        ({"days": 0}, "days"),
        ({"length": timedelta(minutes=20)}, "length"),
        ({"length": timedelta(0)}, "length"),
        ({"resolution": timedelta(minutes=7)}, "resolution"),
        ({"gap": -HOUR}, "gap"),
        ({"now": datetime(2026, 12, 9, 12)}, "now"),  # noqa: DTZ001 - naive on purpose
        ({"orders": {"KZ": [1] * 23}}, "orders[KZ]"),
        ({"available": {7: [HourRange(10, 12)]}}, "available"),
        ({"available": [HourRange(10, 25)]}, "available"),
        ({"markets": []}, "markets"),
        ({"markets": [market("KZ", "Asia/Almaty")] * 2}, "markets"),
        ({"markets": [market("KZ", "Asia/Almaty", peaks=[(20, 26)])]}, "KZ"),
        ({"markets": [market("KZ", "Asia/Almaty", weight=-1)]}, "KZ"),
    ],
)
def test_bad_input(kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"start": date(2026, 12, 9), "shows": 1, "length": HOUR}
    args["markets"] = [market("KZ", "Asia/Almaty")]
    with pytest.raises(PlanInputError) as caught:
        plan_shows(streamer("Asia/Almaty"), **(args | kwargs))
    assert caught.value.field == field
    assert caught.value.text.params["field"] == field


@pytest.mark.parametrize(
    ("team", "markets"),
    [
        ("Asia/Khorgos", [market("KZ", "Asia/Almaty")]),
        ("Asia/Almaty", [market("KZ", "Asia/Almata")]),
        ("", [market("KZ", "Asia/Almaty")]),
    ],
)
def test_unknown_zone(team: str, markets: list[Market]) -> None:
    with pytest.raises(UnknownZoneError) as caught:
        plan_shows(streamer(team), markets, start=date(2026, 12, 9), shows=1, length=HOUR)
    assert caught.value.zone in {team, "Asia/Almata"}
    assert str(caught.value) == f"Unknown time zone: {caught.value.zone}."


# -- the seeded Khorgos studio ------------------------------------------------------------


def khorgos_plan() -> tuple[Streamer, list[Market], Plan]:
    world = seeds.read(SEEDS)
    studio = next(s for s in world.streamers if s.id == "khorgos-it")
    by_code = {m.code: m for m in world.markets}
    markets = [by_code[c] for c in ("KZ", "UZ", "KG", "RU", "EU")]
    start = date(2026, 12, 7)
    plan = plan_shows(
        studio,
        markets,
        start=start,
        shows=5,
        length=MINUTES_90,
        gap=2 * HOUR,
        holidays=market_holidays(markets, start, 7),
    )
    return studio, markets, plan


def test_khorgos_shows_land_in_the_buyers_evening_peak() -> None:
    studio, markets, plan = khorgos_plan()
    assert studio.zone == "Asia/Urumqi"
    assert len(plan.slots) == 5
    for slot in plan.slots:
        almaty = next(lt for lt in slot.local if lt.zone == "Asia/Almaty")
        assert time(18) <= almaty.start.time() < time(23)
        # Most of the slot's weighted audience is in its market's peak at the start.
        in_peak = sum(
            slot.shares[m.code]
            for m in markets
            for lt in slot.local
            if lt.market == m.code
            and lt.zone == m.zones[0]
            and audience_curve(m, lt.start.date())[lt.start.hour] >= PEAK_LEVEL
        )
        assert in_peak > 0.5
        # Night for the studio exactly when the show runs past 23:00 in Urumqi.
        past_eleven = slot.streamer_end.time() > time(23) or (
            slot.streamer_end.date() > slot.streamer_start.date()
        )
        assert slot.night is past_eleven
    # Weekend peaks start two hours earlier, so all five markets peak together from 15:00Z
    # (20:00 Almaty, 21:00 Urumqi): 0.82 · 1.5 h = 1.23. On weekdays the best is 16:00Z
    # (21:00 Almaty, 22:00–23:30 Urumqi: night), (4·0.785 + 2·0.77)/4 = 1.17.
    assert [(s.start, round(s.score, 6), s.night) for s in plan.slots] == [
        (utc("2026-12-12T15:00"), 1.23, False),
        (utc("2026-12-13T15:00"), 1.23, False),
        (utc("2026-12-07T16:00"), 1.17, True),
        (utc("2026-12-08T16:00"), 1.17, True),
        (utc("2026-12-09T16:00"), 1.17, True),
    ]


def test_where_to_stream_from_urumqi_or_shanghai() -> None:
    _, _, plan = khorgos_plan()
    urumqi, shanghai = compare_zones(plan, ["Asia/Urumqi", "Asia/Shanghai"])
    # The weekend slots (21:00 in Urumqi) are awake there; at 23:00 Shanghai they are not.
    assert (urumqi.zone, urumqi.slots, urumqi.slots_awake) == ("Asia/Urumqi", 5, 2)
    assert (shanghai.zone, shanghai.slots, shanghai.slots_awake) == ("Asia/Shanghai", 5, 0)
    # Weighted buyer-peak hours of the week (weights KZ .3 UZ .18 KG .1 RU .17 EU .07):
    # weekday 3.64, weekend 5.64, UZ's holiday (Tue) +0.72: 4·3.64 + 4.36 + 2·5.64 = 30.2.
    # Awake 10–23 in Urumqi is 04–17Z: weekday 2.37, Tue 3.09, weekend 4.37 → 21.31.
    # Awake 10–23 in Shanghai is 02–15Z: weekday 1.04, Tue 1.76, weekend 2.73 → 11.38.
    assert urumqi.peak_hours_total == pytest.approx(30.2)
    assert urumqi.peak_hours == pytest.approx(21.31)
    assert shanghai.peak_hours == pytest.approx(11.38)


def test_compare_zones_rejects_an_unknown_zone() -> None:
    _, _, plan = khorgos_plan()
    with pytest.raises(UnknownZoneError):
        compare_zones(plan, ["Mars/Olympus"])


# -- staff coverage -----------------------------------------------------------------------

MODERATORS = [
    Moderator("Aigerim", "Asia/Almaty", ("kk", "ru"), [HourRange(18, 24)]),
    Moderator("Dilnoza", "Asia/Tashkent", ("uz", "ru"), [HourRange(9, 18)]),
    Moderator("Wang", "Asia/Shanghai", ("zh", "ug"), [HourRange(20, 2)]),
    Moderator("Azamat", "Asia/Bishkek", ("ky",), {5: [HourRange(12, 22)], 6: [HourRange(12, 22)]}),
]
LANGS = ("kk", "ru", "uz", "ky", "zh")


@pytest.mark.parametrize(
    ("start", "end", "covered", "missing"),
    [
        # Wed: Almaty 20:00–21:30, Tashkent 20:00, Shanghai 23:00–00:30, Bishkek (weekday).
        (
            "2026-12-09T15:00",
            "2026-12-09T16:30",
            {"kk": ("Aigerim",), "ru": ("Aigerim",), "zh": ("Wang",)},
            ("uz", "ky"),
        ),
        # Wed: Tashkent 11:00–12:30 is Dilnoza's; Almaty 11:00 is nobody's.
        (
            "2026-12-09T06:00",
            "2026-12-09T07:30",
            {"uz": ("Dilnoza",), "ru": ("Dilnoza",)},
            ("kk", "ky", "zh"),
        ),
        # Sat: Bishkek 21:00–22:30 … Azamat stops at 22:00, so not the whole slot.
        (
            "2026-12-12T15:00",
            "2026-12-12T16:30",
            {"kk": ("Aigerim",), "ru": ("Aigerim",), "zh": ("Wang",)},
            ("uz", "ky"),
        ),
        # Sat: Bishkek 20:00–21:30 is inside Azamat's weekend hours.
        (
            "2026-12-12T14:00",
            "2026-12-12T15:30",
            {"kk": ("Aigerim",), "ru": ("Aigerim",), "ky": ("Azamat",), "zh": ("Wang",)},
            ("uz",),
        ),
        # Wed: Almaty 23:00–00:30 runs past Aigerim's midnight; Shanghai 02:00 past Wang's.
        ("2026-12-09T18:00", "2026-12-09T19:30", {}, ("kk", "ru", "uz", "ky", "zh")),
    ],
)
def test_coverage(
    start: str,
    end: str,
    covered: dict[str, tuple[str, ...]],
    missing: tuple[str, ...],
) -> None:
    coverage = cover(utc(start), utc(end), LANGS, MODERATORS)
    assert coverage.covered == covered
    assert coverage.missing == missing


def test_plan_reports_coverage_per_slot() -> None:
    markets = [
        market("KZ", "Asia/Almaty", 0.6, [(19, 23)], ("kk", "ru")),
        market("UZ", "Asia/Tashkent", 0.4, [(19, 23)], ("uz", "ru")),
    ]
    team = streamer("Asia/Urumqi", [(10, 23)])
    args: dict[str, Any] = {"start": date(2026, 12, 9), "days": 2, "shows": 2, "length": MINUTES_90}
    plain = plan_shows(team, markets, **args)
    assert all(s.coverage is None for s in plain.slots)
    staffed = plan_shows(team, markets, moderators=MODERATORS, **args)
    for slot in staffed.slots:
        assert slot.coverage == cover(slot.start, slot.end, ("kk", "ru", "uz"), MODERATORS)
        assert slot.coverage.missing == ("uz",)
    chosen = plan_shows(team, markets, moderators=[], languages=["ru", "zh"], **args)
    assert all(s.coverage == cover(s.start, s.end, ("ru", "zh"), []) for s in chosen.slots)
    assert chosen.slots[0].coverage is not None
    assert chosen.slots[0].coverage.missing == ("ru", "zh")
