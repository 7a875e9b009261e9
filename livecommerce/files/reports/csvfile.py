"""The report as CSV: one row per product, the table a seller opens in a spreadsheet."""

from __future__ import annotations

import csv
import io

from livecommerce.core.report import Report
from livecommerce.files.reports.data import money

COLUMNS = [
    "sku",
    "name",
    "mentions",
    "mentions_pin",
    "mentions_streamer",
    "mentions_transcript",
    "mentions_chat",
    "orders",
    "units",
    "revenue",
    "currency",
    "orders_per_mention",
    "minutes_to_first_order",
    "questions",
    "unanswered",
]


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (=, +, -, @ first get a quote)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(report: Report, lang: str = "en") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for line in report.products:
        writer.writerow(
            [
                line.sku,
                spreadsheet_safe(line.product.name(lang) if line.product else line.sku),
                line.mention_count,
                *(line.mentions.get(s, 0) for s in ("pin", "streamer", "transcript", "chat")),
                line.orders,
                line.units,
                money(line.revenue),
                report.base_currency,
                line.conversion if line.conversion is not None else "",
                round(line.minutes_to_first_order, 1)
                if line.minutes_to_first_order is not None
                else "",
                line.questions,
                line.unanswered,
            ]
        )
    return buffer.getvalue()
