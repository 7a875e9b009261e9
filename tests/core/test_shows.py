"""Where a show stands in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from livecommerce.core.models import Show, ShowStatus
from livecommerce.core.shows import split_by_time

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def show(name: str, starts_in_hours: float, hours: float = 2, status: str = "scheduled") -> Show:
    start = NOW + timedelta(hours=starts_in_hours)
    return Show(
        id=name,
        code=name.upper(),
        streamer_id="s",
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        markets=("KZ",),
        languages=("kk",),
        status=ShowStatus(status),
    )


@pytest.mark.parametrize(
    ("shows", "live", "upcoming", "past"),
    [
        ([], [], [], []),
        ([show("a", 1), show("b", 3)], [], ["a", "b"], []),
        ([show("b", 3), show("a", 1)], [], ["a", "b"], []),
        ([show("on", -1)], ["on"], [], []),
        ([show("edge", 0)], ["edge"], [], []),
        ([show("ended", -2)], [], [], ["ended"]),
        ([show("old", -48), show("older", -72)], [], [], ["old", "older"]),
        ([show("done-early", -1, status="finished")], [], [], ["done-early"]),
        ([show("called-off", 5, status="cancelled")], [], [], ["called-off"]),
    ],
)
def test_split_by_time(
    shows: list[Show], live: list[str], upcoming: list[str], past: list[str]
) -> None:
    timeline = split_by_time(shows, NOW)
    assert [s.id for s in timeline.live] == live
    assert [s.id for s in timeline.upcoming] == upcoming
    assert [s.id for s in timeline.past] == past
