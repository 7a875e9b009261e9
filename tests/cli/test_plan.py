"""`livecommerce plan` as a user runs it (in-process, tests/helpers/cli.py) over a seeded
SQLite store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rich.cells import cell_len

from livecommerce.core.planner import ORDERS_PRIOR
from livecommerce.files import schedules, seeds
from livecommerce.services.planning import World, make_plan, orders_by_hour
from tests.conftest import SEEDS
from tests.helpers.cli import invoke as run
from tests.helpers.cli import next_monday, one_line_error

MARKETS = ["KZ", "UZ", "KG", "RU", "EU"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plan")
    result = run("seed", "--set", "data_dir", str(folder), "--set", "seeds_dir", str(SEEDS))
    assert result.returncode == 0, result.stderr
    return folder


def test_json_is_the_planners_plan_in_the_almaty_evening(data_dir: Path) -> None:
    start = next_monday()
    result = run(
        "plan",
        "--set",
        "data_dir",
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
    # The same inputs: the seeded orders (all placed before now) and moderators.
    now = datetime.now(UTC)
    past = [o for o in world.orders if o.ts < now]
    planned = make_plan(
        World(world.markets, world.streamers, world.products, past),
        streamer,
        markets,
        start=start,
        shows=5,
        length=timedelta(minutes=90),
        gap=timedelta(hours=2),
        days=7,
        now=now,
        moderators=world.moderators,
    )
    expected = planned.plan
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
        assert want.coverage is not None
        assert got["coverage"] == {
            "covered": {lang: list(names) for lang, names in want.coverage.covered.items()},
            "missing": list(want.coverage.missing),
        }
        almaty = next(lt for lt in got["local"] if lt["zone"] == "Asia/Almaty")
        # The Khorgos slots land in the Almaty evening peak.
        assert 18 <= datetime.fromisoformat(almaty["start"]).hour <= 22
    zones = [f["zone"] for f in data["compare"]]
    assert zones == ["Asia/Urumqi", "Asia/Shanghai"]
    for fit in data["compare"]:
        assert fit["slots"] == 5
        assert 0 <= fit["peak_hours"] <= fit["peak_hours_total"]
    assert data["written"] is None
    # The seeded orders were blended in, each market's counted on its own clock.
    counts = orders_by_hour(past, markets, world.markets)
    assert data["past_orders"] == {
        code: {
            "orders": sum(hours),
            "weight": pytest.approx(sum(hours) / (sum(hours) + ORDERS_PRIOR)),
        }
        for code, hours in counts.items()
    }
    assert data["past_orders"]["KZ"]["orders"] > 0
    assert data["moderators"] == [m.name for m in world.moderators]


def test_table_speaks_the_readers_language(data_dir: Path) -> None:
    result = run(
        "plan",
        "--set",
        "data_dir",
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
    # Clocks named as Russian names them; the streamer's Xinjiang keeps Beijing time too.
    for word in ("Казахстан", "Россия", "время Алматы", "московское время", "пекинское время"):
        assert word in result.stdout
    assert "синьцзянское время" in result.stdout
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
        (["--from", "9999-12-31"], 2, "--from must be a date from 1970 to 2099."),
        (["--from", "0001-01-01"], 2, "--from must be a date from 1970 to 2099."),
        (["--from", "2100-01-01"], 2, "--from must be a date from 1970 to 2099."),
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
    result = run("plan", "--set", "data_dir", str(data_dir), *flags)
    assert result.returncode == status, result.stderr
    assert expected in one_line_error(result)


def test_impossible_plan_is_translated(data_dir: Path) -> None:
    result = run(
        "plan",
        "--set",
        "data_dir",
        str(data_dir),
        "--streamer",
        "nobody",
        env={"LIVECOMMERCE_LOCALE": "ru"},
    )
    assert result.returncode == 6
    line = one_line_error(result)
    assert "nobody" in line


def test_a_uyghur_table_names_places_in_uyghur_and_isolates_times(data_dir: Path) -> None:
    result = run(
        "plan",
        "--set",
        "data_dir",
        str(data_dir),
        "--streamer",
        "khorgos-it",
        "--markets",
        "KZ,XJ",
        "--from",
        next_monday().isoformat(),
        "--shows",
        "2",
        "--locale",
        "ug",
    )
    assert result.returncode == 0, result.stderr
    for name in ("ئالمۇتا ۋاقتى", "بېيجىڭ ۋاقتى", "شىنجاڭ ۋاقتى"):
        assert name in result.stdout
    for latin in ("Almaty", "Ürümqi", "Beijing", "Xinjiang"):
        assert latin not in result.stdout
    # The zone's id (what --compare takes) stays Latin, isolated.
    assert "(\u2068Asia/Urumqi\u2069)" in result.stdout
    # Times in Uyghur text are isolated (U+2068 … U+2069), so they keep their order.
    assert "\u2068بېيجىڭ ۋاقتى" in result.stdout
    assert result.stdout.count("\u2068") == result.stdout.count("\u2069")


def test_write_into_a_folder_is_one_line(data_dir: Path, tmp_path: Path) -> None:
    result = run(
        "plan",
        "--set",
        "data_dir",
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
        "--set",
        "data_dir",
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


@pytest.mark.parametrize("kind", ["no-folder", "a-folder", "read-only"])
def test_an_ics_path_that_cannot_be_written_is_one_translated_line(
    data_dir: Path, tmp_path: Path, kind: str
) -> None:
    """Issue #11: a traceback (or click's English usage error) before; now one line in the
    reader's language, exit 4, nothing half-written."""
    target = {
        "no-folder": tmp_path / "nonexistent" / "dir" / "x.ics",
        "a-folder": tmp_path,
        "read-only": tmp_path / "old.ics",
    }[kind]
    if kind == "read-only":
        target.write_text("old", encoding="utf-8")
        target.chmod(0o444)
    before = sorted(p.name for p in tmp_path.iterdir())
    args = ["plan", "--set", "data_dir", str(data_dir), "--streamer", "khorgos-it"]
    args += ["--from", next_monday().isoformat(), "--shows", "2", "--ics", str(target)]
    english = run(*args)
    assert english.returncode == 4, english.stderr
    line = one_line_error(english)
    assert (
        line
        == f"livecommerce: cannot write {target}: "
        + {
            "no-folder": "its folder does not exist",
            "a-folder": "it is a folder",
            "read-only": "it may not be written",
        }[kind]
    )
    russian = run(*args, env={"LIVECOMMERCE_LOCALE": "ru"})
    assert russian.returncode == 4
    assert str(target) in one_line_error(russian)
    assert "cannot write" not in one_line_error(russian)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    if kind == "read-only":
        assert target.read_text(encoding="utf-8") == "old"


def test_ics_holds_the_planned_shows_at_their_instants(data_dir: Path, tmp_path: Path) -> None:
    import vobject

    start = next_monday()
    ics = tmp_path / "plan.ics"
    args = ["plan", "--set", "data_dir", str(data_dir), "--streamer", "khorgos-it"]
    args += ["--markets", ",".join(MARKETS), "--from", start.isoformat(), "--shows", "3"]
    result = run(*args, "--json", "--ics", str(ics))
    assert result.returncode == 0, result.stderr
    slots = json.loads(result.stdout)["slots"]
    calendar = vobject.readOne(ics.read_text(encoding="utf-8"))
    events = sorted(calendar.vevent_list, key=lambda e: e.dtstart.value)
    starts = sorted(datetime.fromisoformat(s["start"].replace("Z", "+00:00")) for s in slots)
    assert [e.dtstart.value for e in events] == starts
    assert all(e.uid.value.endswith("@livecommerce") for e in events)


# -- past orders and staff coverage ----------------------------------------------------------


def test_orders_at_one_local_hour_pull_the_plan_there(tmp_path: Path) -> None:
    """Two thousand Kazakh orders at 13:xx Almaty time outweigh the seeded evening peak."""
    folder = tmp_path / "var"
    assert (
        run("seed", "--set", "data_dir", str(folder), "--set", "seeds_dir", str(SEEDS)).returncode
        == 0
    )
    args = ["plan", "--set", "data_dir", str(folder), "--streamer", "khorgos-it", "--markets", "KZ"]
    args += ["--from", next_monday().isoformat(), "--shows", "1", "--json"]
    before = json.loads(run(*args).stdout)
    almaty = ZoneInfo("Asia/Almaty")
    first = datetime.fromisoformat(before["slots"][0]["start"]).astimezone(almaty)
    assert 18 <= first.hour <= 22

    now = datetime.now(UTC)
    rows = ["id,ts,sku,qty,unit_price,currency,buyer_country,buyer_lang,show"]
    for i in range(2000):
        day = (now - timedelta(days=1 + i % 20)).astimezone(almaty).date()
        moment = datetime(day.year, day.month, day.day, 13, i % 60, tzinfo=almaty)
        rows.append(f"LUNCH-{i},{moment.isoformat()},IT-RTR-AX3,1,22900,KZT,KZ,kk,")
    orders = tmp_path / "lunch.csv"
    orders.write_text("\n".join(rows) + "\n", encoding="utf-8")
    imported = run("orders", "import", str(orders), "--set", "data_dir", str(folder))
    assert imported.returncode == 0, imported.stderr

    after = json.loads(run(*args).stdout)
    seeded = before["past_orders"]["KZ"]["orders"]
    assert after["past_orders"]["KZ"]["orders"] == seeded + 2000
    assert after["past_orders"]["KZ"]["weight"] > 0.9
    slot = after["slots"][0]
    start = datetime.fromisoformat(slot["start"]).astimezone(almaty)
    end = datetime.fromisoformat(slot["end"]).astimezone(almaty)
    assert start.hour <= 13
    assert (end.hour, end.minute) > (13, 0)
    assert slot["score"] != before["slots"][0]["score"]


TEAM = """
[[moderator]]
name = "Aigerim"
zone = "Asia/Almaty"
languages = ["kk", "ru"]
hours = [[18, 24]]

[[moderator]]
name = "Bakyt"
zone = "Asia/Bishkek"
languages = ["ky"]
hours = { sat = [[12, 23]], sun = [[12, 23]] }
"""


def test_coverage_from_a_moderators_file(data_dir: Path, tmp_path: Path) -> None:
    """Hand-worked: Aigerim covers kk and ru from 18:00 to midnight in Almaty (UTC+5),
    Bakyt ky from 12:00 to 23:00 in Bishkek (UTC+6) on weekends only."""
    team = tmp_path / "team.toml"
    team.write_text(TEAM, encoding="utf-8")
    args = [
        "plan",
        "--set",
        "data_dir",
        str(data_dir),
        "--streamer",
        "khorgos-it",
        "--markets",
        "KZ,KG",
    ]
    args += ["--from", next_monday().isoformat(), "--moderators", str(team), "--json"]
    result = run(*args)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["moderators"] == ["Aigerim", "Bakyt"]
    almaty, bishkek = ZoneInfo("Asia/Almaty"), ZoneInfo("Asia/Bishkek")
    for slot in data["slots"]:
        start = datetime.fromisoformat(slot["start"])
        end = datetime.fromisoformat(slot["end"])
        a_start, a_end = start.astimezone(almaty), end.astimezone(almaty)
        b_start, b_end = start.astimezone(bishkek), end.astimezone(bishkek)
        covered = {}
        if a_start.hour >= 18 and a_end.date() == a_start.date():
            covered = {"kk": ["Aigerim"], "ru": ["Aigerim"]}
        if (
            b_start.weekday() in (5, 6)
            and b_start.hour >= 12
            and b_end.date() == b_start.date()
            and (b_end.hour, b_end.minute) <= (23, 0)
        ):
            covered["ky"] = ["Bakyt"]
        assert slot["coverage"]["covered"] == covered
        assert slot["coverage"]["missing"] == [
            lang for lang in ("kk", "ru", "ky") if lang not in covered
        ]
    # The week has weekday evenings without a Kyrgyz moderator.
    assert any("ky" in slot["coverage"]["missing"] for slot in data["slots"])


def test_table_shows_coverage_and_past_orders(data_dir: Path) -> None:
    """Run from the repository, the seeds folder's moderators.toml is the default."""
    result = run(
        "plan",
        "--set",
        "data_dir",
        str(data_dir),
        "--streamer",
        "khorgos-it",
        "--markets",
        "KZ,UZ,KG",
        "--from",
        next_monday().isoformat(),
    )
    assert result.returncode == 0, result.stderr
    assert "Moderators" in result.stdout
    assert "Aigerim" in result.stdout
    assert "nobody" in result.stdout  # on shift: wrapped in its cell
    assert "Past orders blended into the audience curves" in result.stdout


def test_without_a_moderators_file_there_is_no_coverage(data_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "no-seeds"
    empty.mkdir()
    args = [
        "plan",
        "--set",
        "data_dir",
        str(data_dir),
        "--streamer",
        "khorgos-it",
        "--markets",
        "KZ",
    ]
    args += ["--from", next_monday().isoformat(), "--set", "seeds_dir", str(empty)]
    data = json.loads(run(*args, "--json").stdout)
    assert data["moderators"] is None
    assert all(slot["coverage"] is None for slot in data["slots"])
    table = run(*args)
    assert table.returncode == 0, table.stderr
    assert "Moderators" not in table.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "team.toml, -: there is no such file"),
        ("[[moderator]]\nname = 'X'", "team.toml, [[moderator]] #1 (X), zone: missing field"),
        (
            TEAM.replace("[[18, 24]]", "[[18, 30]]"),
            "team.toml, [[moderator]] #1 (Aigerim), hours: hours must be a list",
        ),
        ("[[moderator]\n", "team.toml, -: "),
    ],
)
def test_a_broken_moderators_file_is_one_line(
    data_dir: Path, tmp_path: Path, content: str | None, expected: str
) -> None:
    team = tmp_path / "team.toml"
    if content is not None:
        team.write_text(content, encoding="utf-8")
    args = ["plan", "--set", "data_dir", str(data_dir), "--streamer", "khorgos-it"]
    result = run(*args, "--from", next_monday().isoformat(), "--moderators", str(team))
    assert result.returncode == 4, result.stderr
    assert expected in one_line_error(result)


def test_written_schedule_names_the_moderators_on_shift(data_dir: Path, tmp_path: Path) -> None:
    written = tmp_path / "week.toml"
    args = ["plan", "--set", "data_dir", str(data_dir), "--streamer", "khorgos-it"]
    args += ["--markets", "KZ,UZ,KG", "--from", next_monday().isoformat()]
    result = run(*args, "--write", str(written), "--json")
    assert result.returncode == 0, result.stderr
    slots = {slot["start"]: slot for slot in json.loads(result.stdout)["slots"]}
    entries = schedules.read(written)
    assert len(entries) == len(slots)
    for entry in entries:
        start = entry.show.starts_at.isoformat().replace("+00:00", "Z")
        covered = slots[start]["coverage"]["covered"]
        assert {k: list(v) for k, v in entry.show.moderators.items()} == covered
    applied = run("schedule", "apply", str(written), "--set", "data_dir", str(data_dir), "--json")
    assert applied.returncode == 0, applied.stderr


@pytest.mark.parametrize("width", [80, 160])
@pytest.mark.parametrize("locale", ["en", "zh_Hans", "ug"])
def test_the_table_keeps_within_the_terminals_width(
    data_dir: Path, width: int, locale: str
) -> None:
    """Every market asked on a narrow and a wide terminal: the slot table drops or folds
    its lesser columns rather than run past the edge (where rich would crop it)."""
    result = run(
        "plan",
        "--set",
        "data_dir",
        str(data_dir),
        "--streamer",
        "khorgos-it",
        "--from",
        next_monday().isoformat(),
        "--locale",
        locale,
        env={"COLUMNS": str(width)},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(cell_len(line) for line in lines) <= width
    assert "…" not in result.stdout  # no word cut short
    # Nothing was cropped: every slot's row and every market's name is there whole.
    assert sum(line.startswith("│ ") and line[2] != " " for line in lines) >= 5
    if locale == "en":
        for name in ("Kazakhstan", "Uzbekistan", "Kyrgyzstan", "Xinjiang", "Europe"):
            assert name in result.stdout
        assert "Moderators" in result.stdout
