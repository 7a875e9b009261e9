"""The wiring: the services built once from the settings, and the backends they choose."""

from __future__ import annotations

from pathlib import Path

from livecommerce.app import bus, election, running
from livecommerce.config import Settings
from livecommerce.services.elections import ADVISORY_KEY, PostgresElection, RedisElection
from livecommerce.services.leader import LocalElection
from livecommerce.services.process import Services
from livecommerce.services.redis_bus import RedisBus
from livecommerce.store import SqlStore
from tests.conftest import NOW, SEEDS

PG = "postgresql://lc@127.0.0.1:5432/lc"
REDIS = "redis://127.0.0.1:6379/0"


def test_the_backends_follow_the_settings() -> None:
    """Nothing connects here: building a backend only chooses it."""
    assert bus(Settings()) is None
    shared = bus(Settings(redis_url=REDIS, chat_history=50))
    assert isinstance(shared, RedisBus)
    assert shared.keep == 400
    assert isinstance(election(Settings()), LocalElection)  # SQLite: one process
    assert isinstance(election(Settings(database_url=PG)), PostgresElection)
    assert isinstance(election(Settings(database_url=PG, redis_url=REDIS)), RedisElection)


def test_the_lock_follows_the_settings() -> None:
    pg = "postgresql://lc@127.0.0.1/shop"
    redis_election = election(
        Settings(database_url=pg, redis_url="redis://127.0.0.1/2", redis_prefix="lc")
    )
    assert isinstance(redis_election, RedisElection)
    assert redis_election.name == "lc:scheduler-leader:shop"
    assert redis_election.ttl == 15.0
    postgres = election(Settings(database_url=pg, leader_ttl=30.0))
    assert isinstance(postgres, PostgresElection)
    assert (postgres.key, postgres.ttl) == (ADVISORY_KEY, 30.0)
    assert isinstance(election(Settings()), LocalElection)  # SQLite: one process


async def test_running_opens_the_store_and_builds_each_service_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", seeds_dir=SEEDS, port=0)
    store: SqlStore | None = None
    async with running(settings, clock=lambda: NOW) as services:
        assert isinstance(services, Services)
        store = services.store
        assert await store.ping()
        assert services.clock() == NOW
        assert services.rooms.store is store
        assert services.mentions.store is store
        assert services.rooms.bus is None
        assert services.show_jobs.services is services
        assert services.webhook is None  # no show_webhook_url
        assert services.secret == (tmp_path / "var" / "secret").read_text().strip().encode()
    assert not await store.ping()  # closed with the block
