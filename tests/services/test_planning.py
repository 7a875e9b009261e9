"""What planning gathers besides the form: past orders per market and local hour, blended
into the plan, and the moderators on shift; on a real store holding the demo world."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from livecommerce.core.models import HourRange, Order
from livecommerce.core.planner import ORDERS_PRIOR, Moderator, audience_curve
from livecommerce.files import seeds
from livecommerce.i18n import localizer
from livecommerce.services.planning import (
    World,
    coverage_lines,
    load_world,
    make_plan,
    orders_by_hour,
    planned_shows,
)
from livecommerce.store import SqlStore
from tests.conftest import NOW, SEEDS

WORLD = seeds.read(SEEDS)
MARKETS = {m.code: m for m in WORLD.markets}
KHORGOS = next(s for s in WORLD.streamers if s.id == "khorgos-it")
MONDAY = date(2026, 12, 7)  # a week with no public holiday in Kazakhstan or Uzbekistan


def order(number: int, ts: datetime, country: str, lang: str, currency: str = "KZT") -> Order:
    return Order(
        id=f"T-{number}",
        ts=ts,
        sku="IT-RTR-AX3",
        qty=1,
        unit_price=Decimal(22900),
        currency=currency,
        buyer_country=country,
        buyer_lang=lang,
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- past orders per market and local hour -------------------------------------------------


def test_orders_count_in_the_buyers_market_and_local_hour() -> None:
    markets = [MARKETS[c] for c in ("KZ", "EU", "CN", "XJ")]
    orders = [
        # Almaty is UTC+5: 08:30Z is 13:30 local, twice.
        order(1, utc("2026-11-20T08:30"), "KZ", "kk"),
        order(2, utc("2026-11-21T08:59"), "KZ", "ru"),
        # A Polish buyer in summer: Warsaw is UTC+2, 17:10Z is 19:10.
        order(3, utc("2026-07-01T17:10"), "PL", "en", "EUR"),
        # A French buyer counts for EU, read on the main zone (Warsaw, UTC+1 in winter).
        order(4, utc("2026-11-20T17:10"), "FR", "en", "EUR"),
        # China: Uyghur readers are Xinjiang's (UTC+6), Chinese ones China's (UTC+8).
        order(5, utc("2026-11-20T12:00"), "CN", "ug", "CNY"),
        order(6, utc("2026-11-20T12:00"), "CN", "zh", "CNY"),
        # A Russian buyer: RU is not planned for, so the order counts nowhere.
        order(7, utc("2026-11-20T12:00"), "RU", "ru", "RUB"),
        # A country no market serves.
        order(8, utc("2026-11-20T12:00"), "US", "en", "USD"),
    ]
    counts = orders_by_hour(orders, markets, WORLD.markets)
    assert set(counts) == {"KZ", "EU", "CN", "XJ"}
    assert all(len(hours) == 24 for hours in counts.values())
    assert {h: n for h, n in enumerate(counts["KZ"]) if n} == {13: 2}
    assert {h: n for h, n in enumerate(counts["EU"]) if n} == {19: 1, 18: 1}
    assert {h: n for h, n in enumerate(counts["XJ"]) if n} == {18: 1}
    assert {h: n for h, n in enumerate(counts["CN"]) if n} == {20: 1}


def test_a_buyer_counts_on_the_clock_of_their_country_among_the_market_zones() -> None:
    # Lisbon is UTC+0 in November, Warsaw UTC+1: 17:10Z is 17:10 in one, 18:10 in the other.
    eu = replace(MARKETS["EU"], zones=("Europe/Lisbon", "Europe/Warsaw"))
    known = [eu, *(m for m in WORLD.markets if m.code != "EU")]
    moment = utc("2026-11-20T17:10")
    orders = [
        order(1, moment, "PT", "en", "EUR"),
        order(2, moment, "PL", "en", "EUR"),
        order(3, moment, "FR", "en", "EUR"),  # no zone of France: the main zone, Lisbon
    ]
    counts = orders_by_hour(orders, [eu], known)["EU"]
    assert {h: n for h, n in enumerate(counts) if n} == {17: 2, 18: 1}


async def test_the_store_gives_the_orders_placed_before_now(seeded_store: SqlStore) -> None:
    later = order(1, NOW + timedelta(minutes=1), "KZ", "kk")
    await seeded_store.add_orders([later])
    world = await load_world(seeded_store, NOW)
    assert later not in world.orders
    assert len(world.orders) == len(WORLD.orders)
    assert all(o.ts < NOW for o in world.orders)


# -- blended into the plan ----------------------------------------------------------------


async def test_orders_at_one_local_hour_move_the_plan_toward_it(seeded_store: SqlStore) -> None:
    kz = [MARKETS["KZ"]]
    before = make_plan(
        await load_world(seeded_store, NOW),
        KHORGOS,
        kz,
        start=MONDAY,
        days=7,
        shows=1,
        length=timedelta(minutes=90),
        gap=timedelta(hours=2),
        now=NOW,
    )
    almaty = ZoneInfo("Asia/Almaty")
    first = before.plan.slots[0].start.astimezone(almaty)
    assert 18 <= first.hour <= 22  # the seeded evening peak

    # Two thousand Kazakh orders, all at 13:xx in Almaty, in the weeks before now.
    lunch = [
        order(i, datetime(2026, 11, 1 + i % 25, 8, i % 60, tzinfo=UTC), "KZ", "kk")
        for i in range(2000)
    ]
    await seeded_store.add_orders(lunch)
    world = await load_world(seeded_store, NOW)
    after = make_plan(
        world,
        KHORGOS,
        kz,
        start=MONDAY,
        days=7,
        shows=1,
        length=timedelta(minutes=90),
        gap=timedelta(hours=2),
        now=NOW,
    )
    seeded_kz = sum(before.orders["KZ"])
    assert after.past_orders()["KZ"].orders == seeded_kz + 2000
    weight = after.past_orders()["KZ"].weight
    assert weight == pytest.approx((seeded_kz + 2000) / (seeded_kz + 2000 + ORDERS_PRIOR))
    # The curve rises at 13:00 and sinks in the evening …
    plain = audience_curve(MARKETS["KZ"], MONDAY)
    blended = audience_curve(MARKETS["KZ"], MONDAY, orders=after.orders["KZ"])
    assert blended[13] > plain[13]
    assert blended[20] < plain[20]
    # … and the best show now covers the lunch hour.
    slot = after.plan.slots[0]
    start, end = slot.start.astimezone(almaty), slot.end.astimezone(almaty)
    assert start.hour <= 13 < end.hour + (end.minute > 0)
    assert slot.start != before.plan.slots[0].start


def test_no_orders_leaves_the_seeded_curve() -> None:
    world = World(WORLD.markets, WORLD.streamers, WORLD.products, [])
    planned = make_plan(
        world,
        KHORGOS,
        [MARKETS["KZ"]],
        start=MONDAY,
        days=7,
        shows=2,
        length=timedelta(minutes=90),
        gap=timedelta(hours=2),
        now=NOW,
    )
    assert planned.past_orders()["KZ"].orders == 0
    assert planned.past_orders()["KZ"].weight == 0
    assert planned.moderators is None
    assert all(s.coverage is None for s in planned.plan.slots)


# -- moderators on shift ------------------------------------------------------------------

TEAM = [
    Moderator("Aigerim", "Asia/Almaty", ("kk", "ru"), (HourRange(18, 24),)),
    Moderator("Dilnoza", "Asia/Tashkent", ("uz",), {5: (HourRange(18, 23),)}),
]


KK_RU = {"kk": ("Aigerim",), "ru": ("Aigerim",)}


@pytest.mark.parametrize(
    ("first", "days", "shows", "gap", "expected"),
    [
        # Weekdays: the peak is 19:00–23:00 in Almaty and Tashkent (both UTC+5), so each
        # day's best slot starts at 19:00. Aigerim is on; Dilnoza works Saturdays only.
        (
            MONDAY,
            5,
            5,
            timedelta(hours=2),
            [(f"2026-12-{d:02d} 19:00", KK_RU, ("uz",)) for d in range(7, 12)],
        ),
        # Saturday: the peak starts two hours earlier, so every 90 minutes from 17:00 to
        # 23:00 score the same and the earliest win: 17:00, before either moderator
        # starts at 18:00, and 18:30, within both shifts.
        (
            date(2026, 12, 12),
            1,
            2,
            timedelta(0),
            [
                ("2026-12-12 17:00", {}, ("kk", "ru", "uz")),
                ("2026-12-12 18:30", {**KK_RU, "uz": ("Dilnoza",)}, ()),
            ],
        ),
    ],
)
def test_coverage_of_a_plan_as_worked_out_by_hand(
    first: date,
    days: int,
    shows: int,
    gap: timedelta,
    expected: list[tuple[str, dict[str, tuple[str, ...]], tuple[str, ...]]],
) -> None:
    world = World(WORLD.markets, WORLD.streamers, WORLD.products, [])
    markets = [MARKETS["KZ"], MARKETS["UZ"]]
    planned = make_plan(
        world,
        KHORGOS,
        markets,
        start=first,
        days=days,
        shows=shows,
        length=timedelta(minutes=90),
        gap=gap,
        now=NOW,
        moderators=TEAM,
    )
    almaty = ZoneInfo("Asia/Almaty")
    got = [
        (
            s.start.astimezone(almaty).strftime("%Y-%m-%d %H:%M"),
            s.coverage.covered if s.coverage else None,
            s.coverage.missing if s.coverage else None,
        )
        for s in sorted(planned.plan.slots, key=lambda s: s.start)
    ]
    assert got == expected
    # Written as shows, each language lists the moderators on shift.
    shows_written = planned_shows(KHORGOS, markets, planned.plan, [])
    assert [show.moderators for show in shows_written] == [covered for _, covered, _ in expected]


def test_coverage_lines_name_languages_for_the_reader() -> None:
    world = World(WORLD.markets, WORLD.streamers, WORLD.products, [])
    planned = make_plan(
        world,
        KHORGOS,
        [MARKETS["KZ"], MARKETS["UZ"]],
        start=MONDAY,
        days=1,
        shows=1,
        length=timedelta(minutes=90),
        gap=timedelta(0),
        now=NOW,
        moderators=TEAM,
    )
    coverage = planned.plan.slots[0].coverage
    assert coverage is not None
    lines = coverage_lines(localizer("ru"), coverage)
    assert [(line.lang, line.language, line.names) for line in lines] == [
        ("kk", "Казахский", "Aigerim"),
        ("ru", "Русский", "Aigerim"),
        ("uz", "Узбекский", None),
    ]
