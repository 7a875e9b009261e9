"""Planner benchmark: a 14-day horizon at 15-minute resolution, 10 markets, 3 streamers.

    .venv/bin/python bench/plan.py [--rounds 30] [--json results.json]

The seeded world's 7 markets plus Turkey, Mongolia and Britain (Europe/Istanbul,
Asia/Ulaanbaatar, Europe/London) and its 3 streamers. The horizon starts on 2026-10-19,
so it crosses the European change back to winter time on 2026-10-25. Holidays come
from the `holidays` package (fetched once, outside the timing) and three markets carry
past orders per local hour. Each round plans 10 shows of 90 minutes, 2 hours apart, for
each streamer.

In the same run it times a reference: merely enumerating each streamer's candidate slots
(one every 15 minutes of the horizon) and converting each to every market zone's local
time, the least any planner working from UTC instants does. It prints the median and
95th percentile of both, per plan and per round of 3 streamers; target under 200 ms per
round.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from livecommerce.core.models import HourRange, Market, Streamer  # noqa: E402
from livecommerce.core.planner import Plan, plan_shows  # noqa: E402
from livecommerce.files import seeds  # noqa: E402
from livecommerce.services.planning import market_holidays  # noqa: E402

START = date(2026, 10, 19)
DAYS = 14
RESOLUTION = timedelta(minutes=15)
LENGTH = timedelta(minutes=90)
GAP = timedelta(hours=2)
SHOWS = 10

EXTRA = [
    Market("TR", "TR", ("Europe/Istanbul",), ("ru", "en"), "TRY", 0.05, (HourRange(20, 24),)),
    Market("MN", "MN", ("Asia/Ulaanbaatar",), ("ru",), "MNT", 0.03, (HourRange(19, 23),)),
    Market("GB", "GB", ("Europe/London",), ("en",), "GBP", 0.04, (HourRange(18, 22),)),
]


def world() -> tuple[list[Streamer], list[Market]]:
    seeded = seeds.read(ROOT / "seeds")
    return seeded.streamers, [*seeded.markets, *EXTRA]


def orders() -> dict[str, list[int]]:
    evening = [2, 1, 0, 0, 0, 0, 1, 3, 6, 9, 12, 14, 20, 18, 12, 10, 12, 18, 30, 44, 52, 40, 20, 8]
    return {"KZ": evening, "RU": [c * 2 for c in evening], "CN": evening[12:] + evening[:12]}


def reference(streamer: Streamer, markets: list[Market]) -> int:
    """Enumerate the candidate slots and convert each start to every market zone."""
    home = ZoneInfo(streamer.zone)
    origin = datetime.combine(START, datetime.min.time(), tzinfo=home).astimezone(UTC)
    end = datetime.combine(START + timedelta(days=DAYS), datetime.min.time(), tzinfo=home)
    zones = [ZoneInfo(z) for m in markets for z in m.zones]
    count = 0
    moment = origin
    while moment + LENGTH <= end:
        for zone in zones:
            local = moment.astimezone(zone)
            count += local.hour
        moment += RESOLUTION
    return count


Run = Callable[[Streamer, list[Market]], object]


def timed(
    rounds: int, work: list[tuple[Streamer, list[Market]]], runs: list[Run]
) -> list[list[float]]:
    """Seconds per round for each of `runs`, interleaved round by round so that both see
    the same machine load."""
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(rounds):
        for run, spent in zip(runs, times, strict=True):
            began = time.perf_counter()
            for streamer, markets in work:
                run(streamer, markets)
            spent.append(time.perf_counter() - began)
    return times


def figures(times: list[float], plans: int) -> dict[str, float]:
    ordered = sorted(times)
    median = statistics.median(ordered)
    return {
        "round_min_ms": ordered[0] * 1000,
        "round_median_ms": median * 1000,
        "round_p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000,
        "plan_median_ms": median * 1000 / plans,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    streamers, markets = world()
    holidays = market_holidays(markets, START, DAYS)
    past = orders()

    def plan(streamer: Streamer, markets: list[Market]) -> Plan:
        return plan_shows(
            streamer,
            markets,
            start=START,
            days=DAYS,
            shows=SHOWS,
            length=LENGTH,
            gap=GAP,
            resolution=RESOLUTION,
            holidays=holidays,
            orders=past,
        )

    work = [(s, markets) for s in streamers]
    plan(*work[0])  # warm the zone caches
    reference(*work[0])
    planned, baseline = timed(args.rounds, work, [plan, reference])
    p, r = figures(planned, len(work)), figures(baseline, len(work))
    result = {
        "markets": len(markets),
        "streamers": len(streamers),
        "days": DAYS,
        "resolution_minutes": RESOLUTION // timedelta(minutes=1),
        "cells": DAYS * 24 * 4,
        "shows": SHOWS,
        "rounds": args.rounds,
        "planner": p,
        "reference": r,
        "python": sys.version.split()[0],
    }
    print(
        f"{len(markets)} markets, {len(streamers)} streamers, {DAYS} days at 15 min, "
        f"{SHOWS} shows each, {args.rounds} rounds"
    )
    print(f"{'':24}{'min/round':>11}{'median/round':>14}{'p95/round':>12}{'median/plan':>14}")
    for name, f in (("planner", p), ("reference (enumerate)", r)):
        print(
            f"{name:24}{f['round_min_ms']:>8.1f} ms{f['round_median_ms']:>11.1f} ms"
            f"{f['round_p95_ms']:>9.1f} ms{f['plan_median_ms']:>11.1f} ms"
        )
    ratio = p["round_median_ms"] / r["round_median_ms"]
    verdict = "under" if p["round_median_ms"] < 200 else "OVER"
    print(f"planner / reference (medians): {ratio:.1f}×; {verdict} the 200 ms target per round")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
