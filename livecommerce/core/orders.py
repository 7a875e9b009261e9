"""An order as a shop sends it (webhook JSON or a CSV row), checked field by field.

The same rules serve both doors, so a row the webhook refuses is refused by the import
with the same reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

from livecommerce.core.messages import N_, Text
from livecommerce.core.models import Order
from livecommerce.core.values import MomentError, parse_moment

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
_FIELD_SET = frozenset(FIELDS)
LANGUAGES = frozenset({"kk", "ru", "zh", "ug", "ky", "uz", "en"})
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
MAX_QTY = 100_000
SKEW = timedelta(days=1)  # how far ahead of `now` an order may be (clock skew)
MAX_PRICE = Decimal("1e12")
# As docs/http.md writes them: ASCII digits only, no sign, no `_`, no exponent; a price
# has at most 6 decimals (what the store keeps). Python's int() and Decimal() take far
# more ("1_000", full-width "１２", "-0", "1e3"), so the text is matched first.
_QTY = re.compile(r"[0-9]{1,6}")
_PRICE = re.compile(r"[0-9]{1,13}(?:\.[0-9]{1,6})?")
T = TypeVar("T")


class OrderError(ValueError):
    """One field of an order is wrong: the field, and a sentence for the shop."""

    def __init__(self, field: str, text: Text) -> None:
        super().__init__(f"{field}: {text.template.format(**text.params)}")
        self.field = field
        self.text = text


def _bad(field: str, template: str, **params: object) -> OrderError:
    return OrderError(field, Text(template, {"field": field, **params}))


def _str(data: Mapping[str, Any], field: str) -> str:
    return _text(data.get(field), field)


def _text(value: Any, field: str) -> str:
    """The value as stripped text (a JSON number as it is written); never empty."""
    if type(value) is str:  # the common case (every CSV cell): one strip, one test
        text = value.strip()
        if text:
            return text
        raise _bad(field, N_("{field} is missing."))
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
    if type(data) is not dict and not isinstance(data, Mapping):  # dict: no ABC check
        raise _bad("order", N_("{field} must be a JSON object."))
    if not _FIELD_SET.issuperset(data):
        unknown = sorted(set(data) - _FIELD_SET)
        raise _bad(str(unknown[0])[:40], N_("{field} is not a field of an order."))
    order_id = _str(data, "id")
    if not _ID.fullmatch(order_id):
        raise _bad("id", N_("{field} must be 1 to 100 letters, digits or . _ : -"))
    try:
        ts = parse_moment(_str(data, "ts"), "ts")
    except MomentError as error:
        raise OrderError("ts", error.text) from None
    if now is not None and ts - now > SKEW:
        raise _bad("ts", N_("{field} is in the future."))
    sku = _str(data, "sku")
    if len(sku) > 64 or (skus is not None and sku not in skus):
        raise _bad("sku", N_("{field} {value} is not a known product."), value=sku[:64])
    # The fields whose values repeat, each checked once per distinct text (`_Known`).
    get = data.get
    return _new_order(
        order_id,
        ts,
        sku,
        _known_quantity(get("qty")),
        _known_price(get("unit_price")),
        _known_currency(get("currency")),
        _known_country(get("buyer_country")),
        _known_language(get("buyer_lang")),
        _known_show(get("show")),
    )


def _quantity(raw: Any) -> int:
    """A whole number of units from 1 to MAX_QTY: a JSON integer or its ASCII digits."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        qty = raw
    elif isinstance(raw, str) and _QTY.fullmatch(raw.strip()):
        qty = int(raw.strip())
    else:
        qty = -1
    if not 1 <= qty <= MAX_QTY:
        raise _bad("qty", N_("{field} must be a whole number from 1 to 100000."))
    return qty


def _price(raw: Any) -> Decimal:
    """A price of 0 or more: decimal text (a JSON number is read as it is written)."""
    if isinstance(raw, float) and not isinstance(raw, bool):
        # json.loads gives inf for 1e309 and 1e-05 for 0.00001: repr is the shortest
        # text of the float, refused below when it has an exponent or no finite value.
        raw = repr(raw)
    elif isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    text = _text(raw, "unit_price")
    price = Decimal(text) if _PRICE.fullmatch(text) else None
    if price is None or price > MAX_PRICE:
        raise _bad(
            "unit_price",
            N_("{field} must be a price of 0 or more, in digits with a dot, such as 379.50."),
        )
    return price


def _currency(raw: Any) -> str:
    currency = _text(raw, "currency").upper()
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise _bad("currency", N_("{field} must be a three-letter code such as KZT."))
    return currency


def _country(raw: Any) -> str:
    country = _text(raw, "buyer_country").upper()
    if len(country) != 2 or not country.isascii() or not country.isalpha():
        raise _bad("buyer_country", N_("{field} must be a two-letter country code such as KZ."))
    return country


def _language(raw: Any) -> str:
    lang = _text(raw, "buyer_lang").lower()
    if lang not in LANGUAGES:
        raise _bad("buyer_lang", N_("{field} must be one of kk, ru, zh, ug, ky, uz, en."))
    return lang


def _show(raw: Any) -> str | None:
    """A show's code, or None when the order names none (no field, null or blank)."""
    if raw is None or not str(raw).strip():
        return None
    show_ref = str(raw).strip()
    if not _CODE.fullmatch(show_ref):
        raise _bad("show", N_("{field} must be a show code such as KIT1120."))
    return show_ref


class _Known(Generic[T]):
    """A field's check, remembered by the text it was given. Each check above is a pure
    function of its value, so the columns that repeat in a file (quantity, price,
    currency, country, language, show) are checked once per distinct text. Only text is
    remembered (a JSON number or null is checked every time), and only good text: a bad
    one raises its error every time. At most SIZE texts per field."""

    SIZE = 4096

    __slots__ = ("_check", "_values")

    def __init__(self, check: Callable[[Any], T]) -> None:
        self._check = check
        self._values: dict[str, T] = {}

    def __call__(self, value: Any) -> T:
        if type(value) is not str:
            return self._check(value)
        values = self._values
        checked = values.get(value, _UNKNOWN)
        if checked is _UNKNOWN:
            checked = self._check(value)
            if len(values) < self.SIZE:
                values[value] = checked
        return checked  # type: ignore[return-value]


_UNKNOWN = object()
_known_quantity = _Known(_quantity)
_known_price = _Known(_price)
_known_currency = _Known(_currency)
_known_country = _Known(_country)
_known_language = _Known(_language)
_known_show = _Known(_show)


def _new_order(
    order_id: str,
    ts: datetime,
    sku: str,
    qty: int,
    price: Decimal,
    currency: str,
    country: str,
    lang: str,
    show_ref: str | None,
) -> Order:
    """`Order(…)` from checked fields at a fifth of the cost: a frozen dataclass's
    `__init__` sets each field through `object.__setattr__`, which was a third of
    `parse_order`'s time. The same value (equal, same hash, frozen after); a test holds
    the two to the same fields."""
    order = object.__new__(Order)
    vars(order).update(
        id=order_id,
        ts=ts,
        sku=sku,
        qty=qty,
        unit_price=price,
        currency=currency,
        buyer_country=country,
        buyer_lang=lang,
        show_ref=show_ref,
    )
    return order


CONFLICT = N_("Order {id} was already received with different {changed}.")


def differences(sent: Order, stored: Order) -> list[str]:
    """The fields in which an order sent again differs from the one received first (an
    order id names one order: the same id with another body is a conflict, not a retry).
    Times compare as instants and prices as numbers, so `+05:00` or `379.50` is no change."""
    attributes = {name: "show_ref" if name == "show" else name for name in FIELDS}
    return [
        name
        for name, attribute in attributes.items()
        if getattr(sent, attribute) != getattr(stored, attribute)
    ]
