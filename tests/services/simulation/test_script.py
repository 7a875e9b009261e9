"""The show's script, from a seed: plain data in, events out."""

from __future__ import annotations

from decimal import Decimal

import pytest

from livecommerce.core.matching import mentioned, product_matcher
from livecommerce.files import seeds
from livecommerce.services.simulation import phrases
from livecommerce.services.simulation.script import (
    Kind,
    Line,
    Options,
    Pin,
    Purchase,
    Speech,
    World,
    write,
)
from tests.conftest import SEEDS

DEMO = seeds.read(SEEDS)
LANGUAGES = ("kk", "ru", "zh", "ug", "ky", "uz", "en")


def world(show_id: str) -> World:
    show = next(s for s in DEMO.shows if s.id == show_id)
    return World(show, tuple(DEMO.products), tuple(DEMO.markets))


@pytest.mark.parametrize("show_id", [s.id for s in DEMO.shows])
def test_the_same_seed_writes_the_same_show(show_id: str) -> None:
    options = Options(minutes=30, viewers=14, seed=7)
    assert write(world(show_id), options) == write(world(show_id), options)
    assert write(world(show_id), options) != write(world(show_id), Options(30, 14, 8))


def test_viewers_take_the_show_languages_in_turn_and_every_kind_of_line_comes() -> None:
    demo = world("khorgos-it-2026-11-20")
    script = write(demo, Options(minutes=60, viewers=12, seed=1))
    assert script.viewers == demo.show.languages * 2
    lines = [e for e in script.events if isinstance(e, Line)]
    assert {script.viewers[line.viewer] for line in lines} == set(demo.show.languages)
    assert {line.kind for line in lines} == set(Kind)
    assert [e.at for e in script.events] == sorted(e.at for e in script.events)
    assert all(0 <= e.at < 60 for e in script.events)


def test_questions_name_the_product_on_show_and_orders_follow_them() -> None:
    demo = world("khorgos-it-2026-11-20")
    matcher = product_matcher(list(demo.products))
    script = write(demo, Options(minutes=60, viewers=12, seed=3))
    pins = [e for e in script.events if isinstance(e, Pin)]
    assert pins[0].at == 0
    own = {p.sku for p in demo.products if p.streamer_id == demo.show.streamer_id}
    assert {pin.sku for pin in pins} <= own

    def on_show(at: float) -> str:
        return [pin.sku for pin in pins if pin.at <= at][-1]

    questions = [e for e in script.events if isinstance(e, Line) and e.kind is Kind.QUESTION]
    assert questions
    for line in questions:
        assert on_show(line.at) in mentioned(matcher, line.text), line.text
    speeches = [e for e in script.events if isinstance(e, Speech)]
    assert {s.lang for s in speeches} == set(demo.show.languages)
    for speech in speeches:
        assert on_show(speech.at) in mentioned(matcher, speech.text), speech.text
    orders = [e for e in script.events if isinstance(e, Purchase)]
    assert orders
    markets = {m.code: m for m in demo.markets}
    products = {p.sku: p for p in demo.products}
    for order in orders:
        asked = [q for q in questions if q.at < order.at and on_show(q.at) == order.sku]
        assert asked, order
        shown = [markets[code] for code in demo.show.markets]
        assert order.currency in {m.currency for m in shown}
        assert order.unit_price == products[order.sku].prices[order.currency] > Decimal(0)


def test_the_phrase_bank_speaks_every_language_and_its_hard_cases() -> None:
    banks = (phrases.GREETINGS, phrases.CHATTER, phrases.QUESTIONS, phrases.HARD)
    for bank in (*banks, phrases.LINKS, phrases.SPAM, phrases.SPEECH, phrases.NAMES):
        assert set(bank) == set(LANGUAGES)
        assert all(bank.values())
    assert all("{p}" in line for lines in phrases.QUESTIONS.values() for line in lines)
    hard = {text: lang for lines in phrases.HARD.values() for lang, text in lines}
    assert hard["باعاسى قانشا؟"] == "kk"  # Kazakh in Arabic script
    assert hard["Баһаси қанчә? Маңа керәк"] == "ug"  # Uyghur in Cyrillic
