"""Schedule files: written by `plan --write`, checked and applied, listed; broken ones named.

The commands run in-process (tests/helpers/cli.py), over a real SQLite file.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from livecommerce.config import LOCALES
from livecommerce.errors import ScheduleError
from livecommerce.files import schedules, seeds
from tests.conftest import ROOT, SEEDS
from tests.helpers.cli import Ran, invoke, next_monday, one_line_error

GOOD = """
[[show]]
id = "khorgos-it-test"
code = "KITEST"
streamer = "khorgos-it"
starts_at = {start}
length = "90m"
markets = ["KZ", "UZ"]
languages = ["kk", "ru", "uz"]
fallback_moderators = ["ru"]
featured = ["IT-LAP-14"]
moderators = {{ ru = ["aigerim"] }}
titles = {{ en = "Laptops", ru = "Ноутбуки" }}
"""


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "var"
    result = invoke("seed", "--set", "data_dir", str(folder), "--set", "seeds_dir", str(SEEDS))
    assert result.returncode == 0, result.stderr
    return folder


def apply(file: Path, data_dir: Path, locale: str) -> Ran:
    """`schedule apply FILE` for a reader of `locale`."""
    return invoke(
        "schedule",
        "apply",
        str(file),
        "--set",
        "data_dir",
        str(data_dir),
        env={"LIVECOMMERCE_LOCALE": locale},
    )


def future() -> str:
    return (datetime.now(UTC) + timedelta(days=10)).strftime("%Y-%m-%dT15:00:00Z")


@pytest.mark.parametrize(
    ("text", "lengths"),
    [("90m", 90), ("2h", 120), ("1h30m", 90), ("1h 30m", 90), ("24h", 1440), ("45min", 45)],
)
def test_lengths(text: str, lengths: int) -> None:
    assert schedules.parse_length(text) == timedelta(minutes=lengths)


@pytest.mark.parametrize("text", ["", "90", "0m", "-5m", "25h", "1e9h", "h", 90, None])
def test_bad_lengths(text: object) -> None:
    with pytest.raises(seeds.Bad):
        schedules.parse_length(text)


def test_local_start_with_a_zone(tmp_path: Path) -> None:
    file = tmp_path / "s.toml"
    file.write_text(
        GOOD.format(start="2026-12-07T20:00:00").replace(
            'length = "90m"', 'length = "90m"\nzone = "Asia/Almaty"'
        ),
        encoding="utf-8",
    )
    (entry,) = schedules.read(file)
    assert entry.show.starts_at == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    assert entry.show.ends_at == datetime(2026, 12, 7, 16, 30, tzinfo=UTC)
    assert entry.show.moderators == {"ru": ("aigerim",)}


def test_render_reads_back(tmp_path: Path) -> None:
    file = tmp_path / "s.toml"
    file.write_text(GOOD.format(start="2026-12-07T15:00:00Z"), encoding="utf-8")
    shows = [e.show for e in schedules.read(file)]
    again = tmp_path / "again.toml"
    schedules.write(again, schedules.render(shows, ["a header"], {shows[0].id: ["a note"]}))
    assert [e.show for e in schedules.read(again)] == shows


def test_the_example_schedule_is_valid_for_the_seeds() -> None:
    path = ROOT / "schedules" / "khorgos-it-2026-12-07.toml"
    entries = schedules.read(path)
    world = seeds.read(SEEDS)
    schedules.check(path, entries, world.streamers, world.markets, world.products)
    assert len(entries) == 5
    assert {e.show.streamer_id for e in entries} == {"khorgos-it"}


def test_write_apply_list_round_trip(data_dir: Path, tmp_path: Path) -> None:
    file = tmp_path / "schedules" / "plan.toml"
    planned = invoke(
        "plan",
        "--set",
        "data_dir",
        str(data_dir),
        "--streamer",
        "khorgos-it",
        "--markets",
        "KZ,UZ,KG,RU,EU",
        "--from",
        next_monday().isoformat(),
        "--write",
        str(file),
        "--json",
    )
    assert planned.returncode == 0, planned.stderr
    slots = json.loads(planned.stdout)["slots"]
    starts = {datetime.fromisoformat(s["start"]) for s in slots}

    first = invoke("schedule", "apply", str(file), "--json", "--set", "data_dir", str(data_dir))
    assert first.returncode == 0, first.stderr
    applied = json.loads(first.stdout)
    assert len(applied["added"]) == 5
    assert applied["updated"] == applied["unchanged"] == []

    second = invoke("schedule", "apply", str(file), "--json", "--set", "data_dir", str(data_dir))
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    assert again["added"] == again["updated"] == []
    assert sorted(again["unchanged"]) == sorted(applied["added"])

    # Writing the same plan again names the same shows: applying it changes nothing.
    rewritten = invoke(
        "plan",
        "--set",
        "data_dir",
        str(data_dir),
        "--streamer",
        "khorgos-it",
        "--markets",
        "KZ,UZ,KG,RU,EU",
        "--from",
        next_monday().isoformat(),
        "--write",
        str(file),
    )
    assert rewritten.returncode == 0, rewritten.stderr
    third = invoke("schedule", "apply", str(file), "--json", "--set", "data_dir", str(data_dir))
    assert json.loads(third.stdout)["added"] == []
    assert json.loads(third.stdout)["updated"] == []

    listed = invoke(
        "schedule", "list", "--zone", "Asia/Almaty", "--json", "--set", "data_dir", str(data_dir)
    )
    assert listed.returncode == 0, listed.stderr
    shows = {s["id"]: s for s in json.loads(listed.stdout)}
    for show_id in applied["added"]:
        show = shows[show_id]
        assert datetime.fromisoformat(show["starts_at"]) in starts
        local = datetime.fromisoformat(show["local_start"])
        assert local.utcoffset() == timedelta(hours=5)  # Almaty since 2024-03-01
        assert 18 <= local.hour <= 22
        zones = {m["zone"] for m in show["markets"]}
        assert {"Asia/Almaty", "Asia/Tashkent", "Europe/Moscow", "Europe/Warsaw"} <= zones
        assert "IT-LAP-14" in show["featured"]

    table = invoke("schedule", "list", "--zone", "Asia/Almaty", "--set", "data_dir", str(data_dir))
    assert table.returncode == 0, table.stderr
    assert "Almaty time" in table.stdout
    assert "Moscow time" in table.stdout

    # Without --zone, the times are on this computer's clock, not the language's: a
    # Russian reader in Almaty (TZ) sees Almaty time.
    russian = invoke(
        "schedule",
        "list",
        "--locale",
        "ru",
        "--set",
        "data_dir",
        str(data_dir),
        env={"TZ": "Asia/Almaty"},
    )
    assert russian.returncode == 0, russian.stderr
    assert "Начало (время Алматы)" in " ".join(russian.stdout.split())
    listed_here = invoke(
        "schedule", "list", "--json", "--set", "data_dir", str(data_dir), env={"TZ": "Asia/Almaty"}
    )
    assert {s["zone"] for s in json.loads(listed_here.stdout)} == {"Asia/Almaty"}


def test_an_edited_entry_is_updated_and_keeps_its_status(data_dir: Path, tmp_path: Path) -> None:
    file = tmp_path / "s.toml"
    file.write_text(GOOD.format(start=future()), encoding="utf-8")
    assert (
        invoke("schedule", "apply", str(file), "--set", "data_dir", str(data_dir)).returncode == 0
    )
    file.write_text(
        GOOD.format(start=future()).replace('"Laptops"', '"Laptops, edited"'), encoding="utf-8"
    )
    result = invoke("schedule", "apply", str(file), "--json", "--set", "data_dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["updated"] == ["khorgos-it-test"]
    listed = json.loads(
        invoke("schedule", "list", "--json", "--set", "data_dir", str(data_dir)).stdout
    )
    show = next(s for s in listed if s["id"] == "khorgos-it-test")
    assert show["title"] == "Laptops, edited"
    assert show["status"] == "scheduled"
    assert show["moderators"] == {"ru": ["aigerim"]}


@pytest.mark.parametrize(
    ("old", "new", "where", "reason"),
    [
        ("[[show]]", "[[show]\n", "-", ""),
        (
            'length = "90m"',
            'length = "90m"\nzone = "Mars/Olympus"',
            "#1 (khorgos-it-test), zone",
            "Mars",
        ),
        (
            'streamer = "khorgos-it"',
            'streamer = "nobody"',
            "#1 (khorgos-it-test), streamer",
            "unknown streamer 'nobody'",
        ),
        ('code = "KITEST"\n', "", "#1 (khorgos-it-test), code", "missing field"),
        (
            "starts_at = {start}",
            'starts_at = "next friday"',
            "#1 (khorgos-it-test), starts_at",
            "not an ISO 8601 time",
        ),
        (
            "starts_at = {start}",
            "starts_at = 2026-12-07T20:00:00",
            "#1 (khorgos-it-test), starts_at",
            "UTC offset",
        ),
        (
            'markets = ["KZ", "UZ"]',
            'markets = ["KZ", "XX"]',
            "#1 (khorgos-it-test), markets",
            "unknown market 'XX'",
        ),
        (
            'featured = ["IT-LAP-14"]',
            'featured = ["NOPE"]',
            "#1 (khorgos-it-test), featured",
            "unknown sku 'NOPE'",
        ),
        (
            'featured = ["IT-LAP-14"]',
            'featured = ["SNK-SB-6045"]',
            "#1 (khorgos-it-test), featured",
            "not a product of",
        ),
        ('length = "90m"', 'lenght = "90m"', "#1 (khorgos-it-test), lenght", "unknown field"),
        ('length = "90m"', 'length = "forever"', "#1 (khorgos-it-test), length", "is not a length"),
        (
            'languages = ["kk", "ru", "uz"]',
            'languages = ["kk", "xx"]',
            "#1 (khorgos-it-test), languages",
            "'xx'",
        ),
        (
            'fallback_moderators = ["ru"]',
            'fallback_moderators = ["en"]',
            "#1 (khorgos-it-test), fallback_moderators",
            "not among",
        ),
        ('id = "khorgos-it-test"', 'id = "../../etc"', "#1 (../../etc), id", "not a valid id"),
    ],
)
def test_a_broken_file_names_file_entry_and_field(
    data_dir: Path, tmp_path: Path, old: str, new: str, where: str, reason: str
) -> None:
    file = tmp_path / "broken.toml"
    file.write_text(GOOD.replace(old, new).format(start=future()), encoding="utf-8")
    result = invoke("schedule", "apply", str(file), "--set", "data_dir", str(data_dir))
    assert result.returncode == 4, result.stderr
    line = one_line_error(result)
    assert f"schedule file {file}, " in line
    assert where in line
    assert reason in line


TRANSLATED = [
    # the break, the reason's English words, and what ru and zh readers see
    (
        ('length = "90m"', 'length = "forever"'),
        "is not a length",
        "#1 (khorgos-it-test), length: 'forever' — не длительность вида 90m, 2h или 1h30m",
        "#1 (khorgos-it-test), length：'forever' 不是时长，应类似 90m、2h 或 1h30m",
    ),
    (
        ('streamer = "khorgos-it"', 'streamer = "nobody"'),
        "unknown streamer",
        "#1 (khorgos-it-test), streamer: неизвестный стример 'nobody'",
        "#1 (khorgos-it-test), streamer：未知主播 'nobody'",
    ),
    (
        ('code = "KITEST"\n', ""),
        "missing field",
        "#1 (khorgos-it-test), code: поле отсутствует",
        "#1 (khorgos-it-test), code：缺少字段",
    ),
]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("change", "english", "ru", "zh"), TRANSLATED)
def test_a_broken_file_is_one_line_in_the_readers_language(
    data_dir: Path,
    tmp_path: Path,
    locale: str,
    change: tuple[str, str],
    english: str,
    ru: str,
    zh: str,
) -> None:
    """Issue #11: the reasons were English f-strings whatever the reader's language."""
    file = tmp_path / "broken.toml"
    file.write_text(GOOD.replace(*change).format(start=future()), encoding="utf-8")
    result = apply(file, data_dir, locale)
    assert result.returncode == 4, result.stderr
    line = one_line_error(result)
    assert str(file) in line
    assert (english in line) == (locale == "en"), line
    if locale == "ru":
        assert line.endswith(ru), line
    if locale == "zh_Hans":
        assert line.endswith(zh), line


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("starts_at = {start}", "starts_at = 0001-01-01T00:00:00+14:00", "starts_at"),
        ("starts_at = {start}", "starts_at = 9999-12-31T23:59:59-14:00", "starts_at"),
        ("starts_at = {start}", 'starts_at = "9999-12-31T23:59:59-14:00"', "starts_at"),
        ("starts_at = {start}", "starts_at = 9999-12-31T23:00:00Z", "starts_at"),
        ("starts_at = {start}", "starts_at = 1969-12-31T23:00:00Z", "starts_at"),
        (
            "starts_at = {start}",
            'starts_at = 9999-12-31T23:59:00\nzone = "Pacific/Kiritimati"',
            "starts_at",
        ),
        (
            "starts_at = {start}",
            'starts_at = 0001-01-01T00:00:00\nzone = "Pacific/Kiritimati"',
            "starts_at",
        ),
        ('length = "90m"', "ends_at = 9999-12-31T23:59:59-14:00", "ends_at"),
    ],
)
def test_a_time_outside_the_years_is_one_line(
    data_dir: Path, tmp_path: Path, old: str, new: str, field: str
) -> None:
    file = tmp_path / "edge.toml"
    file.write_text(GOOD.replace(old, new).format(start=future()), encoding="utf-8")
    result = invoke("schedule", "apply", str(file), "--set", "data_dir", str(data_dir))
    assert result.returncode == 4, result.stderr
    line = one_line_error(result)
    assert f"#1 (khorgos-it-test), {field}: must be a time from 1970 to 2099" in line
    translated = apply(file, data_dir, "ru")
    assert translated.returncode == 4
    assert "must be a time" not in one_line_error(translated)
    assert "1970" in one_line_error(translated)


def test_a_second_entry_with_the_same_code_names_both(data_dir: Path, tmp_path: Path) -> None:
    """Issue #11: the store's unique code refused the second show with a traceback."""
    other = GOOD.replace('id = "khorgos-it-test"', 'id = "khorgos-it-other"')
    file = tmp_path / "codes.toml"
    file.write_text((GOOD + other).format(start=future()), encoding="utf-8")
    result = invoke("schedule", "apply", str(file), "--set", "data_dir", str(data_dir))
    assert result.returncode == 4, result.stderr
    line = one_line_error(result)
    assert line.endswith(
        "[[show]] #2 (khorgos-it-other), code: "
        "the same code KITEST as [[show]] #1 (khorgos-it-test)"
    ), line
    # Nothing was applied: the file is checked whole first.
    listed = invoke("schedule", "list", "--json", "--set", "data_dir", str(data_dir))
    assert "khorgos-it-test" not in listed.stdout


def test_a_second_entry_with_the_same_id_is_named(tmp_path: Path) -> None:
    file = tmp_path / "twice.toml"
    file.write_text((GOOD + GOOD).format(start=future()), encoding="utf-8")
    with pytest.raises(ScheduleError, match=r"\[\[show\]\] #2 \(khorgos-it-test\), id"):
        schedules.read(file)


@pytest.mark.parametrize("path", ["missing.toml", "."])
def test_an_unreadable_file_is_one_line(data_dir: Path, tmp_path: Path, path: str) -> None:
    result = invoke("schedule", "apply", str(tmp_path / path), "--set", "data_dir", str(data_dir))
    assert result.returncode != 0
    one_line_error(result)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "", "x" * 500])
def test_list_refuses_a_bad_zone(data_dir: Path, zone: str) -> None:
    result = invoke("schedule", "list", "--zone", zone, "--set", "data_dir", str(data_dir))
    assert result.returncode == 2
    assert "--zone" in one_line_error(result)
