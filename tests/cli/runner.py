"""The command in the test's own process (click's CliRunner): fast, and what a user sees.

`invoke` answers like `subprocess.run` (returncode, stdout, stderr), so a test reads the
same whichever way it runs the command; a few smoke tests in test_main.py still start a
real process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

from click.testing import CliRunner

from livecommerce.cli.main import cli


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
