"""The report as a reader sees it: each revenue column adds up to the total printed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from babel.numbers import parse_decimal

from livecommerce.core.attribution import Rates, attribute
from livecommerce.core.models import ExchangeRate, Order, Show, ShowStatus
from livecommerce.core.report import build
from livecommerce.files.reports.view import build_view
from livecommerce.i18n import Localizer

START = datetime(2026, 11, 20, 13, tzinfo=UTC)
SHOW = Show("kit", "KIT", "khorgos-it", START, START + timedelta(hours=2), ("KZ", "CN"),
            ("kk", "zh"), ShowStatus.SCHEDULED)  # fmt: skip


def test_revenue_lines_add_up_to_the_total_as_printed() -> None:
    """Three products of a third of a yuan each in EUR at a rate that leaves thirds of a
    cent: rounded one by one the lines would say 0.03 + 0.03 + 0.03 under a total of 0.10."""
    rate = Rates("EUR", [ExchangeRate(date(2026, 11, 20), "EUR", "CNY", Decimal(1) / 30)])
    orders = [
        Order(f"o{sku}", START + timedelta(minutes=5), sku, 1, Decimal(1), "CNY", "CN", "zh", "KIT")
        for sku in ("A", "B", "C")
    ]
    credits = attribute(SHOW, [], orders, rate)
    report = build(SHOW, credits, [], [], {}, [], "EUR", timedelta(hours=2))
    l10n = Localizer("en")
    view = build_view(report, l10n, [])
    total = dict(view.totals)["Revenue"]
    assert total == "€0.10"
    (products,) = [t for t in view.tables if t.title == "Products"]
    column = products.columns.index("Revenue")
    cells = [row[column] for row in products.rows]
    assert sum(parse_decimal(c.lstrip("€"), locale="en") for c in cells) == Decimal("0.10")
    assert sorted(cells) == ["€0.03", "€0.03", "€0.04"]
