"""`livecommerce shows list [--past]`: every show with its status, the past ones with the
totals of their reports, in the reader's language and zone; bad input is one line."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from livecommerce.app import open_store
from livecommerce.i18n import Localizer
from tests.cli.test_report import cli
from tests.helpers.cli import Ran, one_line_error
from tests.helpers.shows import finished_before
from tests.web.test_reports import SHOW, STARTS, expected

UPCOMING = {"jiangxi-kitchen-2026-12-10", "zhejiang-bedding-2026-12-12"}
TITLE_RU = "IT-пятница из Хоргоса: ноутбуки, роутеры и SSD по ценам границы"


@pytest.fixture
async def data(tmp_path: Path) -> Path:
    folder = tmp_path / "var"
    code, _, err = await cli("seed", data=folder)
    assert code == 0, err
    return folder


async def add_old_shows(data: Path, count: int) -> list[str]:
    """Finished shows before the seeds' one, a day apart (no orders of their own)."""
    store = open_store(f"sqlite:///{data / 'livecommerce.db'}")
    await store.start()
    try:
        show = await store.show(SHOW)
        assert show is not None
        old = finished_before(show, count, "old")
        await store.put_shows(old)
        return [s.id for s in old]
    finally:
        await store.close()


async def test_every_show_with_its_status_as_json(data: Path) -> None:
    code, out, err = await cli("shows", "list", "--json", "--zone", "Asia/Almaty", data=data)
    assert code == 0, err
    listed = json.loads(out)
    by_id = {row["id"]: row for row in listed}
    assert by_id[SHOW]["status"] == "past"
    assert {i for i, row in by_id.items() if row["status"] == "upcoming"} >= UPCOMING
    past = by_id[SHOW]
    assert past["starts_at"] == "2026-11-20T13:00:00Z"
    assert past["zone"] == "Asia/Almaty"
    assert past["local_start"] == STARTS.astimezone(Localizer(zone="Asia/Almaty").tzinfo).isoformat(
        timespec="seconds"
    )
    assert "orders" not in past  # totals only with --past
    # Upcoming before past, as on the home page.
    statuses = [row["status"] for row in listed]
    assert statuses == sorted(statuses, key=["live", "upcoming", "past"].index)


async def test_past_shows_with_their_totals(data: Path) -> None:
    old = await add_old_shows(data, 3)
    code, out, err = await cli("shows", "list", "--past", "--json", data=data)
    assert code == 0, err
    listed = json.loads(out)
    assert [row["id"] for row in listed] == [SHOW, *old]  # newest first
    want = expected()
    first = listed[0]
    assert first["status"] == "past"
    assert first["orders"] == want.orders > 0
    assert first["units"] == want.units
    assert Decimal(first["revenue"]) == want.revenue.quantize(Decimal("0.01"))
    assert first["currency"] == "CNY"
    assert [row["orders"] for row in listed[1:]] == [0, 0, 0]


async def test_the_table_in_russian_in_the_readers_zone(data: Path) -> None:
    code, out, err = await cli(
        "shows", "list", "--past", "--locale", "ru", "--zone", "Asia/Urumqi", data=data
    )
    assert code == 0, err
    ru = Localizer("ru", "Asia/Urumqi")
    want = expected()
    text = out.replace("\xa0", " ")
    assert ru.gettext("Past shows") in out
    assert TITLE_RU in out
    assert ru.clock_name() in out  # «время Пекина / время Синьцзяна»
    assert ru.format_time(STARTS, zone="Asia/Urumqi") in out  # 19:00 on Xinjiang's clock
    assert ru.format_money(want.revenue, "CNY").replace("\xa0", " ") in text
    assert f" {want.orders} " in text

    code, out, err = await cli("shows", "list", "--locale", "zh_Hans", data=data)
    assert code == 0, err
    zh = Localizer("zh_Hans")
    for status in ("Upcoming", "Past"):
        assert zh.gettext(status) in out


async def test_no_shows_at_all(tmp_path: Path) -> None:
    data = tmp_path / "empty"
    data.mkdir()
    code, out, err = await cli("shows", "list", "--past", "--locale", "kk", data=data)
    assert code == 0, err
    assert out.strip() == Localizer("kk").gettext("No shows have taken place yet.")
    code, out, err = await cli("shows", "list", "--json", data=data)
    assert code == 0, err
    assert json.loads(out) == []


async def test_an_unknown_zone_is_one_translated_line(data: Path) -> None:
    code, out, err = await cli("shows", "list", "--zone", "Mars/Base", "--locale", "ru", data=data)
    assert code == 2
    assert out == ""
    line = one_line_error(Ran(code, out, err))
    assert line.startswith("livecommerce: ")
    assert "--zone" in line
    assert "Mars/Base" in line
    assert Localizer("ru").gettext("Unknown time zone: {zone}.").format(zone="Mars/Base") in line
