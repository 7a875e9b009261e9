"""The signing key in data_dir: made once, whole, and agreed on by concurrent first starts."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any

from livecommerce.config import Settings
from livecommerce.services.secret import load_secret

WORKERS = 6
ROUNDS = 25


def _first_start(barrier: Any, folders: list[str], results: Any) -> None:
    """One process: at each round, wait for the others, then load the key of one folder."""
    for index, folder in enumerate(folders):
        barrier.wait()
        key = load_secret(Settings(data_dir=Path(folder)))
        results.put((index, os.getpid(), key))


def test_concurrent_first_starts_on_one_empty_folder_agree_on_the_key(tmp_path: Path) -> None:
    # Real processes, released together on a fresh empty folder at each round: every one
    # must end with the key that is in the file, the same for all.
    folders = [str(tmp_path / f"round-{index}" / "var") for index in range(ROUNDS)]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WORKERS)
    results = context.Queue()
    workers = [
        context.Process(target=_first_start, args=(barrier, folders, results))
        for _ in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    got = [results.get(timeout=120) for _ in range(WORKERS * ROUNDS)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    for index, folder in enumerate(folders):
        on_disk = (Path(folder) / "secret").read_text(encoding="ascii").strip().encode()
        keys = {key for round_, _, key in got if round_ == index}
        assert keys == {on_disk}, f"round {index}: {len(keys)} different keys"
        assert [p.name for p in Path(folder).iterdir()] == ["secret"]  # no temporary left
        assert (Path(folder) / "secret").stat().st_mode & 0o777 == 0o600


def test_a_kept_key_is_read_back_and_a_short_one_replaced(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    first = load_secret(settings)
    assert len(first) == 64
    assert load_secret(settings) == first
    (tmp_path / "var" / "secret").write_text("short\n", encoding="ascii")
    replaced = load_secret(settings)
    assert len(replaced) == 64
    assert load_secret(settings) == replaced


def test_the_secret_setting_wins_over_the_file(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", secret="x" * 40)
    assert load_secret(settings) == b"x" * 40
    assert not (tmp_path / "var").exists()
