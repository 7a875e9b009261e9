"""The held queue, and the restrictions that keep writers back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from livecommerce.core.changes import Restriction
from livecommerce.core.held import Held, HeldQueue
from livecommerce.core.models import ChatMessage, Role
from livecommerce.core.protocol import FrameError
from livecommerce.core.restrictions import Restrictions
from livecommerce.core.routing import Member

TS = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
VIEWER = Member(1, "u-1", "A", Role.VIEWER, frozenset({"kk"}), guest=True)
MODERATOR = Member(10, "m-1", "M", Role.MODERATOR, frozenset({"kk"}), frozenset({"kk"}))


def held(hold_id: int) -> Held:
    message = ChatMessage("show-1", 0, TS, "kk", "u-1", "A", Role.VIEWER, f"held {hold_id}")
    return Held(hold_id, message, ("link",), None)


def test_the_held_queue_keeps_order_and_resolves_once() -> None:
    queue = HeldQueue()
    for hold_id in (3, 1, 2):
        queue.hold(held(hold_id))
    assert [h.hold_id for h in queue] == [3, 1, 2]
    assert queue.get(1) == held(1)
    assert queue.resolve(1) == held(1)
    assert queue.resolve(1) is None
    assert queue.get(1) is None
    assert len(queue) == 2


def code(error: pytest.ExceptionInfo[FrameError]) -> tuple[str, object]:
    return error.value.code, dict(error.value.params).get("seconds")


def test_a_timeout_holds_back_viewers_not_staff() -> None:
    limits = Restrictions(rate=1.0, burst=5.0, abuse_limit=3, abuse_window=60.0)
    limits.restrict(Restriction.TIMEOUT, "u-1", 100.0)
    limits.restrict(Restriction.TIMEOUT, "m-1", 100.0)
    with pytest.raises(FrameError) as refused:
        limits.check_timeout(VIEWER, 40.5, "r")
    assert code(refused) == ("timed_out", 60)
    assert refused.value.ref == "r"
    limits.check_timeout(MODERATOR, 40.5, None)
    limits.check_timeout(VIEWER, 100.0, None)  # over


def test_bans_and_unbans() -> None:
    limits = Restrictions(1.0, 5.0, 3, 60.0)
    limits.restrict(Restriction.BAN, "u-1", None)
    limits.restrict(Restriction.BAN, "m-1", None)
    assert limits.banned(VIEWER)
    assert not limits.banned(MODERATOR)  # staff are never locked out of their show
    limits.restrict(Restriction.TIMEOUT, "u-1", 500.0)
    limits.restrict(Restriction.UNBAN, "u-1", None)
    assert not limits.banned(VIEWER)
    limits.check_timeout(VIEWER, 1.0, None)  # an unban lifts the timeout too


def test_rate_slow_mode_and_abuse() -> None:
    limits = Restrictions(rate=1.0, burst=2.0, abuse_limit=2, abuse_window=60.0)
    limits.connect(VIEWER.conn)
    limits.connect(MODERATOR.conn)
    limits.take(VIEWER, 0.0, None)
    limits.take(VIEWER, 0.0, None)
    with pytest.raises(FrameError) as refused:
        limits.take(VIEWER, 0.0, None)
    assert code(refused) == ("rate_limited", None)
    for _ in range(5):
        limits.take(MODERATOR, 0.0, None)
    limits.set_slow("kk", 30)
    limits.set_slow("ru", 0)
    assert limits.slow_modes() == {"kk": 30}
    assert limits.first_time(VIEWER)
    limits.wrote(VIEWER.user, "kk", 10.0)
    assert not limits.first_time(VIEWER)
    with pytest.raises(FrameError) as refused:
        limits.check_slow(VIEWER, "kk", 25.0, None)
    assert code(refused) == ("slow_mode", 15)
    limits.check_slow(VIEWER, "ru", 25.0, None)
    limits.check_slow(MODERATOR, "kk", 25.0, None)
    assert [limits.abused(VIEWER.conn, 1.0) for _ in range(3)] == [False, False, True]
    limits.disconnect(VIEWER.conn)
    assert not limits.abused(VIEWER.conn, 1.0)


def held_from(hold_id: int, user: str) -> Held:
    message = ChatMessage("show-1", 0, TS, "kk", user, user, Role.VIEWER, f"held {hold_id}")
    return Held(hold_id, message, ("link",), None)


def test_the_held_queue_pushes_out_its_oldest_when_full() -> None:
    queue = HeldQueue(limit=3, per_sender=10)
    assert [queue.hold(held_from(i, f"u-{i}")) for i in (1, 2, 3)] == [[], [], []]
    assert [h.hold_id for h in queue.hold(held_from(4, "u-4"))] == [1]
    assert [h.hold_id for h in queue] == [2, 3, 4]
    assert queue.resolve(3) is not None
    assert queue.hold(held_from(5, "u-5")) == []  # a resolved one made room
    assert [h.hold_id for h in queue] == [2, 4, 5]


def test_one_writer_cannot_fill_the_held_queue() -> None:
    queue = HeldQueue(limit=100, per_sender=2)
    queue.hold(held_from(1, "other"))
    evicted = [h.hold_id for i in range(2, 12) for h in queue.hold(held_from(i, "flood"))]
    assert evicted == list(range(2, 10))  # the writer's own oldest, never the other's
    assert [h.hold_id for h in queue] == [1, 10, 11]
    # resolving frees the writer's place
    queue.resolve(10)
    assert queue.hold(held_from(12, "flood")) == []
    assert [h.hold_id for h in queue] == [1, 11, 12]


@pytest.mark.parametrize(
    ("size", "before", "ids", "more"),
    [
        (3, None, [8, 9, 10], True),
        (3, 8, [5, 6, 7], True),
        (3, 4, [1, 2, 3], False),
        (3, 3, [1, 2], False),
        (3, 1, [], False),
        (20, None, list(range(1, 11)), False),
    ],
)
def test_pages_of_the_held_queue_newest_first(
    size: int, before: int | None, ids: list[int], more: bool
) -> None:
    queue = HeldQueue(limit=100, per_sender=100)
    for i in range(1, 11):
        queue.hold(held_from(i, "u"))
    page = queue.page(size, lambda h: True, before)
    assert ([h.hold_id for h in page.items], page.total, page.more) == (ids, 10, more)


def test_a_page_holds_only_what_the_reader_may_see() -> None:
    queue = HeldQueue()
    for i in range(1, 11):
        queue.hold(held_from(i, "u"))
    page = queue.page(2, lambda h: h.hold_id % 2 == 0)
    assert ([h.hold_id for h in page.items], page.total, page.more) == ([8, 10], 5, True)
