"""The report as plain JSON-able data: exact amounts as strings, times in UTC ISO 8601."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from livecommerce.core.report import Report


def money(value: Decimal) -> str:
    """An amount rounded to cents, as text (JSON has no decimals)."""
    return str(value.quantize(Decimal("0.01")))


def iso(moment: Any) -> str:
    return str(moment.isoformat()).replace("+00:00", "Z")


def to_data(report: Report) -> dict[str, Any]:
    totals = report.totals
    return {
        "show": {
            "id": report.show.id,
            "code": report.show.code,
            "starts_at": iso(report.show.starts_at),
            "ends_at": iso(report.show.ends_at),
            "markets": list(report.show.markets),
            "languages": list(report.show.languages),
        },
        "base_currency": report.base_currency,
        "totals": {
            "orders": totals.orders,
            "units": totals.units,
            "revenue": money(totals.revenue),
            "by_currency": {c: money(v) for c, v in totals.by_currency.items()},
            "attributed_orders": totals.attributed_orders,
            "attributed_revenue": money(totals.attributed_revenue),
            "unattributed_orders": totals.unattributed_orders,
            "unconverted_orders": totals.unconverted_orders,
        },
        "products": [
            {
                "sku": line.sku,
                "names": dict(line.product.names) if line.product else {},
                "mentions": line.mentions,
                "orders": line.orders,
                "units": line.units,
                "revenue": money(line.revenue),
                "conversion": str(line.conversion) if line.conversion is not None else None,
                "minutes_to_first_order": round(line.minutes_to_first_order, 1)
                if line.minutes_to_first_order is not None
                else None,
                "questions": line.questions,
                "unanswered": line.unanswered,
            }
            for line in report.products
        ],
        "markets": [
            {
                "market": line.code,
                "orders": line.orders,
                "units": line.units,
                "revenue": money(line.revenue),
                "local_revenue": {c: money(v) for c, v in line.local_revenue.items()},
            }
            for line in report.markets
        ],
        "languages": [
            {
                "lang": line.lang,
                "orders": line.orders,
                "revenue": money(line.revenue),
                "mentions": line.mentions,
            }
            for line in report.languages
        ],
        "mentions": [
            {
                "ts": iso(moment.mention.ts),
                "sku": moment.mention.sku,
                "source": moment.mention.source.value,
                "lang": moment.mention.lang,
                "orders": moment.orders,
            }
            for moment in report.moments
        ],
        "timeline": [
            {"minute": iso(m.start), "mentions": m.mentions, "orders": m.orders}
            for m in report.timeline
            if m.mentions or m.orders
        ],
        "questions": [
            {
                "message_id": q.message.id,
                "ts": iso(q.message.ts),
                "lang": q.message.lang,
                "text": q.message.text,
                "skus": list(q.skus),
                "answered": q.answered,
                "answer_id": q.answered_by.id if q.answered_by else None,
            }
            for q in report.questions
        ],
    }
