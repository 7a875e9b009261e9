"""The post-show report over real HTTP: JSON, CSV and the page, checked against the
seeds computed here by hand (the rule of issue 4), not against the code's own output."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import SEEDS, Server

SHOW = "khorgos-it-2026-11-20"
CODE = "KIT1120"
STARTS = datetime.fromisoformat("2026-11-20T13:00:00+00:00")
ENDS = datetime.fromisoformat("2026-11-20T15:00:00+00:00")
WINDOW = timedelta(hours=2)
CENT = Decimal("0.01")


@dataclass
class Expected:
    """The finished show's numbers, worked out from the seed files alone."""

    orders: int = 0
    units: int = 0
    revenue: Decimal = Decimal(0)
    by_currency: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    attributed: int = 0
    by_code_only: int = 0
    skus_sold: Counter[str] = field(default_factory=Counter)
    skus_mentioned: Counter[str] = field(default_factory=Counter)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _rate(rates: dict[tuple[str, str], Decimal], currency: str, day: str) -> Decimal:
    """How many CNY one unit of `currency` is worth: the latest rate on or before `day`."""
    known = [d for (d, c) in rates if c == currency and d <= day]
    return rates[(max(known), currency)]


def expected(currency: str = "CNY", seeds: Path = SEEDS) -> Expected:
    """Issue 4's rule, applied to seeds/: an order belongs to the show when it carries the
    show's code, or else was placed between the start and two hours after the end and its
    sku was mentioned in the show before it. Amounts convert at the rate of the order's
    day; the seeds keep rates in CNY, so another currency goes through CNY."""
    mentioned: dict[str, list[datetime]] = defaultdict(list)
    result = Expected()
    for row in _read(seeds / "mentions" / f"{SHOW}.csv"):
        mentioned[row["sku"]].append(datetime.fromisoformat(row["ts"]))
        result.skus_mentioned[row["sku"]] += 1
    rates = {
        (row["date"], row["currency"]): Decimal(row["rate"])
        for row in _read(seeds / "exchange_rates.csv")
        if row["base"] == "CNY"
    }
    for row in _read(seeds / "orders.csv"):
        ts = datetime.fromisoformat(row["ts"])
        said_before = any(moment <= ts for moment in mentioned.get(row["sku"], []))
        if row["show"]:
            belongs = row["show"] in (CODE, SHOW)
        else:
            belongs = STARTS <= ts <= ENDS + WINDOW and said_before
        if not belongs:
            continue
        qty, amount = int(row["qty"]), int(row["qty"]) * Decimal(row["unit_price"])
        day = row["ts"][:10]
        in_cny = amount * _rate(rates, row["currency"], day)
        result.orders += 1
        result.units += qty
        result.revenue += in_cny if currency == "CNY" else in_cny / _rate(rates, currency, day)
        result.by_currency[row["currency"]] += amount
        result.skus_sold[row["sku"]] += 1
        if said_before:
            result.attributed += 1
        else:
            result.by_code_only += 1
    return result


async def fetch(server: Server, path: str, **headers: str) -> tuple[int, str, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url(path), headers=headers) as response,
    ):
        return response.status, response.content_type, await response.text()


async def report(server: Server, query: str = "", **headers: str) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url(f"/api/streams/{SHOW}/report{query}"), headers=headers) as r,
    ):
        assert r.status == 200, await r.text()
        data: dict[str, Any] = await r.json()
        return data


def test_the_hand_computed_expectation_is_not_empty() -> None:
    # Guards the test itself: the seeds give the show real, mixed-currency sales.
    seen = expected()
    assert seen.orders > 20
    assert len(seen.by_currency) >= 4
    assert seen.revenue > 0


async def test_json_totals_match_the_seeds(server: Server) -> None:
    want = expected()
    data = await report(server)
    assert data["show"]["id"] == SHOW
    assert data["show"]["code"] == CODE
    assert data["base_currency"] == "CNY"
    totals = data["totals"]
    assert totals["orders"] == want.orders
    assert totals["units"] == want.units
    assert Decimal(totals["revenue"]) == want.revenue.quantize(CENT)
    assert {c: Decimal(v) for c, v in totals["by_currency"].items()} == want.by_currency
    assert totals["attributed_orders"] == want.attributed
    assert totals["unattributed_orders"] == want.by_code_only
    assert totals["unconverted_orders"] == 0
    # The parts add up to the whole.
    assert sum(p["orders"] for p in data["products"]) == want.orders
    assert sum(m["orders"] for m in data["markets"]) == want.orders
    assert sum(lang["orders"] for lang in data["languages"]) == want.orders
    assert abs(sum(Decimal(p["revenue"]) for p in data["products"]) - want.revenue) < 0.1
    assert sum(t["orders"] for t in data["timeline"]) == want.orders
    assert sum(t["mentions"] for t in data["timeline"]) == sum(want.skus_mentioned.values())


async def test_json_products_match_the_seeds(server: Server) -> None:
    want = expected()
    data = await report(server)
    by_sku = {p["sku"]: p for p in data["products"]}
    assert set(by_sku) == set(want.skus_sold) | set(want.skus_mentioned)
    for sku, line in by_sku.items():
        assert line["orders"] == want.skus_sold[sku], sku
        assert sum(line["mentions"].values()) == want.skus_mentioned[sku], sku
        assert line["names"]["ru"]
        assert line["unanswered"] <= line["questions"]
    # Best sellers first.
    orders = [p["orders"] for p in data["products"]]
    assert orders == sorted(orders, reverse=True)


async def test_csv_has_a_header_and_one_row_per_product(server: Server) -> None:
    want = expected()
    status, content_type, text = await fetch(
        server, f"/api/streams/{SHOW}/report?format=csv", **{"Accept-Language": "ru"}
    )
    assert status == 200
    assert content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(text)))
    header = text.splitlines()[0].split(",")
    assert header[:2] == ["sku", "name"]
    assert {"orders", "revenue", "currency", "mentions"} <= set(header)
    assert len(rows) == len(set(want.skus_sold) | set(want.skus_mentioned))
    assert {r["sku"] for r in rows} == set(want.skus_sold) | set(want.skus_mentioned)
    assert sum(int(r["orders"]) for r in rows) == want.orders
    assert {r["currency"] for r in rows} == {"CNY"}
    laptop = next(r for r in rows if r["sku"] == "IT-LAP-14")
    assert laptop["name"] == "Ноутбук X14 14 дюймов"  # the reader's language
    assert int(laptop["orders"]) == want.skus_sold["IT-LAP-14"]


async def test_the_csv_download_is_named_after_the_show(server: Server) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url(f"/api/streams/{SHOW}/report?format=csv")) as response,
    ):
        assert SHOW in response.headers["Content-Disposition"]


@pytest.mark.parametrize("asked", ["EUR", "eur", "KZT"])
async def test_another_currency_converts_through_the_seeds_cny_rates(
    server: Server, asked: str
) -> None:
    # The seeds keep every rate in CNY; EUR and KZT figures come through CNY cross
    # rates on each order's day, and no order is left unconverted.
    want = expected(asked.upper())
    data = await report(server, f"?currency={asked}")
    assert data["base_currency"] == asked.upper()
    totals = data["totals"]
    assert totals["orders"] == want.orders
    assert totals["unconverted_orders"] == 0
    assert abs(Decimal(totals["revenue"]) - want.revenue) <= CENT
    # Amounts paid are what buyers paid, whatever the report's currency.
    assert {c: Decimal(v) for c, v in totals["by_currency"].items()} == want.by_currency


async def test_a_currency_without_a_rate_on_the_days_reports_unconverted_orders(
    server: Server,
) -> None:
    """USD is known (a rate from the week after the show), but no order's day has one."""
    from datetime import date

    from livecommerce.core.models import ExchangeRate

    later = ExchangeRate(date(2026, 12, 1), "CNY", "USD", Decimal("7.1"))
    await server.services.store.put_exchange_rates([later])
    data = await report(server, "?currency=USD")
    totals = data["totals"]
    assert totals["orders"] == expected().orders
    assert totals["unconverted_orders"] == totals["orders"]
    assert Decimal(totals["revenue"]) == 0
    status, _, page = await fetch(server, f"/streams/{SHOW}/report?currency=USD&lang=en")
    assert status == 200
    assert "Orders without an exchange rate" in page


async def test_a_currency_nothing_is_priced_or_rated_in_is_a_clear_400(server: Server) -> None:
    """Not a report of zeros: the reader is told which currencies the shop knows."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            server.url(f"/api/streams/{SHOW}/report?currency=ABC"),
            headers={"Accept-Language": "ru"},
        ) as response,
    ):
        assert response.status == 400
        body = await response.json()
    assert body["error"]["code"] == "unknown_currency"
    assert "ABC" in body["error"]["message"]
    assert "KZT" in body["error"]["message"]
    assert "не известны" in body["error"]["message"]
    status, _, page = await fetch(server, f"/streams/{SHOW}/report?currency=abc&lang=zh")
    assert status == 400
    assert "没有以 ABC 计的价格或汇率" in page


@pytest.mark.parametrize("currency", ["EURO", "E1", "", "€", "<script>", "e u"])
async def test_a_bad_currency_is_400(server: Server, currency: str) -> None:
    from urllib.parse import quote

    async with (
        aiohttp.ClientSession() as session,
        session.get(
            server.url(f"/api/streams/{SHOW}/report?currency={quote(currency)}"),
            headers={"Accept-Language": "ru"},
        ) as response,
    ):
        assert response.status == 400
        body = await response.json()
    assert body["error"]["code"] == "bad_currency"
    assert body["error"]["message"].strip()
    assert "<script>" not in body["error"]["message"]


async def test_an_unknown_show_is_404_json_on_the_api(server: Server) -> None:
    for query in ("", "?format=csv"):
        status, content_type, text = await fetch(server, f"/api/streams/no-such-show/report{query}")
        assert status == 404
        assert content_type == "application/json"
        assert '"unknown_stream"' in text


async def test_an_unknown_show_is_a_404_page(server: Server) -> None:
    status, content_type, text = await fetch(
        server, "/streams/no-such-show/report", **{"Accept-Language": "ug"}
    )
    assert status == 404
    assert content_type == "text/html"
    assert 'dir="rtl"' in text
    assert "<table" not in text


async def test_the_page_has_tables_charts_and_the_readers_language(server: Server) -> None:
    status, content_type, text = await fetch(
        server, f"/streams/{SHOW}/report", **{"Accept-Language": "ru"}
    )
    assert status == 200
    assert content_type == "text/html"
    assert '<html lang="ru" dir="ltr">' in text
    assert '<script src="/static/vendor/plotly.min.js"></script>' in text
    assert text.count('class="chart"') == 3
    assert text.count("Plotly.newPlot") == 3
    assert "<table>" in text
    assert "Ноутбук X14 14 дюймов" in text
    assert "IT-пятница из Хоргоса" in text  # the show's Russian title


@pytest.mark.parametrize(
    ("header", "lang", "direction"),
    [("ug", "ug", "rtl"), ("zh-CN", "zh-Hans", "ltr"), ("kk", "kk", "ltr")],
)
async def test_the_page_speaks_each_readers_language(
    server: Server, header: str, lang: str, direction: str
) -> None:
    status, _, text = await fetch(server, f"/streams/{SHOW}/report", **{"Accept-Language": header})
    assert status == 200
    assert f'<html lang="{lang}" dir="{direction}">' in text
    assert text.count("Plotly.newPlot") == 3


async def test_plotly_is_served_for_the_page(server: Server) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(server.url("/static/vendor/plotly.min.js")) as response,
    ):
        assert response.status == 200
        assert response.content_type == "application/javascript"
        assert "max-age" in response.headers["Cache-Control"]
        body = await response.text()
    assert len(body) > 1_000_000
    assert "Plotly" in body[:5000] or "plotly" in body[:5000]


async def test_the_report_includes_what_the_live_parts_still_hold(server: Server) -> None:
    # A mention queued a moment ago is in the next report: the report drains the log.
    from livecommerce.core.models import MentionSource

    before = await report(server)
    server.services.mentions.record(
        SHOW, ["IT-TAB-11"], MentionSource.PIN, "ru", STARTS + timedelta(minutes=90)
    )
    after = await report(server)
    line = {p["sku"]: p for p in after["products"]}["IT-TAB-11"]
    was = {p["sku"]: p for p in before["products"]}["IT-TAB-11"]
    assert line["mentions"]["pin"] == was["mentions"].get("pin", 0) + 1
