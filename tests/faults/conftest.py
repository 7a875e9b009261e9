"""Fixtures of the fault tests: `serve` processes reaped after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.faults.processes import Launcher


@pytest.fixture
async def launcher(tmp_path: Path) -> AsyncIterator[Launcher]:
    """Starts `serve` processes (logs in tmp_path) and kills what still runs at the end."""
    started = Launcher(tmp_path)
    try:
        yield started
    finally:
        await started.close()
