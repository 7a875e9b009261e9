"""The sales side at volume, in one run on a temporary SQLite data folder.

    python bench/sales.py [--import-rows 200000] [--report-orders 1000000]
                          [--mentions 100000] [--messages 200000] [--import-only]

Measures, each against its target (issue 11):

- `orders import`: rows/s through `files.orders_csv.import_orders` (what the command
  runs: every row checked, stored in batches), over a generated CSV, and the process's
  CPU time over it (`--import-only` measures this alone);
- the report of one show with `--report-orders` orders: `services.reporting.review`,
  cold (nothing cached), then again (served from the cache);
- mentions/s through the mention log (`services.mentions.MentionLog`), durable: the time
  until the writer has committed every one of them;
- the matcher over chat (`core.matching.mentioned`): messages/s over the seeds' chat.

Prints a table; `--json` prints the figures as JSON instead.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from livecommerce.app import open_store
from livecommerce.core.matching import mentioned, product_matcher
from livecommerce.core.models import MentionSource, Order
from livecommerce.core.orders import FIELDS as ORDER_FIELDS
from livecommerce.files import seeds
from livecommerce.files.orders_csv import import_orders
from livecommerce.i18n import localizer
from livecommerce.metrics import Metrics
from livecommerce.services import reporting
from livecommerce.services.mentions import MentionLog
from livecommerce.store import SqlStore

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHOW = "khorgos-it-2026-11-20"
CODE = "KIT1120"
STARTS = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)
COUNTRIES = [("KZ", "kk", "KZT"), ("RU", "ru", "RUB"), ("CN", "zh", "CNY"), ("UZ", "uz", "UZS")]


def _orders(count: int, skus: list[str], prefix: str, rng: random.Random) -> list[Order]:
    made = []
    for n in range(count):
        country, lang, currency = rng.choice(COUNTRIES)
        made.append(
            Order(
                id=f"{prefix}-{n}",
                ts=STARTS + timedelta(seconds=rng.uniform(0, 4 * 3600)),
                sku=rng.choice(skus),
                qty=rng.randint(1, 3),
                unit_price=Decimal(rng.randint(1000, 200000)),
                currency=currency,
                buyer_country=country,
                buyer_lang=lang,
                show_ref=CODE if rng.random() < 0.3 else None,
            )
        )
    return made


def _write_csv(path: Path, orders: list[Order]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(ORDER_FIELDS)  # the columns `orders import` reads
        for o in orders:
            out.writerow(
                [
                    o.id,
                    o.ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    o.sku,
                    o.qty,
                    o.unit_price,
                    o.currency,
                    o.buyer_country,
                    o.buyer_lang,
                    o.show_ref or "",
                ]
            )


async def _import(store: SqlStore, folder: Path, rows: int, skus: list[str]) -> tuple[float, float]:
    """Rows per second, and the process's CPU seconds (all its threads) over the import:
    the steadier figure on a machine shared with other work."""
    path = folder / "orders.csv"
    _write_csv(path, _orders(rows, skus, "IMP", random.Random(1)))
    cpu = time.process_time()
    started = time.perf_counter()
    outcome = await import_orders(store, path, set(skus), datetime.now(UTC), localizer("en"))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    if outcome.accepted != rows:
        raise SystemExit(f"import accepted {outcome.accepted} of {rows} rows")
    return rows / elapsed, cpu


async def _report(store: SqlStore, count: int, skus: list[str]) -> tuple[float, float, int]:
    rng = random.Random(2)
    for start in range(0, count, 100_000):
        await store.add_orders(_orders(min(100_000, count - start), skus, f"R{start}", rng))
    started = time.perf_counter()
    report = await reporting.review(store, SHOW, "CNY")
    cold = time.perf_counter() - started
    started = time.perf_counter()
    await reporting.review(store, SHOW, "CNY")
    warm = time.perf_counter() - started
    assert report is not None
    return cold, warm, report.totals.orders


async def _mentions(store: SqlStore, count: int, skus: list[str]) -> float:
    log = MentionLog(store, Metrics(), max_buffer=count + 1)
    log.start()
    started = time.perf_counter()
    for n in range(count):
        # One chat message each: every mention is its own event, none a duplicate.
        log.record(SHOW, [skus[n % len(skus)]], MentionSource.CHAT, "ru", STARTS, 10**6 + n)
        if n % 1000 == 999:
            await asyncio.sleep(0)  # the writer runs as the relay would let it
    await log.writer.drain()
    elapsed = time.perf_counter() - started
    await log.close(10)
    return count / elapsed


def _matcher(products: list, count: int) -> float:  # type: ignore[type-arg]
    texts = []
    for path in sorted((SEEDS / "chat").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]
    matcher = product_matcher(products)
    messages = (texts * (count // len(texts) + 1))[:count]
    started = time.perf_counter()
    found = sum(1 for text in messages if mentioned(matcher, text))
    elapsed = time.perf_counter() - started
    if not found:
        raise SystemExit("the matcher found no product in the seeds' chat")
    return count / elapsed


async def run(args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-sales-") as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'livecommerce.db'}")
        await store.start()
        try:
            await seeds.load(store, SEEDS)
            products = await store.products()
            skus = [p.sku for p in products]
            rows_per_s, import_cpu = await _import(store, Path(folder), args.import_rows, skus)
            if args.import_only:
                return {"import_rows_per_s": rows_per_s, "import_cpu_s": import_cpu}
            cold, warm, credited = await _report(store, args.report_orders, skus)
            mentions_per_s = await _mentions(store, args.mentions, skus)
        finally:
            await store.close()
    return {
        "import_rows_per_s": rows_per_s,
        "import_cpu_s": import_cpu,
        "report_orders": float(credited),
        "report_cold_s": cold,
        "report_cached_s": warm,
        "mentions_per_s": mentions_per_s,
        "matcher_msgs_per_s": _matcher(products, args.messages),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--import-rows", type=int, default=200_000)
    parser.add_argument("--report-orders", type=int, default=1_000_000)
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--import-only", action="store_true", help="Measure the import alone.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    if args.import_only:
        print(
            f"orders import ({args.import_rows:,} rows): {figures['import_rows_per_s']:,.0f}"
            f" rows/s, {figures['import_cpu_s']:.2f} s of CPU (target >= 50,000 rows/s)"
        )
        return
    rows = [
        (
            f"orders import ({args.import_rows:,} rows)",
            figures["import_rows_per_s"],
            "rows/s",
            ">= 50,000",
            figures["import_rows_per_s"] >= 50_000,
        ),
        (
            f"report, cold ({int(figures['report_orders']):,} orders credited)",
            figures["report_cold_s"],
            "s",
            "< 5",
            figures["report_cold_s"] < 5,
        ),
        ("report, cached", figures["report_cached_s"], "s", "", True),
        (
            f"mention log, durable ({args.mentions:,})",
            figures["mentions_per_s"],
            "mentions/s",
            ">= 20,000",
            figures["mentions_per_s"] >= 20_000,
        ),
        (
            f"matcher over chat ({args.messages:,} msgs)",
            figures["matcher_msgs_per_s"],
            "msg/s",
            ">= 50,000",
            figures["matcher_msgs_per_s"] >= 50_000,
        ),
    ]
    print(f"{'what':<48} {'measured':>14} {'unit':<11} {'target':<10} met")
    for what, value, unit, target, met in rows:
        shown = f"{value:,.2f}" if unit == "s" else f"{value:,.0f}"
        print(f"{what:<48} {shown:>14} {unit:<11} {target:<10} {'yes' if met else 'NO'}")


if __name__ == "__main__":
    main()
