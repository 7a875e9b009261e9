"""Shared fixtures: real stores (SQLite files, a PostgreSQL database of the tests' own),
a real server on a port the OS picks, and the clock pinned where a test needs it.

An unreachable PostgreSQL, Redis or Chromium skips its tests with a reason on a
laptop, and fails them under CI=true.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from playwright.async_api import Browser, async_playwright

from livecommerce.app import build_services, open_store
from livecommerce.config import Settings
from livecommerce.files import seeds
from livecommerce.services.process import Services
from livecommerce.store import SqlStore
from livecommerce.web.app import create_app
from livecommerce.web.context import SERVICES

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PG_ADMIN_URL = os.environ.get(
    "LIVECOMMERCE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_TEST_URL = os.environ.get("LIVECOMMERCE_TEST_REDIS", "redis://127.0.0.1:6379/13")
CHROMIUM = os.environ.get("LIVECOMMERCE_TEST_CHROMIUM", "/usr/bin/chromium")
# The demo world's clock: after the finished show, before the planned ones.
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def unavailable(reason: str) -> None:
    """Skip on a laptop; fail under CI, where every real part must be there."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI=true requires it)")
    pytest.skip(reason)


async def reachable_redis(url: str = REDIS_TEST_URL) -> aioredis.Redis:
    """A client of the test Redis; skipped (failed under CI) when it cannot be reached."""
    client = aioredis.from_url(url, socket_connect_timeout=2)
    try:
        await client.ping()
    except (OSError, aioredis.RedisError):
        await client.aclose()
        unavailable(f"Redis is not reachable at {url}")
    return client


@contextlib.asynccontextmanager
async def redis_keys() -> AsyncIterator[str]:
    """A key prefix of its own on the test Redis, its keys removed afterwards."""
    client = await reachable_redis()
    name = f"lc-test-{uuid.uuid4().hex[:10]}"
    try:
        yield name
    finally:
        keys = [k async for k in client.scan_iter(match=f"{name}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix of this test's own on the test Redis (see `redis_keys`)."""
    async with redis_keys() as name:
        yield name


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # The demo world chats in its finished show: opening hours are off here, and tested
    # on their own (tests/web/test_relay_hours.py) with `chat_opening_hours` on.
    return Settings(data_dir=tmp_path / "var", seeds_dir=SEEDS, port=0, chat_opening_hours=False)


async def _postgres_database() -> tuple[str, str] | None:
    import asyncpg

    name = f"livecommerce_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError):
        return None
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return name, PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


async def _drop_postgres_database(name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A PostgreSQL database made for this test and dropped after it."""
    made = await _postgres_database()
    if made is None:
        unavailable(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
        return
    name, url = made
    try:
        yield url
    finally:
        await _drop_postgres_database(name)


@pytest.fixture(params=["sqlite", "postgres"])
async def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty database on each backend: the contract suite runs on both."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    made = await _postgres_database()
    if made is None:
        unavailable(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
        return
    name, url = made
    try:
        yield url
    finally:
        await _drop_postgres_database(name)


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[SqlStore]:
    opened = open_store(store_url)
    await opened.start()
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def seeded_store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    """A SQLite store holding the demo world."""
    opened = open_store(f"sqlite:///{tmp_path / 'seeded.db'}")
    await opened.start()
    await seeds.load(opened, SEEDS)
    try:
        yield opened
    finally:
        await opened.close()


class Server:
    """A real aiohttp server on a loopback port the OS picked."""

    def __init__(self, runner: web.AppRunner, base: str) -> None:
        self.runner = runner
        self.base = base

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def services(self) -> Services:
        """What the served app runs: its store, rooms, settings, metrics, ..."""
        return self.runner.app[SERVICES]


@contextlib.asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[Server]:
    """`app` served on 127.0.0.1 at a port the OS picks, for the block's duration."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield Server(runner, f"http://{host}:{port}")
    finally:
        await runner.cleanup()


@pytest.fixture
async def server(settings: Settings, seeded_store: SqlStore) -> AsyncIterator[Server]:
    services = build_services(
        replace(settings, seed_on_start=False), seeded_store, clock=lambda: NOW
    )
    async with serving(create_app(services)) as served:
        yield served


# Debian's chromium as the machine's probe starts it: headless, and quiet on a closed
# network (no background fetches that would be refused).
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    """A real headless Chromium (Debian's, driven by Playwright; nothing downloaded)."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
def chromium() -> str:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        unavailable(f"Debian's chromium is not installed at {CHROMIUM}")
    return CHROMIUM if Path(CHROMIUM).exists() else str(shutil.which("chromium"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by the real parts it uses, whatever module it is in: `browser` for a
    test that starts Chromium, `postgres` for the PostgreSQL run of the store suite, so
    `-m "not browser"` and `-m "not postgres"` leave out exactly those."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "chromium" in names:
            item.add_marker(pytest.mark.browser)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("store_url") == "postgres":
            item.add_marker(pytest.mark.postgres)
