"""An order as a shop sends it (webhook JSON or a CSV row), checked field by field.

The same rules serve both doors, so a row the webhook refuses is refused by the import
with the same reason.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from livecommerce.core.messages import N_, Text
from livecommerce.core.models import Order

FIELDS = (
    "id",
    "ts",
    "sku",
    "qty",
    "unit_price",
    "currency",
    "buyer_country",
    "buyer_lang",
    "show",
)
REQUIRED = ("id", "ts", "sku", "qty", "unit_price", "currency", "buyer_country", "buyer_lang")
LANGUAGES = frozenset({"kk", "ru", "zh", "ug", "ky", "uz", "en"})
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


class OrderError(ValueError):
    """One field of an order is wrong: the field, and a sentence for the shop."""

    def __init__(self, field: str, text: Text) -> None:
        super().__init__(f"{field}: {text.template.format(**text.params)}")
        self.field = field
        self.text = text


def _bad(field: str, template: str, **params: object) -> OrderError:
    return OrderError(field, Text(template, {"field": field, **params}))


def _str(data: Mapping[str, Any], field: str) -> str:
    value = data.get(field)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise _bad(field, N_("{field} is missing."))
    return value.strip()


def parse_order(
    data: Mapping[str, Any],
    *,
    skus: Collection[str] | None = None,
    now: datetime | None = None,
) -> Order:
    """An order from a mapping of its fields; `OrderError` names the first bad one.

    `skus`, when given, are the products the shop sells; `now` refuses orders from the
    future (more than a day ahead, for clock skew).
    """
    if not isinstance(data, Mapping):
        raise _bad("order", N_("{field} must be a JSON object."))
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise _bad(str(unknown[0])[:40], N_("{field} is not a field of an order."))
    order_id = _str(data, "id")
    if not _ID.fullmatch(order_id):
        raise _bad("id", N_("{field} must be 1 to 100 letters, digits or . _ : -"))
    raw_ts = _str(data, "ts")
    try:
        ts = datetime.fromisoformat(raw_ts)
    except ValueError:
        raise _bad(
            "ts", N_("{field} must be an ISO 8601 time such as 2026-11-20T13:05:00Z.")
        ) from None
    if ts.tzinfo is None:
        raise _bad("ts", N_("{field} needs a UTC offset, such as Z or +05:00."))
    ts = ts.astimezone(UTC)
    if now is not None and (ts - now).total_seconds() > 86400:
        raise _bad("ts", N_("{field} is in the future."))
    sku = _str(data, "sku")
    if len(sku) > 64 or (skus is not None and sku not in skus):
        raise _bad("sku", N_("{field} {value} is not a known product."), value=sku[:64])
    raw_qty = data.get("qty")
    try:
        qty = int(str(raw_qty).strip()) if not isinstance(raw_qty, bool) else -1
    except ValueError:
        qty = -1
    if isinstance(raw_qty, float) or not 1 <= qty <= 100_000:
        raise _bad("qty", N_("{field} must be a whole number from 1 to 100000."))
    try:
        price = Decimal(_str(data, "unit_price"))
    except InvalidOperation:
        price = Decimal(-1)
    if not price.is_finite() or price < 0 or price > Decimal("1e12"):
        raise _bad("unit_price", N_("{field} must be a price of 0 or more."))
    currency = _str(data, "currency").upper()
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise _bad("currency", N_("{field} must be a three-letter code such as KZT."))
    country = _str(data, "buyer_country").upper()
    if len(country) != 2 or not country.isascii() or not country.isalpha():
        raise _bad("buyer_country", N_("{field} must be a two-letter country code such as KZ."))
    lang = _str(data, "buyer_lang").lower()
    if lang not in LANGUAGES:
        raise _bad("buyer_lang", N_("{field} must be one of kk, ru, zh, ug, ky, uz, en."))
    show = data.get("show")
    show_ref = None
    if show is not None and str(show).strip():
        show_ref = str(show).strip()
        if not _CODE.fullmatch(show_ref):
            raise _bad("show", N_("{field} must be a show code such as KIT1120."))
    return Order(order_id, ts, sku, qty, price, currency, country, lang, show_ref)
