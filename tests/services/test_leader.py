"""Leader election on the real locks: a Redis key with an expiry on the machine's Redis,
a PostgreSQL advisory lock on the machine's PostgreSQL, each test on a key of its own.

Two elections on one lock stand for two `serve` processes; a process dies by dropping
its connection without releasing, or for real, as a subprocess killed with SIGKILL.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import asyncpg
import pytest
import redis.asyncio as aioredis

from livecommerce import config
from livecommerce.config import Settings
from livecommerce.errors import ConfigError
from livecommerce.services.elections import PostgresElection, RedisElection
from livecommerce.services.leader import Election, Leadership, LocalElection, lock_name
from tests.conftest import PG_ADMIN_URL, REDIS_TEST_URL, reachable_redis, unavailable

TTL = 3.0  # takeover time in these tests: renewals every second
MARGIN = 2.0  # what a busy machine may add to a takeover


def test_the_redis_key_is_named_by_the_database() -> None:
    for url, key in (
        ("postgresql://lc@10.0.0.5:5432/shop", "shop"),
        ("postgresql://lc:pw@db.internal/shop?sslmode=require", "shop"),
        ("postgres://lc@db/shop", "shop"),
        ("sqlite:///var/livecommerce.db", "/var/livecommerce.db"),
        ("sqlite:////srv/lc/livecommerce.db", "//srv/lc/livecommerce.db"),
    ):
        assert lock_name("lc", url) == "lc:scheduler-leader:" + key
    # Two hosts spelling the server differently still share one lock; no password in it.
    one, other = "postgresql://lc:secret@db/shop", "postgresql://lc@10.0.0.5/shop"
    assert lock_name("lc", one) == lock_name("lc", other)
    assert "secret" not in lock_name("lc", one)
    assert lock_name("staging", one) != lock_name("lc", one)  # deployments apart


def test_each_process_has_its_own_token() -> None:
    one = RedisElection(REDIS_TEST_URL, "k", TTL)
    other = RedisElection(REDIS_TEST_URL, "k", TTL)
    assert one.token != other.token


@pytest.mark.parametrize("value", ["0", "0.5", "301", "soon", "-3", "nan"])
def test_a_bad_leader_ttl_is_one_clear_error(value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        config.load(environ={"LIVECOMMERCE_LEADER_TTL": value})
    message = str(raised.value)
    assert message.startswith("setting leader_ttl = ")
    assert "expected a number of seconds from 1 to 300" in message
    assert "\n" not in message


def test_leader_ttl_is_set_like_any_setting() -> None:
    assert Settings().leader_ttl == 15.0
    assert config.load(environ={"LIVECOMMERCE_LEADER_TTL": "4"}).leader_ttl == 4.0
    assert config.load(environ={}, flags={"leader_ttl": "60"}).leader_ttl == 60.0


# -- helpers ---------------------------------------------------------------------------------


class Tally:
    """A real election, counted: the test can await its n-th try."""

    def __init__(self, election: Election) -> None:
        self.election = election
        self.tries = 0
        self._waiting: dict[int, asyncio.Event] = {}

    @property
    def kind(self) -> str:
        return self.election.kind

    async def claim(self) -> bool:
        try:
            return await self.election.claim()
        finally:
            self.tries += 1
            for n, event in self._waiting.items():
                if self.tries >= n:
                    event.set()

    async def release(self) -> None:
        await self.election.release()

    async def close(self) -> None:
        await self.election.close()

    async def tried(self, n: int) -> None:
        """Until it has tried `n` times in all."""
        if self.tries < n:
            await self._waiting.setdefault(n, asyncio.Event()).wait()


@dataclass
class Watch:
    """Who leads, as the listeners hear it; the most that ever led at once."""

    leaders: set[str] = field(default_factory=set)
    changes: list[tuple[str, bool]] = field(default_factory=list)
    most: int = 0

    def listener(self, name: str) -> Callable[[bool], None]:
        def heard(leader: bool) -> None:
            (self.leaders.add if leader else self.leaders.discard)(name)
            self.most = max(self.most, len(self.leaders))
            self.changes.append((name, leader))

        return heard


@dataclass
class Lock:
    """One lock the test's "processes" compete for: a Redis key or an advisory key."""

    kind: str
    url: str
    name: str = ""
    key: int = 0

    def election(self, url: str | None = None) -> Election:
        if self.kind == "redis":
            return RedisElection(url or self.url, self.name, TTL)
        return PostgresElection(url or self.url, TTL, key=self.key)


async def reachable_postgres() -> None:
    try:
        connection = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError):
        unavailable(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
        return
    await connection.close()


@pytest.fixture
async def redis_lock() -> AsyncIterator[Lock]:
    client = await reachable_redis()
    lock = Lock("redis", REDIS_TEST_URL, name=f"lc-test-leader-{uuid.uuid4().hex}")
    try:
        yield lock
    finally:
        await client.delete(lock.name)
        await client.aclose()


@pytest.fixture(params=["redis", "postgresql"])
async def lock(request: pytest.FixtureRequest) -> AsyncIterator[Lock]:
    """Each election test on both locks."""
    if request.param == "redis":
        client = await reachable_redis()
        made = Lock("redis", REDIS_TEST_URL, name=f"lc-test-leader-{uuid.uuid4().hex}")
        try:
            yield made
        finally:
            await client.delete(made.name)
            await client.aclose()
    else:
        await reachable_postgres()
        # Advisory locks are per database: a random key keeps each test to its own lock.
        yield Lock("postgresql", PG_ADMIN_URL, key=random.randrange(-(2**63), 2**63))


@pytest.fixture
async def campaigns() -> AsyncIterator[list[Leadership]]:
    """Leaderships a test starts; each is stopped at the end."""
    made: list[Leadership] = []
    yield made
    for leadership in made:
        await leadership.stop()


async def _campaign(
    campaigns: list[Leadership], election: Election, watch: Watch, name: str
) -> Leadership:
    leadership = Leadership(election, TTL)
    leadership.watch(watch.listener(name))
    campaigns.append(leadership)
    await leadership.start()
    return leadership


# -- one process -------------------------------------------------------------------------------


async def test_a_lone_process_on_sqlite_always_leads(campaigns: list[Leadership]) -> None:
    watch = Watch()
    alone = await _campaign(campaigns, LocalElection(), watch, "alone")
    assert alone.leader  # before start returns: a lone server runs its jobs from the start
    assert alone.state() == {"role": "leader", "lock": "local"}
    await alone.stop()
    assert watch.changes == [("alone", True), ("alone", False)]
    assert not alone.campaigning


# -- two processes, one lock -------------------------------------------------------------------


async def test_exactly_one_of_two_leads(lock: Lock, campaigns: list[Leadership]) -> None:
    watch = Watch()
    first_election, second_election = Tally(lock.election()), Tally(lock.election())
    first = await _campaign(campaigns, first_election, watch, "first")
    second = await _campaign(campaigns, second_election, watch, "second")
    async with asyncio.timeout(4 * TTL):
        # Several renewals and several tries of the other, and still one leader.
        await first_election.tried(5)
        await second_election.tried(5)
    assert (first.leader, second.leader) == (True, False)
    assert watch.changes == [("first", True)]
    assert first.state() == {"role": "leader", "lock": lock.kind}
    assert second.state() == {"role": "standby", "lock": lock.kind}


async def test_a_dead_leader_is_replaced_within_the_ttl(
    lock: Lock, campaigns: list[Leadership]
) -> None:
    watch = Watch()
    first = await _campaign(campaigns, lock.election(), watch, "first")
    second = await _campaign(campaigns, lock.election(), watch, "second")
    assert first.leader
    assert not second.leader
    await first.abandon()  # its connection drops; the lock is not released
    async with asyncio.timeout(TTL + TTL / 3 + MARGIN):
        took = await second.wait(True)
    assert took <= TTL + TTL / 3 + MARGIN
    if lock.kind == "redis":
        # The key outlived its holder until it expired: nobody took it before.
        assert took >= TTL / 2
    else:
        # A session that ends frees its advisory locks at once: the next try takes it.
        assert took <= TTL / 3 + MARGIN
    assert watch.most == 1
    assert watch.changes == [("first", True), ("first", False), ("second", True)]


async def test_a_stopped_leader_hands_over_at_once(lock: Lock, campaigns: list[Leadership]) -> None:
    watch = Watch()
    first = await _campaign(campaigns, lock.election(), watch, "first")
    second = await _campaign(campaigns, lock.election(), watch, "second")
    await first.stop()  # releases: no wait for an expiry
    async with asyncio.timeout(TTL / 3 + MARGIN):
        await second.wait(True)
    assert watch.most == 1


# A process of its own that leads on the lock, says so, and waits to be killed.
HOLDER = """
import asyncio, sys
from livecommerce.services.elections import PostgresElection, RedisElection
from livecommerce.services.leader import Leadership

async def main() -> None:
    kind, url, name, key, ttl = sys.argv[1:]
    if kind == "redis":
        election = RedisElection(url, name, float(ttl))
    else:
        election = PostgresElection(url, float(ttl), key=int(key))
    leadership = Leadership(election, float(ttl))
    await leadership.start()
    await leadership.wait(True)
    print("leader", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


async def test_a_process_killed_with_sigkill_is_replaced(
    lock: Lock, campaigns: list[Leadership]
) -> None:
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HOLDER,
        lock.kind,
        lock.url,
        lock.name,
        str(lock.key),
        str(TTL),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        async with asyncio.timeout(30):
            line = await holder.stdout.readline()
        assert line == b"leader\n", (await holder.communicate())[1].decode()
        watch = Watch()
        survivor = Tally(lock.election())
        here = await _campaign(campaigns, survivor, watch, "here")
        async with asyncio.timeout(2 * TTL):
            await survivor.tried(3)
        assert not here.leader  # the other process holds it

        holder.send_signal(signal.SIGKILL)
        await holder.wait()
        async with asyncio.timeout(TTL + TTL / 3 + MARGIN):
            took = await here.wait(True)
        assert took <= TTL + TTL / 3 + MARGIN
        assert watch.changes == [("here", True)]
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()
    assert holder.returncode == -signal.SIGKILL


async def test_a_leader_that_cannot_take_the_work_on_gives_the_lock_up(
    lock: Lock, campaigns: list[Leadership], caplog: pytest.LogCaptureFixture
) -> None:
    watch = Watch()
    broken = Leadership(lock.election(), TTL)

    def refuse(leader: bool) -> None:
        if leader and not watch.leaders:
            raise OSError("the job store cannot be opened")

    broken.watch(refuse)
    broken.watch(watch.listener("broken"))
    campaigns.append(broken)
    with caplog.at_level(logging.WARNING, logger="livecommerce.services.leader"):
        await broken.start()
    assert not broken.leader
    assert any("could not take the jobs on" in r.getMessage() for r in caplog.records)
    other = await _campaign(campaigns, lock.election(), watch, "other")
    async with asyncio.timeout(TTL / 3 + MARGIN):
        await other.wait(True)  # the lock was given up, not left to expire


# -- faults --------------------------------------------------------------------------------------


async def test_a_leader_whose_lock_is_taken_steps_down(
    lock: Lock, campaigns: list[Leadership]
) -> None:
    """Redis: the key now holds another token (it expired and was taken). PostgreSQL: the
    leader's session is ended by the server (pg_terminate_backend)."""
    watch = Watch()
    first = await _campaign(campaigns, lock.election(), watch, "first")
    assert first.leader
    if lock.kind == "redis":
        client = aioredis.from_url(lock.url)
        await client.set(lock.name, "another-process", px=int(TTL * 1000))
        await client.aclose()
    else:
        admin = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
        try:
            ended = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks"
                " WHERE locktype = 'advisory' AND granted"
                " AND ((classid::bigint << 32) | objid::bigint) = $1",
                lock.key,
            )
        finally:
            await admin.close()
        assert ended == 1
    async with asyncio.timeout(TTL / 3 + MARGIN):
        await first.wait(False)
    assert watch.changes == [("first", True), ("first", False)]
    if lock.kind == "postgresql":
        # The lock was freed with the session: it reconnects and leads again.
        async with asyncio.timeout(TTL + MARGIN):
            await first.wait(True)


class Cable:
    """A TCP proxy in front of Redis that the test cuts (Redis is gone) and mends."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()

    async def mend(self) -> None:
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._pipes):
            writer.transport.abort()
        await self._server.wait_closed()

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._pipes |= {writer, up_writer}
        await asyncio.gather(
            self._pump(reader, up_writer), self._pump(up_reader, writer), return_exceptions=True
        )
        self._pipes -= {writer, up_writer}

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.transport.abort()


async def test_the_leader_steps_down_at_once_when_redis_is_gone_and_leads_again_after(
    redis_lock: Lock, campaigns: list[Leadership]
) -> None:
    real = urlsplit(REDIS_TEST_URL)
    cable = Cable((real.hostname or "127.0.0.1", real.port or 6379))
    await cable.mend()
    via_cable = real._replace(netloc=f"127.0.0.1:{cable.port}").geturl()
    watch = Watch()
    leader = await _campaign(campaigns, redis_lock.election(via_cable), watch, "leader")
    assert leader.leader
    try:
        await cable.cut()
        async with asyncio.timeout(TTL):
            took = await leader.wait(False)
        # It paused while its key still stood: before anyone else could have taken it.
        assert took < TTL
        client = aioredis.from_url(REDIS_TEST_URL)
        try:
            assert await client.pttl(redis_lock.name) > 0
        finally:
            await client.aclose()
    finally:
        await cable.mend()
    async with asyncio.timeout(TTL + MARGIN):
        await leader.wait(True)
    assert watch.changes == [("leader", True), ("leader", False), ("leader", True)]
    await leader.stop()
    await cable.cut()


def _unreachable_redis() -> str:
    # Imported here: the one line of this file the port helper needs.
    from tests.helpers.ports import refused_port

    return f"redis://127.0.0.1:{refused_port()}/0"


async def test_an_unreachable_redis_leaves_the_process_standing_by(
    campaigns: list[Leadership], caplog: pytest.LogCaptureFixture
) -> None:
    election = Tally(RedisElection(_unreachable_redis(), "lc-test-leader-nobody", TTL))
    watch = Watch()
    with caplog.at_level(logging.INFO, logger="livecommerce.services.leader"):
        standby = await _campaign(campaigns, election, watch, "standby")
        async with asyncio.timeout(4 * TTL):
            await election.tried(4)
    assert not standby.leader
    assert standby.state() == {"role": "standby", "lock": "redis"}
    assert watch.changes == []
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # said once, not at every try
    assert warnings[0].startswith("cannot reach the redis lock: ")
    assert "Traceback" not in caplog.text
