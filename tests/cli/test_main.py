"""The `livecommerce` group: settings and errors, in-process, and a few real processes.

Most tests run the command in-process (tests/helpers/cli.py); the smoke tests at the end
start `python -m livecommerce` as a user does: --help, an error's exit status, serve
from start to a clean stop.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
from pathlib import Path

import click
import pytest

from tests.conftest import SEEDS
from tests.helpers.cli import invoke, one_line_error, run
from tests.helpers.ports import refused_port
from tests.helpers.serve import start


def test_help_lists_the_commands() -> None:
    result = invoke("--help")
    assert result.returncode == 0
    for command in (
        "serve",
        "seed",
        "i18n",
        "config",
        "plan",
        "schedule",
        "shows",
        "report",
        "chat",
    ):
        assert command in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["serve", "--port", "http"], {}, "setting port = 'http' (from --port): expected a port"),
        (["serve", "--set", "port", "http"], {}, "setting port = 'http' (from --set port)"),
        (["serve"], {"LIVECOMMERCE_PORT": "99999"}, "from LIVECOMMERCE_PORT"),
        (["serve", "--set", "database_url", "oracle://x"], {}, "setting database_url"),
        (["serve", "--set", "database-url", "oracle://x"], {}, "setting database_url"),
        (["serve"], {"LIVECOMMERCE_PROT": "1"}, "unknown setting 'LIVECOMMERCE_PROT'"),
        (["--config", "/nonexistent/lc.toml", "serve"], {}, "cannot read config file"),
    ],
)
def test_bad_configuration_is_one_line_and_exit_2(
    args: list[str], env: dict[str, str], expected: str
) -> None:
    result = invoke(*args, env=env)
    assert result.returncode == 2
    assert expected in one_line_error(result)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["serve", "--set", "prot", "1"], "unknown setting 'prot' in --set (did you mean port?)"),
        (["seed", "--set", "data-dri", "x"], "did you mean data_dir or database_url?"),
        (["report", "x", "--set", "redis", "x"], "did you mean redis_url or redis_prefix?"),
        (["config", "list", "--set", "zzz", "1"], "unknown setting 'zzz' in --set"),
        (["seed", "--set", "log_level", "loud"], "(from --set log_level): expected one of debug"),
        (["chat", "ws://x", "--set", "chat_rate", "0"], "setting chat_rate = '0'"),
        (["seed", "--set", "port"], "'--set' requires 2 arguments"),
    ],
)
def test_set_with_a_bad_name_or_value_is_one_line_and_exit_2(
    args: list[str], expected: str
) -> None:
    result = invoke(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert expected in one_line_error(result)


def test_set_wins_over_the_environment_and_the_config_file(tmp_path: Path) -> None:
    file = tmp_path / "lc.toml"
    file.write_text('base_currency = "KZT"\nport = 9000\nlocale = "kk"\n')
    env = {"LIVECOMMERCE_PORT": "9100", "LIVECOMMERCE_LOCALE": "ru"}
    result = invoke(
        "--config",
        str(file),
        "config",
        "show",
        "--set",
        "port",
        "9200",
        "--set",
        "port",
        "9300",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["base_currency"], shown["locale"], shown["port"]) == ("KZT", "ru", 9300)


def test_set_takes_what_the_old_flags_took() -> None:
    result = invoke("config", "show", "--set", "max_text", "100", "--set", "hold_links", "false")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["max_text"], shown["hold_links"]) == (100, False)


def test_a_commands_own_flag_wins_over_the_environment() -> None:
    result = invoke("serve", "--port", "http", env={"LIVECOMMERCE_PORT": "9000"})
    assert result.returncode == 2
    assert "(from --port)" in one_line_error(result)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["report", "x", "--data-dir", "x"],
            "No such option '--data-dir'. Use --set data_dir VALUE.",
        ),
        (["seed", "--data-dir=x"], "No such option '--data-dir'. Use --set data_dir VALUE."),
        (["config", "show", "--max-text", "100"], "Use --set max_text VALUE."),
        (["config", "show", "--no-hold-links"], "Use --set hold_links VALUE."),
        (["config", "show", "--hold-links"], "Use --set hold_links VALUE."),
        (["serve", "--redis-url", "redis://x"], "Use --set redis_url VALUE."),
        (["chat", "ws://x", "--port", "1"], "Use --set port VALUE."),
    ],
)
def test_an_old_setting_flag_is_one_line_naming_set_and_exit_2(
    args: list[str], expected: str
) -> None:
    result = invoke(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert one_line_error(result).endswith(expected)


def test_an_old_setting_flag_speaks_the_users_language() -> None:
    result = invoke("seed", "--data-dir", "x", env={"LIVECOMMERCE_LOCALE": "ru"})
    assert result.returncode == 2
    assert one_line_error(result).endswith("Используйте --set data_dir VALUE.")


def test_a_command_without_settings_gets_no_hint() -> None:
    result = invoke("config", "docs", "--data-dir", "x")
    assert result.returncode == 2
    line = one_line_error(result)
    assert "No such option '--data-dir'" in line
    assert "--set" not in line


def test_bad_configuration_speaks_the_users_language() -> None:
    result = invoke("serve", "--set", "port", "http", env={"LIVECOMMERCE_LOCALE": "ru"})
    assert result.returncode == 2
    line = one_line_error(result)
    assert "port" in line
    assert "expected" not in line


def test_broken_toml_file(tmp_path: Path) -> None:
    file = tmp_path / "lc.toml"
    file.write_text("port = [1,\n")
    result = invoke("--config", str(file), "config", "show")
    assert result.returncode == 2
    assert str(file) in one_line_error(result)


def test_unknown_command_is_a_usage_error() -> None:
    result = invoke("fly")
    assert result.returncode == 2
    assert "No such command 'fly'" in one_line_error(result)


def test_unreachable_database_is_one_line() -> None:
    url = f"postgresql://nobody@127.0.0.1:{refused_port()}/none"
    result = invoke("seed", "--set", "database_url", url)
    assert result.returncode == 3
    assert f"database {url} is not usable" in one_line_error(result)


def test_unwritable_database_folder_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = invoke(
        "seed", "--set", "data_dir", str(blocker / "var"), "--set", "seeds_dir", str(SEEDS)
    )
    assert result.returncode != 0
    one_line_error(result)


def test_seed_twice_changes_nothing(tmp_path: Path) -> None:
    args = ["seed", "--json", "--set", "data_dir", str(tmp_path), "--set", "seeds_dir", str(SEEDS)]
    first = invoke(*args)
    assert first.returncode == 0, first.stderr
    second = invoke(*args)
    assert second.returncode == 0, second.stderr
    counts = json.loads(first.stdout)
    assert counts == json.loads(second.stdout)
    assert counts["products"] >= 40
    assert counts["markets"] == 7


def test_broken_seed_file_names_file_and_line(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    subprocess.run(["cp", "-r", str(SEEDS), str(seeds)], check=True)
    with (seeds / "orders.csv").open("a", encoding="utf-8") as handle:
        handle.write("ORD-X,yesterday,IT-X,1,10,KZT,KZ,kk,\n")
    lines = (seeds / "orders.csv").read_text(encoding="utf-8").count("\n")
    result = invoke(
        "seed", "--set", "data_dir", str(tmp_path / "var"), "--set", "seeds_dir", str(seeds)
    )
    assert result.returncode == 4
    line = one_line_error(result)
    assert f"orders.csv, line {lines}:" in line
    assert "'yesterday' is not an ISO 8601 time" in line


# Smoke tests: a real process, as a user runs it.


def test_help_in_a_real_process() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "serve" in result.stdout


def test_an_error_in_a_real_process_is_one_line_and_its_status() -> None:
    result = run("serve", "--set", "port", "http")
    assert result.returncode == 2
    assert "setting port = 'http' (from --set port)" in one_line_error(result)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
async def test_serve_seeds_a_new_store_serves_and_stops_cleanly(
    tmp_path: Path, stop: signal.Signals
) -> None:
    import aiohttp

    serving = await start(
        {},
        "--port",
        "0",
        "--set",
        "data_dir",
        str(tmp_path / "var"),
        "--set",
        "seeds_dir",
        str(SEEDS),
    )
    try:
        base = await serving.address()
        assert base.startswith("http://127.0.0.1:")
        printed = await serving.printed("Press Ctrl-C to stop.")
        for path in ("/healthz", "/metrics", "/api/streams", "/plan"):
            assert f"{base}{path}" in printed
        # Every page a user needs, each answering: the next show's chat and moderation,
        # the last show's report.
        addresses = re.findall(re.escape(base) + r"(/\S*)", printed)
        assert "/streams/khorgos-it-2026-11-20/report" in addresses
        assert any(a.endswith("/chat") for a in addresses)
        assert any(a.endswith("/moderate") for a in addresses)
        assert "livecommerce token create --role moderator" in printed
        async with aiohttp.ClientSession() as session:
            for address in addresses:
                async with session.get(serving.url(address)) as page:
                    assert page.status == 200, address
        assert (await serving.health())["status"] == "ok"
        async with (
            aiohttp.ClientSession() as session,
            session.get(serving.url("/api/streams")) as r,
        ):
            ids = {s["id"] for s in (await r.json())["streams"]}
        assert "khorgos-it-2026-11-20" in ids
    finally:
        code = await serving.stop(stop)
    log = "".join(serving.log)
    assert code == 0, log
    assert "Traceback" not in log
    # APScheduler's line per job added, run and finished is for debugging only.
    assert "apscheduler" not in log
    assert (tmp_path / "var" / "livecommerce.db").exists()


def test_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(
            "serve",
            "--port",
            str(port),
            "--set",
            "data_dir",
            str(tmp_path / "var"),
            "--set",
            "seeds_dir",
            str(SEEDS),
        )
    assert result.returncode == 5
    assert f"cannot serve on 127.0.0.1:{port}: the port is already in use" in result.stderr
    assert "Traceback" not in result.stderr


OWN_SETTINGS: dict[tuple[str, ...], set[str] | None] = {
    # Each command and the settings it has as options of its own; None: no settings at all.
    ("serve",): {"--host", "--port"},
    ("seed",): set(),
    ("plan",): {"--locale"},
    ("schedule", "apply"): set(),
    ("schedule", "list"): {"--locale"},
    ("shows", "list"): {"--locale"},
    ("report",): {"--locale"},
    ("orders", "import"): set(),
    ("token", "create"): set(),
    ("chat",): {"--locale"},
    ("simulate",): {"--locale"},
    ("config", "list"): set(),
    ("config", "show"): set(),
    ("config", "docs"): None,
    ("i18n", "check"): None,
}


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


def test_the_table_of_own_options_names_every_command() -> None:
    from livecommerce.cli.main import cli

    assert sorted(_commands(cli)) == sorted(OWN_SETTINGS)


@pytest.mark.parametrize(
    ("command", "own"), list(OWN_SETTINGS.items()), ids=[" ".join(c) for c in OWN_SETTINGS]
)
def test_each_command_shows_only_its_own_options_on_one_screen(
    command: tuple[str, ...], own: set[str] | None
) -> None:
    from livecommerce import config

    result = invoke(*command, "--help")
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) <= 40, result.stdout
    assert ("--set NAME VALUE" in result.stdout) == (own is not None)
    assert "--redis-url" not in result.stdout
    flags = {row.flag for row in config.table()} | {
        f"--no-{row.flag[2:]}" for row in config.table() if row.kind is config.BOOLEAN
    }
    words = {word.strip(",[]/") for word in result.stdout.split()}
    assert words & flags == (own or set())
