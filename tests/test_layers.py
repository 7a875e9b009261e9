"""The import contracts of `make lint` (pyproject.toml, [tool.importlinter]) hold on the
package, and break, naming the contract, when a copy of it imports against the layers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The package and its pyproject.toml, copied where nothing else shadows them."""
    shutil.copytree(
        ROOT / "livecommerce",
        tmp_path / "livecommerce",
        ignore=shutil.ignore_patterns("__pycache__", "static", "templates"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    # Only the copy on the path: not the checkout, not an installed livecommerce.
    env = os.environ | {"PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _add(module: Path, line: str) -> None:
    with module.open("a", encoding="utf-8") as file:
        file.write(f"\n{line}\n")


def test_the_package_keeps_every_contract(copy: Path) -> None:
    result = _lint(copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_io_library_in_core_breaks_the_core_contract(copy: Path) -> None:
    _add(copy / "livecommerce" / "core" / "routing.py", "import aiohttp")
    result = _lint(copy)
    assert result.returncode != 0
    assert "core is pure: no I/O library and nothing else of the package BROKEN" in result.stdout
    assert "livecommerce.core.routing -> aiohttp" in result.stdout


def test_a_service_importing_the_web_adapter_breaks_the_services_contract(copy: Path) -> None:
    _add(copy / "livecommerce" / "services" / "catalog.py", "from livecommerce.web import app")
    result = _lint(copy)
    assert result.returncode != 0
    assert (
        "services never import the web adapter, the command line or the wiring BROKEN"
        in result.stdout
    )
    assert "imports point down the layers BROKEN" in result.stdout
    assert "livecommerce.services.catalog -> livecommerce.web" in result.stdout


@pytest.mark.parametrize(
    ("importer", "line", "chain"),
    [
        (
            "services/rooms.py",
            "from livecommerce.services.redis_bus import RedisBus",
            "livecommerce.services.rooms -> livecommerce.services.redis_bus",
        ),
        (
            "web/relay.py",
            "from livecommerce.services import redis_bus",
            "livecommerce.web.relay -> livecommerce.services.redis_bus",
        ),
        (
            "web/pages.py",
            "from livecommerce.services.elections import RedisElection",
            "livecommerce.web.pages -> livecommerce.services.elections",
        ),
        (
            "store/__init__.py",
            "from livecommerce.store.sqlite import SqliteStore",
            "livecommerce.store -> livecommerce.store.sqlite",
        ),
    ],
)
def test_a_concrete_backend_outside_the_wiring_breaks_the_backends_contract(
    copy: Path, importer: str, line: str, chain: str
) -> None:
    _add(copy / "livecommerce" / importer, line)
    result = _lint(copy)
    assert result.returncode != 0
    assert "only app.py and cli/ choose concrete backends BROKEN" in result.stdout
    assert chain in result.stdout


def test_the_wiring_and_the_command_line_may_choose_the_backends(copy: Path) -> None:
    _add(copy / "livecommerce" / "cli" / "seed.py", "from livecommerce.services import redis_bus")
    _add(copy / "livecommerce" / "cli" / "seed.py", "from livecommerce.store import postgres")
    result = _lint(copy)
    assert result.returncode == 0, result.stdout + result.stderr
