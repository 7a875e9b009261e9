"""`livecommerce plan` as a user runs it: a real process over a seeded SQLite store."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from livecommerce import seeds
from livecommerce.core.planner import plan_shows
from livecommerce.services.planning import market_holidays
from tests.conftest import SEEDS
from tests.test_cli import one_line_error, run

MARKETS = ["KZ", "UZ", "KG", "RU", "EU"]


def next_monday(weeks: int = 2) -> date:
    """A Monday some weeks ahead, so the whole horizon is in the future whenever it runs."""
    today = datetime.now(UTC).date()
    return today + timedelta(days=7 * weeks - today.weekday())


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plan")
    result = run("seed", "--data-dir", str(folder), "--seeds-dir", str(SEEDS))
    assert result.returncode == 0, result.stderr
    return folder


def test_json_is_the_planners_plan_in_the_almaty_evening(data_dir: Path) -> None:
    start = next_monday()
    result = run(
        "plan",
        "--data-dir",
        str(data_dir),
        "--streamer",
        "khorgos-it",
        "--markets",
        ",".join(MARKETS),
        "--from",
        start.isoformat(),
        "--days",
        "7",
        "--shows",
        "5",
        "--length",
        "90m",
        "--gap",
        "2h",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)

    world = seeds.read(SEEDS)
    streamer = next(s for s in world.streamers if s.id == "khorgos-it")
    markets = [next(m for m in world.markets if m.code == c) for c in MARKETS]
    expected = plan_shows(
        streamer,
        markets,
        start=start,
        shows=5,
        length=timedelta(minutes=90),
        gap=timedelta(hours=2),
        days=7,
        holidays=market_holidays(markets, start, 7),
    )
    assert data["streamer"] == "khorgos-it"
    assert data["zone"] == "Asia/Urumqi"
    assert data["markets"] == MARKETS
    assert data["length_minutes"] == 90
    assert data["gap_minutes"] == 120
    assert len(data["slots"]) == 5
    for got, want in zip(data["slots"], expected.slots, strict=True):
        assert got["rank"] == want.rank
        assert datetime.fromisoformat(got["start"]) == want.start
        assert datetime.fromisoformat(got["end"]) == want.end
        assert got["score"] == pytest.approx(want.score)
        assert got["shares"] == pytest.approx(want.shares)
        assert sum(got["shares"].values()) == pytest.approx(1)
        assert got["night"] is want.night
        assert datetime.fromisoformat(got["streamer_start"]) == want.streamer_start
        # Every market zone's local start, converted from the UTC instant.
        for local in got["local"]:
            moment = datetime.fromisoformat(local["start"])
            assert moment == want.start
            assert moment.utcoffset() == want.start.astimezone(ZoneInfo(local["zone"])).utcoffset()
        almaty = next(lt for lt in got["local"] if lt["zone"] == "Asia/Almaty")
        # The Khorgos slots land in the Almaty evening peak.
        assert 18 <= datetime.fromisoformat(almaty["start"]).hour <= 22
    zones = [f["zone"] for f in data["compare"]]
    assert zones == ["Asia/Urumqi", "Asia/Shanghai"]
    for fit in data["compare"]:
        assert fit["slots"] == 5
        assert 0 <= fit["peak_hours"] <= fit["peak_hours_total"]
    assert data["written"] is None


def test_table_speaks_the_readers_language(data_dir: Path) -> None:
    result = run(
        "plan",
        "--data-dir",
        str(data_dir),
        "--streamer",
        "khorgos-it",
        "--markets",
        "KZ,RU",
        "--from",
        next_monday().isoformat(),
        "--shows",
        "3",
        "--locale",
        "ru",
    )
    assert result.returncode == 0, result.stderr
    for word in ("Казахстан", "Россия", "Алматы", "Москва", "Урумчи"):
        assert word in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "status", "expected"),
    [
        (["--streamer", "nobody"], 6, "there is no streamer nobody"),
        (["--streamer", "../../etc/passwd"], 6, "there is no streamer"),
        (["--markets", "KZ,XX"], 6, "there is no market XX"),
        (["--markets", ","], 2, "markets: name at least one market"),
        (["--from", "2026-13-40"], 2, "is not a date"),
        (["--from", "tomorrow"], 2, "is not a date"),
        (["--from", "2000-01-01"], 2, "are over"),
        (["--length", "90"], 2, "is not a length"),
        (["--length", "0m"], 2, "is not a length"),
        (["--length", "-5m"], 2, "is not a length"),
        (["--length", "1e9h"], 2, "is not a length"),
        (["--length", "999h"], 2, "is not a length"),
        (["--gap", "soon"], 2, "is not a length"),
        (["--days", "0"], 2, "--days"),
        (["--shows", "-1"], 2, "--shows"),
        (["--compare", "Mars/Olympus"], 2, "Unknown time zone: Mars/Olympus."),
        (["--compare", "../../etc/passwd"], 2, "Unknown time zone"),
        (["--days", "1", "--shows", "3", "--length", "12h"], 2, "cannot plan: Only"),
    ],
)
def test_bad_input_is_one_line(data_dir: Path, args: list[str], status: int, expected: str) -> None:
    base = {"--streamer": "khorgos-it", "--from": next_monday().isoformat()}
    given = dict(zip(args[::2], args[1::2], strict=True))
    flags = [item for key, value in {**base, **given}.items() for item in (key, value)]
    result = run("plan", "--data-dir", str(data_dir), *flags)
    assert result.returncode == status, result.stderr
    assert expected in one_line_error(result)


def test_impossible_plan_is_translated(data_dir: Path) -> None:
    result = run(
        "plan",
        "--data-dir",
        str(data_dir),
        "--streamer",
        "nobody",
        env={"LIVECOMMERCE_LOCALE": "ru"},
    )
    assert result.returncode == 6
    line = one_line_error(result)
    assert "nobody" in line


def test_write_into_a_folder_is_one_line(data_dir: Path, tmp_path: Path) -> None:
    result = run(
        "plan",
        "--data-dir",
        str(data_dir),
        "--streamer",
        "khorgos-it",
        "--from",
        next_monday().isoformat(),
        "--write",
        str(tmp_path / "blocker" / "plan.toml"),
    )
    assert result.returncode == 0, result.stderr
    (tmp_path / "blocker" / "plan.toml").unlink()
    (tmp_path / "blocker" / "plan.toml").mkdir()
    result = run(
        "plan",
        "--data-dir",
        str(data_dir),
        "--streamer",
        "khorgos-it",
        "--from",
        next_monday().isoformat(),
        "--write",
        str(tmp_path / "blocker" / "plan.toml"),
    )
    assert result.returncode != 0
    assert "plan.toml" in one_line_error(result)


def test_ics_holds_the_planned_shows_at_their_instants(data_dir: Path, tmp_path: Path) -> None:
    import vobject

    start = next_monday()
    ics = tmp_path / "plan.ics"
    args = ["plan", "--data-dir", str(data_dir), "--streamer", "khorgos-it"]
    args += ["--markets", ",".join(MARKETS), "--from", start.isoformat(), "--shows", "3"]
    result = run(*args, "--json", "--ics", str(ics))
    assert result.returncode == 0, result.stderr
    slots = json.loads(result.stdout)["slots"]
    calendar = vobject.readOne(ics.read_text(encoding="utf-8"))
    events = sorted(calendar.vevent_list, key=lambda e: e.dtstart.value)
    starts = sorted(datetime.fromisoformat(s["start"].replace("Z", "+00:00")) for s in slots)
    assert [e.dtstart.value for e in events] == starts
    assert all(e.uid.value.endswith("@livecommerce") for e in events)
