"""The bus contract, run on both backends: in one process and on the machine's Redis.

Two buses stand for two `serve` processes sharing a show."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest

from livecommerce.core.changes import (
    Change,
    ChangeError,
    MessageErased,
    MessageHeld,
    MessagePublished,
    Origin,
    Restriction,
    SlowModeSet,
    UserRestricted,
)
from livecommerce.core.models import ChatMessage, Role
from livecommerce.services.bus import Bus, LocalBroker, LocalBus, decode, encode
from livecommerce.services.redis_bus import RedisBus
from tests.conftest import REDIS_TEST_URL, redis_keys

SHOW = "show-1"
TS = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

MakeBus = Callable[..., Bus]


def message(text: str, lang: str = "kk") -> ChatMessage:
    return ChatMessage(
        show_id=SHOW,
        id=0,
        ts=TS,
        lang=lang,
        user_id="u-1",
        user_name="Айгерім",
        role=Role.VIEWER,
        text=text,
        mentions=("SINK-60",),
    )


def said(text: str, process: str = "a", lang: str = "kk") -> Change:
    return MessagePublished(
        message=message(text, lang), origin=Origin(process, 7, "r1"), store=process
    )


@pytest.fixture(params=["local", "redis"])
async def make_bus(request: pytest.FixtureRequest) -> AsyncIterator[MakeBus]:
    made: list[Bus] = []
    stack = contextlib.AsyncExitStack()
    if request.param == "local":
        broker = LocalBroker(keep=50)

        def make(process: str, keep: int = 50) -> Bus:
            broker.keep = keep
            bus = LocalBus(broker, process)
            made.append(bus)
            return bus

    else:
        prefix = await stack.enter_async_context(redis_keys())

        def make(process: str, keep: int = 50) -> Bus:
            bus = RedisBus(REDIS_TEST_URL, prefix=prefix, keep=keep, process=process)
            made.append(bus)
            return bus

    async with stack:
        yield make
        for bus in made:
            await bus.close()


async def started(bus: Bus) -> list[Change]:
    """Start a bus subscribed to the show; the list fills with what it hears."""
    heard: list[Change] = []
    await bus.start()
    await bus.subscribe(SHOW, heard.append)
    return heard


async def until(count: int, *lists: list[Change]) -> None:
    async with asyncio.timeout(10):
        while any(len(heard) < count for heard in lists):  # noqa: ASYNC110 - filled by the bus
            await asyncio.sleep(0.01)


async def ready(bus: Bus, heard: list[Change]) -> None:
    """Wait until a subscription delivers (Redis subscribes in the background)."""
    probe = SlowModeSet(lang="ky", seconds=0)
    async with asyncio.timeout(10):
        while True:
            await bus.publish("probe-" + SHOW, probe, 0)  # another show: nothing heard
            await bus.publish(SHOW, probe, 0)
            await asyncio.sleep(0.05)
            if heard:
                heard.clear()
                return


async def test_every_process_hears_every_change_in_one_order(make_bus: MakeBus) -> None:
    a, b = make_bus("a"), make_bus("b")
    heard_a, heard_b = await started(a), await started(b)
    await ready(a, heard_a)
    await ready(b, heard_b)
    heard_a.clear()
    heard_b.clear()
    sent = [
        await a.publish(SHOW, said("Сәлем"), 0),
        await b.publish(SHOW, said("Привет", "b", "ru"), 0),
        await a.publish(SHOW, MessageErased(id=3, lang="kk", origin=Origin("a", 7), store="a"), 0),
        await b.publish(SHOW, said("Rahmat", "b", "uz"), 0),
    ]
    await until(4, heard_a, heard_b)
    assert heard_a == heard_b == sent
    places = [c.seq for c in sent]
    assert places == sorted(places)
    assert len(set(places)) == 4
    # A message takes its place as its id; the rest keep their own fields.
    assert [c.message.id for c in sent if isinstance(c, MessagePublished)] == [
        places[0],
        places[1],
        places[3],
    ]
    erased = sent[2]
    assert isinstance(erased, MessageErased)
    assert erased.id == 3
    assert erased.lang == "kk"
    assert isinstance(sent[1], MessagePublished)
    assert sent[1].message.text == "Привет"
    assert sent[1].origin == Origin("b", 7, "r1")


async def test_the_sequence_never_goes_below_the_floor(make_bus: MakeBus) -> None:
    a = make_bus("a")
    first = await a.publish(SHOW, said("бір"), 0)
    lifted = await a.publish(SHOW, said("екі"), 500)
    after = await a.publish(SHOW, said("үш"), 0)
    assert first.seq >= 1
    assert lifted.seq == 501
    assert after.seq == 502


async def test_a_late_process_finds_the_kept_history(make_bus: MakeBus) -> None:
    a = make_bus("a", keep=5)
    published = [await a.publish(SHOW, said(f"хабар {n}"), 0) for n in range(8)]
    late = make_bus("late", keep=5)
    kept, last = await late.history(SHOW)
    assert last == published[-1].seq
    # Only the last five are kept, oldest first.
    assert kept == published[-5:]


async def test_an_unsubscribed_process_hears_nothing_more(make_bus: MakeBus) -> None:
    a, b = make_bus("a"), make_bus("b")
    heard_a, heard_b = await started(a), await started(b)
    await ready(a, heard_a)
    await ready(b, heard_b)
    await b.unsubscribe(SHOW)
    await asyncio.sleep(0.3)  # Redis drops the subscription in the background
    await a.publish(SHOW, said("тек саған"), 0)
    await until(1, heard_a)
    await a.publish(SHOW, said("тағы"), 0)
    await until(2, heard_a)
    assert heard_b == []


async def test_moderation_changes_cross_intact(make_bus: MakeBus) -> None:
    a, b = make_bus("a"), make_bus("b")
    heard_b = await started(b)
    await ready(b, heard_b)
    mod = {"type": "mod", "action": "timeout", "by": {"id": "m-1", "name": "Модератор"}}
    change = UserRestricted(
        action=Restriction.TIMEOUT,
        user="u-9",
        until=1764331200.25,
        seconds=60,
        origin=Origin("a", 3, None),
        mod=mod,
    )
    published = await a.publish(SHOW, change, 0)
    await until(1, heard_b)
    assert heard_b[0] == published
    restricted = heard_b[0]
    assert isinstance(restricted, UserRestricted)
    assert restricted.action is Restriction.TIMEOUT
    assert restricted.until == 1764331200.25
    assert restricted.mod == mod


def test_payloads_round_trip_and_garbage_is_refused() -> None:
    change = MessageHeld(
        message=message("http://x.kz"), reasons=("link",), origin=Origin("p", 1, "x")
    )
    back = decode("42 " + encode(change))
    assert back.seq == 42
    assert isinstance(back, MessageHeld)
    assert back.message.id == 42
    assert back.reasons == ("link",)
    assert back.message.mentions == ("SINK-60",)
    for garbage in ("", "x {}", "1 {", '1 {"kind":"launch"}', '1 {"kind":"message","message":{}}'):
        with pytest.raises(ChangeError):
            decode(garbage)
