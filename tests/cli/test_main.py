"""The command as a user runs it: a real process, its output, its exit status."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import SEEDS

TIMEOUT = 60


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "livecommerce", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "LANG": "C.UTF-8", **(env or {})},
        cwd=cwd,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The error a user sees: exactly one line on stderr, no traceback."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("serve", "seed", "i18n", "config"):
        assert command in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["serve", "--port", "http"], {}, "setting port = 'http' (from --port): expected a port"),
        (["serve"], {"LIVECOMMERCE_PORT": "99999"}, "from LIVECOMMERCE_PORT"),
        (["serve", "--database-url", "oracle://x"], {}, "setting database_url"),
        (["serve"], {"LIVECOMMERCE_PROT": "1"}, "unknown setting 'LIVECOMMERCE_PROT'"),
        (["--config", "/nonexistent/lc.toml", "serve"], {}, "cannot read config file"),
    ],
)
def test_bad_configuration_is_one_line_and_exit_2(
    args: list[str], env: dict[str, str], expected: str
) -> None:
    result = run(*args, env=env)
    assert result.returncode == 2
    assert expected in one_line_error(result)


def test_bad_configuration_speaks_the_users_language() -> None:
    result = run("serve", "--port", "http", env={"LIVECOMMERCE_LOCALE": "ru"})
    assert result.returncode == 2
    line = one_line_error(result)
    assert "port" in line
    assert "expected" not in line


def test_broken_toml_file(tmp_path: Path) -> None:
    file = tmp_path / "lc.toml"
    file.write_text("port = [1,\n")
    result = run("--config", str(file), "config", "show")
    assert result.returncode == 2
    assert str(file) in one_line_error(result)


def test_unknown_command_is_a_usage_error() -> None:
    result = run("fly")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    result = run("seed", "--database-url", "postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == 3
    assert "database postgresql://nobody@127.0.0.1:1/none is not usable" in one_line_error(result)


def test_unwritable_database_folder_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run("seed", "--data-dir", str(blocker / "var"), "--seeds-dir", str(SEEDS))
    assert result.returncode != 0
    one_line_error(result)


def test_seed_twice_changes_nothing(tmp_path: Path) -> None:
    args = ["seed", "--json", "--data-dir", str(tmp_path), "--seeds-dir", str(SEEDS)]
    first = run(*args)
    assert first.returncode == 0, first.stderr
    second = run(*args)
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
    result = run("seed", "--data-dir", str(tmp_path / "var"), "--seeds-dir", str(seeds))
    assert result.returncode == 4
    line = one_line_error(result)
    assert f"orders.csv, line {lines}:" in line
    assert "'yesterday' is not an ISO 8601 time" in line


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(tmp_path: Path, port: int, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "livecommerce",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "var"),
            "--seeds-dir",
            str(SEEDS),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LANG": "C.UTF-8"},
    )


def _wait_for_line(process: subprocess.Popen[str], needle: str) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + TIMEOUT
    seen = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen += line
        if needle in line:
            return seen
    process.kill()
    raise AssertionError(
        f"never printed {needle!r}; printed {seen!r}, stderr {process.communicate()[1]!r}"
    )


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_serve_seeds_a_new_store_serves_and_stops_cleanly(
    tmp_path: Path, stop: signal.Signals
) -> None:
    port = _free_port()
    process = _start(tmp_path, port)
    try:
        printed = _wait_for_line(process, "/api/streams")
        assert f"http://127.0.0.1:{port}/" in printed
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
            assert r.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/streams", timeout=10) as r:
            ids = {s["id"] for s in json.load(r)["streams"]}
        assert "khorgos-it-2026-11-20" in ids
    finally:
        process.send_signal(stop)
        _out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert (tmp_path / "var" / "livecommerce.db").exists()


def test_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _start(tmp_path, port)
        _, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 5
    assert f"cannot serve on 127.0.0.1:{port}: the port is already in use" in err
    assert "Traceback" not in err
