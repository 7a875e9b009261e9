"""Where a show stands in time: live, upcoming or past, for a given `now`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from livecommerce.core.models import Show, ShowStatus


@dataclass(frozen=True)
class Timeline:
    live: list[Show] = field(default_factory=list)
    upcoming: list[Show] = field(default_factory=list)
    past: list[Show] = field(default_factory=list)


def split_by_time(shows: Iterable[Show], now: datetime) -> Timeline:
    """Live shows, upcoming ones (soonest first) and past ones (latest first).

    A show is past when it has ended or is finished or cancelled; live when `now` falls
    inside it; otherwise upcoming.
    """
    timeline = Timeline()
    for show in sorted(shows, key=lambda s: (s.starts_at, s.id)):
        done = show.status in (ShowStatus.FINISHED, ShowStatus.CANCELLED)
        if done or show.ends_at <= now:
            timeline.past.append(show)
        elif show.starts_at <= now:
            timeline.live.append(show)
        else:
            timeline.upcoming.append(show)
    timeline.past.reverse()
    return timeline
