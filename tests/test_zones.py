"""Zone rules come from the tzdata package, not from the host."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import livecommerce  # noqa: F401 - importing the package points zoneinfo at tzdata


def test_the_host_zone_files_are_not_consulted() -> None:
    assert zoneinfo.TZPATH == ()


@pytest.mark.parametrize(
    ("zone", "moment", "offset_hours"),
    [
        # Kazakhstan moved to one zone, UTC+05:00, on 2024-03-01.
        ("Asia/Almaty", datetime(2024, 2, 15, 12, tzinfo=UTC), 6),
        ("Asia/Almaty", datetime(2025, 1, 15, 12, tzinfo=UTC), 5),
        ("Asia/Urumqi", datetime(2026, 11, 20, 12, tzinfo=UTC), 6),
        ("Asia/Shanghai", datetime(2026, 11, 20, 12, tzinfo=UTC), 8),
        ("Asia/Tashkent", datetime(2026, 11, 20, 12, tzinfo=UTC), 5),
        ("Asia/Bishkek", datetime(2026, 11, 20, 12, tzinfo=UTC), 6),
        ("Europe/Moscow", datetime(2026, 7, 1, 12, tzinfo=UTC), 3),
        ("Europe/Berlin", datetime(2026, 3, 29, 0, 59, tzinfo=UTC), 1),
        ("Europe/Berlin", datetime(2026, 3, 29, 1, 0, tzinfo=UTC), 2),
        ("Europe/Warsaw", datetime(2026, 10, 25, 1, 0, tzinfo=UTC), 1),
    ],
)
def test_offsets(zone: str, moment: datetime, offset_hours: int) -> None:
    assert moment.astimezone(ZoneInfo(zone)).utcoffset() == timedelta(hours=offset_hours)
