"""The report's charts, drawn by Plotly, with every tick and label formatted by Babel."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
from babel.numbers import get_decimal_symbol, get_group_symbol

from livecommerce.core.report import Report
from livecommerce.files.reports.view import chart_money, product_name
from livecommerce.i18n import Localizer

FONTS = "Noto Sans, Noto Sans CJK SC, UKIJ Tuz, DejaVu Sans, sans-serif"
# Minutes between two time ticks: the first that leaves at most MAX_TIME_TICKS ticks.
TICK_MINUTES = (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440)
MAX_TIME_TICKS = 10


def _text(text: str, l10n: Localizer) -> str:
    """A label as its reader reads it. Plotly draws every SVG text left to right, so a
    right-to-left label that mixes in digits or Latin («14 دىيۇملۇق X14 …») would come out
    in the wrong order: it is embedded as right-to-left text (RLE … PDF)."""
    return f"\u202b{text}\u202c" if l10n.direction == "rtl" else text


def _layout(l10n: Localizer, title: str, height: int) -> dict[str, Any]:
    rtl = l10n.direction == "rtl"
    return {
        "title": {
            "text": _text(title, l10n),
            "x": 0.98 if rtl else 0.02,
            "xanchor": "right" if rtl else "left",
        },
        "font": {"family": FONTS, "size": 13},
        "height": height,
        "margin": {"l": 40, "r": 40, "t": 50, "b": 50},
        "separators": get_decimal_symbol(l10n.locale) + get_group_symbol(l10n.locale),
        "plot_bgcolor": "#ffffff",
        "paper_bgcolor": "#ffffff",
        "legend": {
            "orientation": "h",
            "y": -0.2,
            "x": 1 if rtl else 0,
            "xanchor": "right" if rtl else "left",
        },
    }


def _ticks(top: float, count: int = 5) -> list[float]:
    if top <= 0:
        return [0.0]
    step = top / count
    magnitude = 10 ** (len(str(int(step))) - 1)
    step = max(1, round(step / magnitude)) * magnitude
    return [step * i for i in range(int(top // step) + 2)]


def _money_axis(values: Sequence[float], currency: str, l10n: Localizer) -> dict[str, Any]:
    ticks = _ticks(max(values, default=0.0))
    return {
        "tickvals": ticks,
        "ticktext": [l10n.format_money(Decimal(str(v)), currency) for v in ticks],
        "gridcolor": "#e5e8ee",
    }


def timeline(report: Report, l10n: Localizer) -> go.Figure:
    """Mentions and orders per minute, on the reader's clock."""
    minutes = report.timeline
    xs = list(range(len(minutes)))
    # Ticks on round times of the reader's clock (18:00, 18:15, …), at most ten.
    step = next((s for s in TICK_MINUTES if len(minutes) / s <= MAX_TIME_TICKS), 1440)
    local = [m.start.astimezone(l10n.tzinfo) for m in minutes]
    time_ticks = [i for i, t in enumerate(local) if (t.hour * 60 + t.minute) % step == 0]
    figure = go.Figure()
    figure.add_bar(
        x=xs,
        y=[m.mentions for m in minutes],
        name=_text(l10n.gettext("Mentions"), l10n),
        marker_color="#0b6bcb",
        hovertext=[l10n.format_time(m.start) for m in minutes],
    )
    figure.add_bar(
        x=xs,
        y=[m.orders for m in minutes],
        name=_text(l10n.gettext("Orders"), l10n),
        marker_color="#e07a1f",
        hovertext=[l10n.format_time(m.start) for m in minutes],
    )
    peak = max([m.mentions for m in minutes] + [m.orders for m in minutes], default=0)
    # The times on the axis are on the reader's clock: named beside the title.
    title = l10n.gettext("Mentions and orders per minute") + " · " + l10n.clock_name(exact=True)
    figure.update_layout(
        **_layout(l10n, title, 360),
        barmode="group",
        bargap=0.1,
    )
    figure.update_xaxes(
        tickvals=time_ticks,
        ticktext=[l10n.format_time(minutes[i].start) for i in time_ticks],
        autorange="reversed" if l10n.direction == "rtl" else True,
    )
    ticks = list(range(0, peak + 2, max(1, (peak + 1) // 5)))
    figure.update_yaxes(
        tickvals=ticks, ticktext=[l10n.format_number(t) for t in ticks], gridcolor="#e5e8ee"
    )
    return figure


def revenue_bars(
    labels: Sequence[str], amounts: Sequence[Decimal], currency: str, title: str, l10n: Localizer
) -> go.Figure:
    """Horizontal bars of revenue, largest on top, amounts written on the bars."""
    values = [chart_money(a) for a in amounts]
    figure = go.Figure(
        go.Bar(
            x=values,
            y=[_text(label, l10n) for label in labels],
            orientation="h",
            marker_color="#2a9d8f",
            text=[l10n.format_money(a, currency) for a in amounts],
            textposition="auto",
            hoverinfo="y+text",
        )
    )
    figure.update_layout(**_layout(l10n, title, 120 + 32 * max(1, len(labels))))
    figure.update_xaxes(
        **_money_axis(values, currency, l10n),
        autorange="reversed" if l10n.direction == "rtl" else True,
    )
    figure.update_yaxes(
        autorange="reversed",
        side="right" if l10n.direction == "rtl" else "left",
        automargin=True,
        ticklabelstandoff=6,
    )
    return figure


def figures(report: Report, l10n: Localizer, market_names: dict[str, str]) -> list[go.Figure]:
    base = report.base_currency
    # Largest on top: the products are listed by orders, the chart is of revenue.
    products = sorted(
        (line for line in report.products if line.orders), key=lambda line: -line.revenue
    )[:15]
    return [
        timeline(report, l10n),
        revenue_bars(
            [product_name(report, line.sku, l10n) for line in products],
            [line.revenue for line in products],
            base,
            l10n.gettext("Revenue by product"),
            l10n,
        ),
        revenue_bars(
            [market_names.get(line.code, line.code) for line in report.markets],
            [line.revenue for line in report.markets],
            base,
            l10n.gettext("Revenue by market"),
            l10n,
        ),
    ]
