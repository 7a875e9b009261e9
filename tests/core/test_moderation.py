"""Moderation rules: links, what is held, who may act, rate limits, abuse, slow mode."""

from __future__ import annotations

import pytest

from livecommerce.core.models import Role
from livecommerce.core.moderation import (
    AbuseCounter,
    HoldPolicy,
    TokenBucket,
    has_link,
    hold_reasons,
    is_staff,
    may_moderate,
    slow_mode_wait,
)


@pytest.mark.parametrize(
    "text",
    [
        "http://shop.example",
        "see https://x.de/p?q=1",
        "HTTPS://EXAMPLE.DE",
        "ftp://files.example",
        "www.example.de",
        "go to WWW.something",
        "t.me/cheapsinks",
        "join t.me/+abc",
        "shop.kz",
        "buy at shop.kz now",
        "SHOP.KZ",
        "sub.domain.shop.kz/path",
        "cheap-sinks.com",
        "example.org.",
        "olma.uz",
        "bazar.kg",
        "taobao.cn",
        "mail.ru",
        "app.io",
        "ali.shop",
        "магазин.рф",
        "дүкен.қаз",
        "(see shop.kz)",
        "скидки на sale.xyz!",
        "淘宝 shop.top 便宜",
    ],
)
def test_links_are_found(text: str) -> None:
    assert has_link(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Сәлем! Бағасы қанша?",
        "这个水槽多少钱？",
        "Price 1.5 million",
        "3.14",
        "e.g. this one",
        "и т.д.",
        "ok.",
        "wwwow",
        "awww.",
        "hello.world",
        "kazakhstan.kazakh",
        "comments.community",
        "I like .com domains",
        "Narx qancha? Oʻzbekcha",
        "بۇ قانچە پۇل؟",
    ],
)
def test_plain_text_is_not_a_link(text: str) -> None:
    assert not has_link(text)


ALL = HoldPolicy(links=True, blocked_terms=True, first_time_guests=True)
NONE = HoldPolicy(links=False, blocked_terms=False, first_time_guests=False)


@pytest.mark.parametrize(
    ("text", "blocked", "first", "policy", "role", "reasons"),
    [
        ("hello", False, False, HoldPolicy(), Role.VIEWER, ()),
        ("see shop.kz", False, False, HoldPolicy(), Role.VIEWER, ("link",)),
        ("bad word", True, False, HoldPolicy(), Role.VIEWER, ("blocked_term",)),
        # first-time guests are held only when the policy asks (not by default)
        ("hello", False, True, HoldPolicy(), Role.VIEWER, ()),
        ("hello", False, True, ALL, Role.VIEWER, ("first_time_guest",)),
        ("shop.kz", True, True, ALL, Role.VIEWER, ("link", "blocked_term", "first_time_guest")),
        ("shop.kz", True, True, NONE, Role.VIEWER, ()),
        ("shop.kz", False, False, HoldPolicy(links=False), Role.VIEWER, ()),
        ("bad", True, False, HoldPolicy(blocked_terms=False), Role.VIEWER, ()),
        # staff are never held
        ("shop.kz", True, True, ALL, Role.MODERATOR, ()),
        ("shop.kz", True, True, ALL, Role.STREAMER, ()),
        ("shop.kz", True, True, ALL, Role.ADMIN, ()),
    ],
)
def test_hold_reasons(
    text: str,
    blocked: bool,
    first: bool,
    policy: HoldPolicy,
    role: Role,
    reasons: tuple[str, ...],
) -> None:
    assert (
        hold_reasons(text, blocked=blocked, first_time_guest=first, policy=policy, role=role)
        == reasons
    )


@pytest.mark.parametrize(
    ("role", "moderates", "lang", "allowed"),
    [
        (Role.MODERATOR, {"kk"}, "kk", True),
        (Role.MODERATOR, {"kk", "ru"}, "ru", True),
        (Role.MODERATOR, {"kk"}, "ru", False),
        (Role.MODERATOR, set(), "kk", False),
        (Role.VIEWER, set(), "kk", False),
        (Role.VIEWER, {"kk"}, "kk", False),  # a viewer never moderates, whatever it claims
        (Role.STREAMER, set(), "zh", True),
        (Role.ADMIN, set(), "uz", True),
    ],
)
def test_may_moderate(role: Role, moderates: set[str], lang: str, allowed: bool) -> None:
    assert may_moderate(role, frozenset(moderates), lang) is allowed


@pytest.mark.parametrize(
    ("role", "staff"),
    [(Role.VIEWER, False), (Role.MODERATOR, True), (Role.STREAMER, True), (Role.ADMIN, True)],
)
def test_is_staff(role: Role, staff: bool) -> None:
    assert is_staff(role) is staff


# -- token bucket ----------------------------------------------------------------------------


def takes(bucket: TokenBucket, times: list[float]) -> list[bool]:
    return [bucket.take(t) for t in times]


@pytest.mark.parametrize(
    ("rate", "burst", "times", "expected"),
    [
        # a burst goes through at once, the next is refused
        (1.0, 3, [0, 0, 0, 0], [True, True, True, False]),
        (1.0, 5, [100.0] * 6, [True] * 5 + [False]),
        # one token back per 1/rate seconds
        (1.0, 2, [0, 0, 0, 1, 1], [True, True, False, True, False]),
        (2.0, 1, [0, 0, 0.5, 0.5, 0.75, 1.0], [True, False, True, False, False, True]),
        (0.5, 1, [0, 1, 2], [True, False, True]),
        # refill never goes above the burst
        (1.0, 2, [0, 0, 1000, 1000, 1000], [True, True, True, True, False]),
        # steady traffic at the rate is never refused
        (1.0, 1, [float(t) for t in range(10)], [True] * 10),
    ],
)
def test_token_bucket(rate: float, burst: float, times: list[float], expected: list[bool]) -> None:
    assert takes(TokenBucket(rate, burst), times) == expected


def test_a_flood_is_refused_until_tokens_refill() -> None:
    bucket = TokenBucket(rate=1.0, burst=5.0)
    assert takes(bucket, [0.0] * 10) == [True] * 5 + [False] * 5
    assert takes(bucket, [2.5, 2.5, 2.5]) == [True, True, False]


# -- abuse counter -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "window", "times", "expected"),
    [
        # past the limit within the window
        (2, 60.0, [0, 1, 2], [False, False, True]),
        (0, 60.0, [0], [True]),
        # spread beyond the window: never
        (2, 10.0, [0, 10, 20, 30, 40], [False] * 5),
        # the window is (now - window, now]: an error exactly `window` ago is forgotten
        (1, 10.0, [0, 10], [False, False]),
        (1, 10.0, [0, 9.99], [False, True]),
        (2, 10.0, [0, 5, 11, 12], [False, False, False, True]),
    ],
)
def test_abuse_counter(limit: int, window: float, times: list[float], expected: list[bool]) -> None:
    counter = AbuseCounter(limit, window)
    assert [counter.add(t) for t in times] == expected


# -- slow mode ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_sent", "seconds", "now", "wait"),
    [
        (None, 30, 100.0, 0),  # first message
        (100.0, 0, 100.0, 0),  # slow mode off
        (100.0, 30, 100.0, 30),
        (100.0, 30, 110.0, 20),
        (100.0, 30, 110.2, 20),  # whole seconds, rounded up
        (100.0, 30, 129.9, 1),
        (100.0, 30, 130.0, 0),
        (100.0, 30, 500.0, 0),
        (100.5, 10, 100.0, 11),  # sent "after" now (a clock step back): the full wait, more
    ],
)
def test_slow_mode_wait(last_sent: float | None, seconds: int, now: float, wait: int) -> None:
    assert slow_mode_wait(last_sent, seconds, now) == wait
