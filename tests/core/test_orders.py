"""Order validation: one rule for the webhook and the CSV import."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from livecommerce.core.orders import OrderError, parse_order

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
GOOD: dict[str, Any] = {
    "id": "ORD-100231",
    "ts": "2026-11-20T13:25:00+05:00",
    "sku": "IT-LAP-14",
    "qty": 2,
    "unit_price": "189000",
    "currency": "kzt",
    "buyer_country": "kz",
    "buyer_lang": "KK",
    "show": "KIT1120",
}


def test_a_good_order() -> None:
    order = parse_order(GOOD, skus={"IT-LAP-14"}, now=NOW)
    assert order.id == "ORD-100231"
    assert order.ts == datetime(2026, 11, 20, 8, 25, tzinfo=UTC)
    assert (order.qty, order.unit_price, order.currency) == (2, Decimal(189000), "KZT")
    assert (order.buyer_country, order.buyer_lang, order.show_ref) == ("KZ", "kk", "KIT1120")


def test_csv_strings_and_an_empty_show_are_fine() -> None:
    row = {**GOOD, "qty": "3", "unit_price": "379.50", "show": ""}
    order = parse_order(row)
    assert (order.qty, order.unit_price, order.show_ref) == (3, Decimal("379.50"), None)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": ""}, "id"),
        ({"id": "a b"}, "id"),
        ({"id": "x" * 101}, "id"),
        ({"ts": "yesterday"}, "ts"),
        ({"ts": "2026-11-20T13:25:00"}, "ts"),
        ({"ts": "2027-11-20T13:25:00Z"}, "ts"),
        ({"sku": "NOPE"}, "sku"),
        ({"sku": None}, "sku"),
        ({"qty": 0}, "qty"),
        ({"qty": -1}, "qty"),
        ({"qty": 1.5}, "qty"),
        ({"qty": True}, "qty"),
        ({"qty": "many"}, "qty"),
        ({"qty": 10**9}, "qty"),
        ({"unit_price": "-1"}, "unit_price"),
        ({"unit_price": "NaN"}, "unit_price"),
        ({"unit_price": "Infinity"}, "unit_price"),
        ({"unit_price": "1e30"}, "unit_price"),
        ({"unit_price": "cheap"}, "unit_price"),
        ({"currency": "tenge"}, "currency"),
        ({"currency": "₸₸₸"}, "currency"),
        ({"buyer_country": "KAZ"}, "buyer_country"),
        ({"buyer_lang": "fr"}, "buyer_lang"),
        ({"show": "<script>"}, "show"),
        ({"coupon": "X"}, "coupon"),
    ],
)
def test_each_bad_field_is_named(change: dict[str, Any], field: str) -> None:
    with pytest.raises(OrderError) as caught:
        parse_order({**GOOD, **change}, skus={"IT-LAP-14"}, now=NOW)
    assert caught.value.field == field
    assert caught.value.text.params["field"] == field


@pytest.mark.parametrize("missing", ["id", "ts", "sku", "qty", "unit_price", "currency"])
def test_missing_fields(missing: str) -> None:
    data = {k: v for k, v in GOOD.items() if k != missing}
    with pytest.raises(OrderError) as caught:
        parse_order(data)
    assert caught.value.field == missing


@pytest.mark.parametrize("garbage", [[], "order", 42, None])
def test_not_an_object(garbage: Any) -> None:
    with pytest.raises(OrderError):
        parse_order(garbage)
