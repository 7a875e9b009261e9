"""The `livecommerce` command as tests run it, and what they check in its answers.

`invoke` runs it in the test's own process (click's CliRunner): fast, and what a user
sees. `run` starts `python -m livecommerce` in a process of its own, for the few smoke
tests that need one (tests/cli/test_main.py, and `serve` through tests/helpers/serve.py).
Both answer alike (returncode, stdout, stderr), so a test reads the same whichever way it
runs the command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from click.testing import CliRunner

from livecommerce.cli.main import cli

TIMEOUT = 60  # a real process, on a busy machine


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


class HasStderr(Protocol):
    @property
    def stderr(self) -> str: ...


def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Ran:
    """Run `livecommerce ARGS` in-process, in a clean environment (no LIVECOMMERCE_*)."""
    clean: dict[str, str | None] = {k: None for k in os.environ if k.startswith("LIVECOMMERCE_")}
    result = CliRunner().invoke(
        cli,
        list(args),
        env={**clean, "LANG": "C.UTF-8", **(env or {})},
        input=input,
        catch_exceptions=False,
    )
    return Ran(result.exit_code, result.stdout, result.stderr)


def one_line_error(result: HasStderr) -> str:
    """The error a user sees: exactly one line on stderr, no traceback."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m livecommerce ARGS` in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "livecommerce", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "LANG": "C.UTF-8", **(env or {})},
        cwd=cwd,
        check=False,
    )


def next_monday(weeks: int = 2) -> date:
    """A Monday some weeks ahead, so a plan's whole horizon is in the future whenever it runs."""
    today = datetime.now(UTC).date()
    return today + timedelta(days=7 * weeks - today.weekday())
