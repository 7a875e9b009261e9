"""Buyer questions in seven languages."""

from __future__ import annotations

import pytest

from livecommerce.core.questions import is_question


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Сколько стоит ноутбук", "ru", True),
        ("почём роутер", "ru", True),
        ("ноутбук бағасы қанша", "kk", True),
        ("Алматыға жеткізу бар ма", "kk", True),
        ("роутер канча турат", "ky", True),
        ("Бишкекке жеткирүү барбы", "ky", True),
        ("narxi qancha", "uz", True),
        ("Toshkentga yetkazib berish bormi", "uz", True),
        ("قانچە پۇل", "ug", True),
        ("这个多少钱", "zh", True),
        ("有没有白色的", "zh", True),
        ("how much is the router", "en", True),
        ("a router please?", "en", True),
        ("роутер?", "ru", True),
        ("路由器？", "zh", True),
        ("باھاسى؟", "ug", True),
        ("skolko stoit", "ru", False),  # transliteration without a mark: not caught
        ("спасибо, взяла", "ru", False),
        ("рахмет", "kk", False),
        ("+", "ru", False),
        ("🔥🔥🔥", "kk", False),
        ("太好了", "zh", False),
        ("super", "en", False),
        ("qancha", "ru", True),  # a question word of another language still counts
    ],
)
def test_is_question(text: str, lang: str, expected: bool) -> None:
    assert is_question(text, lang) is expected
