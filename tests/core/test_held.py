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
