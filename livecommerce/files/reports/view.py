"""The report as a reader sees it: every label, number, time and price localized.

Terminal, HTML and CSV all render this one view, so they say the same things.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from livecommerce.core.models import Market
from livecommerce.core.report import OTHER_MARKET, Report
from livecommerce.core.rounding import CENT, allocate
from livecommerce.i18n import WHOLE_UNIT_CURRENCIES, Localizer


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    numeric: frozenset[int]  # columns aligned as numbers


@dataclass(frozen=True)
class View:
    title: str
    subtitle: str
    totals: list[tuple[str, str]]
    tables: list[Table]


def _market_name(code: str, markets: dict[str, Market], l10n: Localizer) -> str:
    if code == OTHER_MARKET:
        return l10n.gettext("Other countries")
    market = markets.get(code)
    return market.names.get(l10n.locale.split("_")[0], code) if market else code


def product_name(report: Report, sku: str, l10n: Localizer) -> str:
    for line in report.products:
        if line.sku == sku and line.product is not None:
            return line.product.name(l10n.locale.split("_")[0])
    return sku


def source_name(source: str, l10n: Localizer) -> str:
    names = {
        "pin": l10n.gettext("pinned"),
        "streamer": l10n.gettext("streamer"),
        "transcript": l10n.gettext("speech"),
        "chat": l10n.gettext("chat"),
    }
    return names.get(source, source)


def build_view(report: Report, l10n: Localizer, markets: list[Market]) -> View:
    by_code = {m.code: m for m in markets}
    show = report.show
    lang = l10n.locale.split("_")[0]
    base = report.base_currency
    totals = report.totals
    money = l10n.format_money
    number = l10n.format_number
    # Each revenue column is rounded as a whole: its lines add up to its total, as
    # printed (`allocate`), and the total rounds half up like them.
    unit = Decimal(1) if base in WHOLE_UNIT_CURRENCIES else CENT
    product_revenue = allocate([line.revenue for line in report.products], unit)
    market_revenue = allocate([line.revenue for line in report.markets], unit)
    language_revenue = allocate([line.revenue for line in report.languages], unit)

    summary = [
        (l10n.gettext("Orders"), number(totals.orders)),
        (l10n.gettext("Units sold"), number(totals.units)),
        (l10n.gettext("Revenue"), money(allocate([totals.revenue], unit)[0], base)),
        (
            l10n.gettext("Credited to a product mention"),
            l10n.gettext("{orders} orders, {revenue}").format(
                orders=number(totals.attributed_orders),
                revenue=money(totals.attributed_revenue, base),
            ),
        ),
        (l10n.gettext("By show code only"), number(totals.unattributed_orders)),
    ]
    for currency, amount in totals.by_currency.items():
        summary.append(
            (l10n.gettext("Paid in {currency}").format(currency=currency), money(amount, currency))
        )
    if totals.unconverted_orders:
        summary.append(
            (l10n.gettext("Orders without an exchange rate"), number(totals.unconverted_orders))
        )

    def mentions_cell(counts: dict[str, int]) -> str:
        return ", ".join(
            f"{source_name(source, l10n)} {number(n)}" for source, n in sorted(counts.items())
        )

    products = Table(
        l10n.gettext("Products"),
        [
            l10n.gettext("Product"),
            l10n.gettext("Mentions"),
            l10n.gettext("Orders"),
            l10n.gettext("Units"),
            l10n.gettext("Revenue"),
            l10n.gettext("Orders per mention"),
            l10n.gettext("Minutes to first order"),
            l10n.gettext("Questions (unanswered)"),
        ],
        [
            [
                line.product.name(lang) if line.product else line.sku,
                mentions_cell(line.mentions),
                number(line.orders),
                number(line.units),
                money(revenue, base),
                number(line.conversion) if line.conversion is not None else "–",
                number(round(line.minutes_to_first_order))
                if line.minutes_to_first_order is not None
                else "–",
                f"{number(line.questions)} ({number(line.unanswered)})",
            ]
            for line, revenue in zip(report.products, product_revenue, strict=True)
        ],
        frozenset({2, 3, 4, 5, 6}),
    )
    market_table = Table(
        l10n.gettext("Markets"),
        [
            l10n.gettext("Market"),
            l10n.gettext("Orders"),
            l10n.gettext("Units"),
            l10n.gettext("Revenue"),
            l10n.gettext("Paid"),
        ],
        [
            [
                _market_name(line.code, by_code, l10n),
                number(line.orders),
                number(line.units),
                money(revenue, base),
                ", ".join(money(v, c) for c, v in sorted(line.local_revenue.items())),
            ]
            for line, revenue in zip(report.markets, market_revenue, strict=True)
        ],
        frozenset({1, 2, 3}),
    )
    languages = Table(
        l10n.gettext("Languages"),
        [
            l10n.gettext("Language"),
            l10n.gettext("Orders"),
            l10n.gettext("Revenue"),
            l10n.gettext("Mentions"),
        ],
        [
            [
                l10n.language_name(line.lang),
                number(line.orders),
                money(revenue, base),
                number(line.mentions),
            ]
            for line, revenue in zip(report.languages, language_revenue, strict=True)
        ],
        frozenset({1, 2, 3}),
    )
    moments = Table(
        l10n.gettext("Mentions and the orders that followed"),
        [
            l10n.gettext("Product"),
            l10n.gettext("How"),
            l10n.gettext("Local time in each market"),
            l10n.gettext("Orders"),
        ],
        [
            [
                product_name(report, moment.mention.sku, l10n),
                source_name(moment.mention.source.value, l10n),
                local_times(moment.mention.ts, report, by_code, l10n),
                number(moment.orders),
            ]
            for moment in report.moments
        ],
        frozenset({3}),
    )
    questions = Table(
        l10n.gettext("Buyer questions"),
        [
            l10n.gettext("Product"),
            l10n.gettext("Language"),
            l10n.gettext("Question"),
            l10n.gettext("Answered"),
        ],
        [
            [
                ", ".join(product_name(report, sku, l10n) for sku in q.skus),
                l10n.language_name(q.message.lang),
                q.message.text,
                l10n.gettext("yes") if q.answered else l10n.gettext("no"),
            ]
            for q in report.questions
        ],
        frozenset(),
    )
    minutes = int((show.ends_at - show.starts_at).total_seconds() // 60)
    when = f"{l10n.clock_date(show.starts_at)} {l10n.clock_times(show.starts_at)}"
    duration = l10n.ngettext("{n} minute", "{n} minutes", minutes).format(n=number(minutes))
    subtitle = f"{when} · {duration}"
    return View(
        title=show.title(lang),
        subtitle=subtitle,
        totals=summary,
        tables=[products, market_table, languages, moments, questions],
    )


def local_times(
    moment: datetime, report: Report, markets: dict[str, Market], l10n: Localizer
) -> str:
    """«20:14 Almaty time / 18:14 Moscow time»: the moment on every clock of the show's
    markets (Beijing and Xinjiang time for Xinjiang), each clock once."""
    zones = [
        zone for code in report.show.markets if code in markets for zone in markets[code].zones
    ]
    return l10n.clock_times(moment, *zones) if zones else ""


def chart_money(value: Decimal) -> float:
    """An amount for a chart axis (charts plot floats; tables show exact text)."""
    return float(value.quantize(Decimal("0.01")))
