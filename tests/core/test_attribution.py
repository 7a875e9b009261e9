"""Attribution, table-tested: which orders a show earned, and which mention earned them."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from livecommerce.core.attribution import Credit, Rates, attribute, belongs
from livecommerce.core.models import ExchangeRate, Mention, MentionSource, Order, Show, ShowStatus

START = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)
SHOW = Show(
    id="kit",
    code="KIT1120",
    streamer_id="khorgos-it",
    starts_at=START,
    ends_at=START + timedelta(hours=2),
    markets=("KZ", "UZ"),
    languages=("kk", "ru", "uz"),
    status=ShowStatus.FINISHED,
)
RATES = Rates(
    "CNY",
    [
        ExchangeRate(date(2026, 11, 19), "CNY", "KZT", Decimal("0.0140")),
        ExchangeRate(date(2026, 11, 20), "CNY", "KZT", Decimal("0.0142")),
        ExchangeRate(date(2026, 11, 20), "CNY", "UZS", Decimal("0.00057")),
        ExchangeRate(date(2026, 11, 20), "USD", "KZT", Decimal("0.002")),  # another base
    ],
)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def mention(minutes: float, sku: str = "LAP", lang: str = "ru", source: str = "pin") -> Mention:
    return Mention("kit", sku, MentionSource(source), lang, at(minutes))


def order(
    minutes: float,
    sku: str = "LAP",
    lang: str = "kk",
    ref: str | None = None,
    qty: int = 1,
    currency: str = "KZT",
    price: str = "189000",
    oid: str = "o1",
) -> Order:
    return Order(oid, at(minutes), sku, qty, Decimal(price), currency, "KZ", lang, ref)


@pytest.mark.parametrize(
    ("the_order", "mentioned_before", "expected"),
    [
        (order(30), True, True),  # during the show, mentioned
        (order(30), False, False),  # during the show, never mentioned
        (order(-10), True, False),  # before the show
        (order(120 + 119), True, True),  # within the 2 h window after the end
        (order(120 + 121), True, False),  # past the window
        (order(600, ref="KIT1120"), False, True),  # carries the code: any time
        (order(600, ref="kit"), False, True),  # or the show id
        (order(30, ref="OTHER"), True, False),  # names another show
    ],
)
def test_belongs(the_order: Order, mentioned_before: bool, expected: bool) -> None:
    assert belongs(the_order, SHOW, mentioned_before, timedelta(hours=2)) is expected


def test_last_and_first_touch_prefer_the_buyers_language() -> None:
    mentions = [
        mention(5, lang="ru"),
        mention(10, lang="kk", source="chat"),
        mention(20, lang="ru", source="transcript"),
        mention(50, lang="kk"),  # after the order: not a touch
    ]
    [credit] = attribute(SHOW, mentions, [order(30, lang="kk")], RATES)
    assert credit.last_touch == mentions[1]
    assert credit.first_touch == mentions[1]
    [credit] = attribute(SHOW, mentions, [order(30, lang="uz")], RATES)
    assert credit.last_touch == mentions[2]  # no uz mention: the last of any language
    assert credit.first_touch == mentions[0]


def test_an_order_with_the_code_but_no_earlier_mention_is_unattributed() -> None:
    [credit] = attribute(SHOW, [mention(40)], [order(30, ref="KIT1120")], RATES)
    assert credit.by_code
    assert not credit.attributed
    assert credit.last_touch is None


def test_mentions_of_other_skus_and_shows_do_not_count() -> None:
    other_show = Mention("other", "LAP", MentionSource.PIN, "kk", at(1))
    assert attribute(SHOW, [mention(1, sku="SINK"), other_show], [order(30)], RATES) == []


@pytest.mark.parametrize(
    ("currency", "price", "qty", "expected"),
    [
        ("KZT", "189000", 2, Decimal("5367.6")),  # 378000 × 0.0142 (rate of 2026-11-20)
        ("UZS", "4990000", 1, Decimal("2844.3")),
        ("CNY", "2899", 3, Decimal("8697")),
        ("EUR", "379", 1, None),  # no rate known
    ],
)
def test_amounts_in_the_base_currency(
    currency: str, price: str, qty: int, expected: Decimal | None
) -> None:
    [credit] = attribute(
        SHOW, [mention(1)], [order(30, currency=currency, price=price, qty=qty)], RATES
    )
    assert credit.amount == Decimal(price) * qty
    assert credit.base_amount == expected


def test_the_latest_rate_on_or_before_the_day_applies() -> None:
    assert RATES.convert(Decimal(1000), "KZT", date(2026, 11, 25)) == Decimal("14.2")
    assert RATES.convert(Decimal(1000), "KZT", date(2026, 11, 19)) == Decimal("14.0")
    assert RATES.convert(Decimal(1000), "KZT", date(2026, 11, 18)) is None


def test_credits_come_in_order_time() -> None:
    orders = [order(60, oid="late"), order(10, oid="early"), order(30, oid="mid")]
    credits = attribute(SHOW, [mention(0)], orders, RATES)
    assert [c.order.id for c in credits] == ["early", "mid", "late"]


def _reference(show: Show, mentions: list[Mention], the_order: Order) -> Credit | None:
    """The rule written the straightforward way (a scan of every mention): the credit
    of one order, or None when it does not belong."""
    before = sorted(
        (
            m
            for m in mentions
            if m.show_id == show.id and m.sku == the_order.sku and m.ts <= the_order.ts
        ),
        key=lambda m: m.ts,
    )
    if not belongs(the_order, show, bool(before), timedelta(hours=2)):
        return None
    preferred = [m for m in before if m.lang == the_order.buyer_lang] or before
    amount = the_order.unit_price * the_order.qty
    return Credit(
        order=the_order,
        by_code=bool(the_order.show_ref),
        last_touch=preferred[-1] if preferred else None,
        first_touch=preferred[0] if preferred else None,
        amount=amount,
        base_amount=RATES.convert(amount, the_order.currency, the_order.ts.date()),
    )


def test_a_large_show_matches_the_straightforward_rule_on_a_sample() -> None:
    rng = random.Random(11)
    skus = [f"SKU{i}" for i in range(40)]
    langs = ["kk", "ru", "uz", "ug"]
    mentions = [
        Mention(
            rng.choice(["kit", "kit", "other"]),
            rng.choice(skus),
            MentionSource(rng.choice(["pin", "chat", "transcript"])),
            rng.choice(langs),
            at(rng.randrange(-30, 240)),  # whole minutes: many mentions share a moment
        )
        for _ in range(5_000)
    ]
    orders = [
        order(
            rng.uniform(-60, 300),
            sku=rng.choice(skus),
            lang=rng.choice(langs),
            ref=rng.choice([None, None, None, "KIT1120", "kit", "OTHER"]),
            qty=rng.randint(1, 3),
            oid=f"o{n}",
        )
        for n in range(50_000)
    ]
    credits = attribute(SHOW, mentions, orders, RATES)
    by_id = {c.order.id: c for c in credits}
    assert [c.order for c in credits] == sorted(
        [c.order for c in credits], key=lambda o: (o.ts, o.id)
    )
    for the_order in rng.sample(orders, 300):
        assert by_id.get(the_order.id) == _reference(SHOW, mentions, the_order)
    # Every kind of case was in the sample's population.
    assert any(c.by_code and not c.attributed for c in credits)
    assert any(c.attributed and not c.by_code for c in credits)
    assert len(credits) < len(orders)
