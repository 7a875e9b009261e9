"""Order validation: one rule for the webhook and the CSV import."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from livecommerce.core.models import Order
from livecommerce.core.orders import OrderError, differences, parse_order
from livecommerce.core.values import (
    DAY_FORMAT,
    DAY_RANGE,
    MOMENT_FORMAT,
    MOMENT_RANGE,
    MomentError,
    parse_day,
    parse_moment,
)

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


# Hostile values from issue #11: each is refused with its field named, never a traceback
# (OverflowError from year 1 or 9999 with an offset, ValueError, InvalidOperation).
HOSTILE = [
    ("ts", "0001-01-01T00:00:00+14:00"),
    ("ts", "9999-12-31T23:59:59-14:00"),
    ("ts", "0001-01-01T00:00:00Z"),
    ("ts", "9999-12-31T23:59:59Z"),
    ("ts", "1969-12-31T23:59:59Z"),
    ("ts", "2100-01-01T00:00:00Z"),
    ("ts", "２０２６-11-20T13:25:00Z"),
    ("ts", "2026-11-20T13:25:00." + "0" * 10_000 + "Z"),
    ("ts", "9" * 100_000),
    ("qty", "1_000"),
    ("qty", "１２"),
    ("qty", "-0"),
    ("qty", "+1"),
    ("qty", "1e3"),
    ("qty", "NaN"),
    ("qty", 2.0),
    ("qty", float("nan")),
    ("qty", "9" * 100_000),
    ("unit_price", "1_000"),
    ("unit_price", "１２"),
    ("unit_price", "-0"),
    ("unit_price", "-0.00"),
    ("unit_price", "+5"),
    ("unit_price", "NaN"),
    ("unit_price", "sNaN"),
    ("unit_price", "1e309"),
    ("unit_price", "1e3"),
    ("unit_price", float("inf")),
    ("unit_price", float("nan")),
    ("unit_price", 1e-05),
    ("unit_price", "1.1234567"),
    ("unit_price", ".5"),
    ("unit_price", "5."),
    ("unit_price", "1,5"),
    ("unit_price", "9" * 100_000),
    ("unit_price", True),
]


@pytest.mark.parametrize(("field", "value"), HOSTILE)
def test_hostile_values_are_refused_naming_the_field(field: str, value: Any) -> None:
    with pytest.raises(OrderError) as caught:
        parse_order({**GOOD, field: value}, skus={"IT-LAP-14"}, now=NOW)
    assert caught.value.field == field
    assert caught.value.text.params["field"] == field


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("ts", "1970-01-01T00:00:00Z", datetime(1970, 1, 1, tzinfo=UTC)),
        ("ts", "2026-11-20T23:00:00-14:00", datetime(2026, 11, 21, 13, tzinfo=UTC)),
        ("qty", " 12 ", 12),
        ("qty", 100_000, 100_000),
        ("unit_price", "0", Decimal(0)),
        ("unit_price", 189000, Decimal(189000)),
        ("unit_price", 379.5, Decimal("379.5")),
        ("unit_price", "379.123456", Decimal("379.123456")),
        ("unit_price", "1000000000000", Decimal("1e12")),
    ],
)
def test_values_at_the_edges_of_the_rules_are_taken(field: str, value: Any, expected: Any) -> None:
    order = parse_order({**GOOD, field: value}, skus={"IT-LAP-14"}, now=NOW)
    assert {"ts": order.ts, "qty": order.qty, "unit_price": order.unit_price}[field] == expected


@pytest.mark.parametrize(
    ("value", "template"),
    [
        ("0001-01-01T00:00:00+14:00", MOMENT_RANGE),
        ("9999-12-31T23:59:59-14:00", MOMENT_RANGE),
        ("2100-01-01T00:00:00-01:00", MOMENT_RANGE),
        ("1970-01-01T00:30:00+01:00", MOMENT_RANGE),
        ("soon", MOMENT_FORMAT),
        (12, MOMENT_FORMAT),
    ],
)
def test_a_moment_out_of_the_years_says_which_years(value: Any, template: str) -> None:
    with pytest.raises(MomentError) as caught:
        parse_moment(value, "starts_at")
    assert caught.value.text.template == template
    assert caught.value.text.params == {"field": "starts_at"}


def test_a_moment_from_toml_and_at_the_edges() -> None:
    assert parse_moment(datetime(2099, 12, 31, 23, 59, tzinfo=UTC), "x").year == 2099
    assert parse_moment("2100-01-01T05:00:00+06:00", "x") == datetime(2099, 12, 31, 23, tzinfo=UTC)
    with pytest.raises(MomentError):
        parse_moment(datetime(2026, 1, 1), "x")  # noqa: DTZ001 - no offset, on purpose


@pytest.mark.parametrize(
    ("value", "template"),
    [
        ("0001-01-01", DAY_RANGE),
        ("9999-12-31", DAY_RANGE),
        ("1969-12-31", DAY_RANGE),
        ("2100-01-01", DAY_RANGE),
        ("2026-13-40", DAY_FORMAT),
        ("２０２６-12-07", DAY_FORMAT),
        ("x" * 100_000, DAY_FORMAT),
    ],
)
def test_a_day_out_of_the_years_is_refused(value: str, template: str) -> None:
    with pytest.raises(MomentError) as caught:
        parse_day(value, "--from")
    assert caught.value.text.template == template
    assert parse_day("2099-12-31", "--from").year == 2099


def test_differences_name_the_fields_that_changed_not_how_they_are_written() -> None:
    first = parse_order(GOOD, skus={"IT-LAP-14"}, now=NOW)
    same = parse_order(
        {**GOOD, "ts": "2026-11-20T08:25:00Z", "unit_price": "189000.000", "qty": "2"}, now=NOW
    )
    assert differences(same, first) == []
    other = parse_order({**GOOD, "qty": 3, "show": "", "buyer_lang": "ru"}, now=NOW)
    assert differences(other, first) == ["qty", "buyer_lang", "show"]


def test_a_parsed_order_is_the_same_value_as_one_built_field_by_field() -> None:
    """parse_order builds its Order without the dataclass's __init__ (for speed): it is
    still equal, hashed alike and frozen."""
    order = parse_order(GOOD, skus={"IT-LAP-14"}, now=NOW)
    built = Order(
        "ORD-100231",
        datetime(2026, 11, 20, 8, 25, tzinfo=UTC),
        "IT-LAP-14",
        2,
        Decimal(189000),
        "KZT",
        "KZ",
        "kk",
        "KIT1120",
    )
    assert order == built
    assert hash(order) == hash(built)
    assert vars(order) == vars(built)
    with pytest.raises(dataclasses.FrozenInstanceError):
        order.qty = 3  # type: ignore[misc]


def test_values_seen_before_are_checked_as_the_first_time() -> None:
    """Repeating values are checked once per distinct text: a bad one is refused every
    time, and past the number remembered every value is still checked."""
    for _ in range(2):
        with pytest.raises(OrderError) as caught:
            parse_order({**GOOD, "currency": "KZTT"})
        assert caught.value.field == "currency"
    for n in range(5000):  # more distinct prices than are remembered
        price = f"{n}.25"
        assert parse_order({**GOOD, "unit_price": price}).unit_price == Decimal(price)
    for value in ("1_000", "１２", "-0"):
        with pytest.raises(OrderError):
            parse_order({**GOOD, "unit_price": value})
    assert parse_order({**GOOD, "qty": " 7 "}).qty == 7
    assert parse_order({**GOOD, "qty": "7"}).qty == 7
    assert parse_order({**GOOD, "show": " "}).show_ref is None
    assert parse_order({**GOOD, "buyer_lang": "RU"}).buyer_lang == "ru"
