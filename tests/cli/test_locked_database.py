"""A SQLite file another process holds (`BEGIN EXCLUSIVE` on a real sqlite3 connection):
`seed`, `orders import` and `serve` wait the busy timeout, then stop with one line and
exit 3, never a traceback, and `serve` never starts serving a store it cannot write."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from livecommerce.store.sqlite import BUSY_TIMEOUT
from tests.conftest import ROOT, SEEDS
from tests.helpers.cli import invoke

# A process that is not refused waits for its own end: more than the busy timeout.
PATIENCE = BUSY_TIMEOUT * 6


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "var"
    seeded = invoke("seed", "--set", "data_dir", str(folder), "--set", "seeds_dir", str(SEEDS))
    assert seeded.returncode == 0, seeded.stderr
    return folder


@pytest.fixture
def held(data: Path) -> Iterator[sqlite3.Connection]:
    """The data folder's database, held by another process's exclusive transaction."""
    connection = sqlite3.connect(data / "livecommerce.db", isolation_level=None)
    connection.execute("BEGIN EXCLUSIVE")
    yield connection
    connection.execute("ROLLBACK")
    connection.close()


def command(data: Path, *args: str, locale: str = "en") -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LIVECOMMERCE_")}
    return subprocess.run(
        [sys.executable, "-m", "livecommerce", *args, "--set", "data_dir", str(data)],
        cwd=ROOT,
        env={**clean, "LIVECOMMERCE_LOCALE": locale, "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=PATIENCE,
        check=False,
    )


def refused(result: subprocess.CompletedProcess[str], data: Path) -> str:
    assert result.returncode == 3, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr[-2000:]
    assert str(data / "livecommerce.db") in lines[0]
    return lines[0]


@pytest.mark.usefixtures("held")
def test_seed_on_a_held_database_is_one_line(data: Path) -> None:
    line = refused(command(data, "seed", "--set", "seeds_dir", str(SEEDS)), data)
    assert "is locked by another process" in line


def test_orders_import_on_a_held_database_is_one_line_and_stores_nothing(
    data: Path, held: sqlite3.Connection, tmp_path: Path
) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "id,ts,sku,qty,unit_price,currency,buyer_country,buyer_lang,show\n"
        "LOCK-1,2024-05-01T10:00:00Z,IT-LAP-14,1,199000,KZT,KZ,kk,\n",
        encoding="utf-8",
    )
    line = refused(command(data, "orders", "import", str(orders), locale="ru"), data)
    assert "is locked" not in line  # in the reader's language
    held.execute("ROLLBACK")
    held.execute("BEGIN")
    assert held.execute("SELECT count(*) FROM orders WHERE id = 'LOCK-1'").fetchone() == (0,)


@pytest.mark.usefixtures("held")
def test_serve_on_a_held_database_stops_with_one_line(data: Path) -> None:
    line = refused(command(data, "serve", "--port", "0"), data)
    assert "is locked by another process" in line
