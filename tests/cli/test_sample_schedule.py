"""The sample schedule in `schedules/` is what `plan --write` writes, so it never drifts.

The sample was planned on 2026-12-04 for the week from 2026-12-07; the test plans it
again with the clock at that day (the plan starts after "now" and learns from the orders
before it) and compares byte for byte. After a change to the planner or to how it writes,
`make samples` writes the file anew (this test, with WRITE_SAMPLES=1).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from livecommerce.cli import plan
from tests.conftest import ROOT, SEEDS
from tests.helpers.cli import invoke

SAMPLE = Path("schedules") / "khorgos-it-2026-12-07.toml"
PLANNED_ON = datetime(2026, 12, 4, tzinfo=UTC)
COMMAND = (
    "plan", "--locale", "en", "--streamer", "khorgos-it", "--markets", "KZ,UZ,KG,RU,EU",
    "--from", "2026-12-07", "--shows", "5", "--length", "90m", "--write", str(SAMPLE),
)  # fmt: skip


def test_the_sample_schedule_is_what_plan_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plan, "clock", lambda: PLANNED_ON)
    monkeypatch.chdir(tmp_path)  # the file names its own path: write it where the repo has it
    (tmp_path / "schedules").mkdir()
    settings = ("--set", "data_dir", str(tmp_path / "var"), "--set", "seeds_dir", str(SEEDS))
    assert invoke("seed", *settings).returncode == 0
    ran = invoke(*COMMAND, *settings)
    assert ran.returncode == 0, ran.stderr
    written = (tmp_path / SAMPLE).read_text(encoding="utf-8")
    if os.environ.get("WRITE_SAMPLES") == "1":
        (ROOT / SAMPLE).write_text(written, encoding="utf-8")
    assert (ROOT / SAMPLE).read_text(encoding="utf-8") == written, "run `make samples`"
