"""One scheduler per cluster: the process that holds a lock is the one that runs the jobs.

The lock, chosen from the settings by `election_for`:

- `RedisElection` when `redis_url` is set: a Redis key taken with `SET NX PX` and a
  token unique to this process (redis-py's `Lock`), renewed every third of `leader_ttl`
  by compare-and-renew. A process that dies stops renewing: the key expires after
  `leader_ttl` seconds and another process takes it.
- `PostgresElection` on PostgreSQL: a session-level advisory lock
  (`pg_try_advisory_lock`) on a connection of its own, kept open. A process that dies
  drops its connection, and PostgreSQL frees the lock at once.
- `LocalElection` otherwise (SQLite: one process): always the leader.

`Leadership` campaigns in the background. A standby tries to take the lock every third
of the ttl; the leader renews it as often and steps down at once when a renewal fails or
does not answer within that third (Redis gone, the connection lost) — before its lease
can have run out, so two processes never lead at the same time. Listeners hear of each
change (the scheduler pauses or resumes its jobs); each change is logged in one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

import asyncpg
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

from livecommerce.config import Settings
from livecommerce.errors import brief

log = logging.getLogger(__name__)

# The advisory lock's key: a fixed 64-bit number (advisory locks are per database).
ADVISORY_KEY = int.from_bytes(
    hashlib.blake2b(b"livecommerce scheduler leader", digest_size=8).digest(), "big", signed=True
)

Listener = Callable[[bool], None]


def process_token() -> str:
    """A token naming this process: host, pid and a random part (unique per process)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def lock_name(prefix: str, database_url: str) -> str:
    """The Redis key the processes of one deployment (`redis_prefix`) sharing
    `database_url` compete for: `<prefix>:scheduler-leader:<database>`.

    The jobs live in that database, so its processes need one leader; processes of
    another database elect their own. Named by the database (its name, or the SQLite
    file), not by the host, which processes may spell differently."""
    path = urlsplit(database_url).path
    name = path if database_url.startswith("sqlite") else path.lstrip("/")
    return f"{prefix}:scheduler-leader:{name or 'default'}"


def _reason(error: BaseException) -> str:
    """An error in a few words; a lock that did not answer says so."""
    return "no answer in time" if isinstance(error, TimeoutError) else brief(error)


class Election(Protocol):
    """A lock this process holds while it leads."""

    @property
    def kind(self) -> str:
        """What the lock is (`redis`, `postgresql`, `local`), for logs and /healthz."""
        ...

    async def claim(self) -> bool:
        """Take the lock, or renew it when it is held: True while this process holds it.
        Raises when the lock's server cannot be reached."""
        ...

    async def release(self) -> None:
        """Give the lock up, so another process takes it at once."""
        ...

    async def close(self) -> None:
        """Drop the connection, without releasing (as a dying process would)."""
        ...


class LocalElection:
    """One process on its own database: it always leads."""

    kind = "local"

    async def claim(self) -> bool:
        return True

    async def release(self) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisElection:
    """A Redis key with an expiry of `ttl` seconds, holding this process's token."""

    kind = "redis"

    def __init__(self, url: str, name: str, ttl: float, token: str | None = None) -> None:
        self.url = url
        self.name = name
        self.ttl = ttl
        self.token = token or process_token()
        self._client: Redis | None = None
        self._lock: Lock | None = None
        self._held = False

    def _ensure_lock(self) -> Lock:
        # Made on first use: building the election (in the app factory) does no I/O.
        if self._lock is None:
            wait = max(0.1, self.ttl / 3)
            self._client = Redis.from_url(
                self.url, socket_timeout=wait, socket_connect_timeout=wait
            )
            self._lock = self._client.lock(
                self.name, timeout=self.ttl, blocking=False, thread_local=False
            )
        return self._lock

    async def claim(self) -> bool:
        lock = self._ensure_lock()
        if self._held:
            try:
                await lock.reacquire()  # compare-and-renew: PEXPIRE only if the token is ours
                return True
            except LockError:  # expired, perhaps taken by another process
                self._held = False
        self._held = await lock.acquire(blocking=False, token=self.token)
        return self._held

    async def release(self) -> None:
        if self._lock is not None and self._held:
            self._held = False
            # Compare-and-delete: only our own token; expired, there is nothing to give up.
            with contextlib.suppress(LockError):
                await self._lock.release()

    async def close(self) -> None:
        client, self._client, self._lock, self._held = self._client, None, None, False
        if client is not None:
            await client.aclose()


class SessionEndedError(ConnectionError):
    """The PostgreSQL session that held the advisory lock has ended (and freed it)."""

    def __init__(self) -> None:
        super().__init__("the session holding the lock ended")


class PostgresElection:
    """A session-level advisory lock on a connection kept open for it."""

    kind = "postgresql"

    def __init__(self, url: str, ttl: float, key: int = ADVISORY_KEY) -> None:
        self.url = url
        self.ttl = ttl
        self.key = key
        self._connection: Any = None  # asyncpg.Connection
        self._held = False

    async def _connect(self) -> Any:
        # Keepalives: should this process vanish without its socket being closed (a
        # network cut), the server drops the session, and the lock, after about the ttl.
        probe = str(max(1, round(self.ttl / 3)))
        return await asyncpg.connect(
            self.url,
            timeout=max(1.0, self.ttl / 3),
            server_settings={
                "application_name": "livecommerce scheduler leader",
                "tcp_keepalives_idle": probe,
                "tcp_keepalives_interval": probe,
                "tcp_keepalives_count": "3",
            },
        )

    async def claim(self) -> bool:
        if self._connection is None or self._connection.is_closed():
            if self._held:  # the session ended under us, and the lock with it
                self._drop()
                raise SessionEndedError
            self._connection = await self._connect()
        try:
            if self._held:
                # The lock lasts as long as the session: a session that answers still holds it.
                await self._connection.fetchval("SELECT 1")
                return True
            self._held = bool(
                await self._connection.fetchval("SELECT pg_try_advisory_lock($1)", self.key)
            )
            return self._held
        except BaseException:  # a broken or cancelled call: the session is not to be trusted
            self._drop()
            raise

    async def release(self) -> None:
        if self._connection is not None and self._held and not self._connection.is_closed():
            self._held = False
            await self._connection.fetchval("SELECT pg_advisory_unlock($1)", self.key)

    async def close(self) -> None:
        self._drop()

    def _drop(self) -> None:
        connection, self._connection, self._held = self._connection, None, False
        if connection is not None and not connection.is_closed():
            connection.terminate()


def election_for(settings: Settings) -> Election:
    """The lock of this deployment: Redis when set, else PostgreSQL's, else none needed."""
    database = settings.resolved_database_url
    if settings.redis_url:
        name = lock_name(settings.redis_prefix, database)
        return RedisElection(settings.redis_url, name, settings.leader_ttl)
    if database.startswith(("postgresql://", "postgres://")):
        return PostgresElection(database, settings.leader_ttl)
    return LocalElection()


class Leadership:
    """Campaigns for `election`'s lock and tells its listeners when this process starts or
    stops leading. `ttl` is the takeover time: a dead leader is replaced within about
    `ttl` (Redis: the key expires) plus a third of it (the next try)."""

    def __init__(
        self, election: Election, ttl: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.election = election
        self.ttl = ttl
        self.interval = ttl / 3
        self.leader = False
        self.campaigning = False
        self._clock = clock
        self._lease_ends = 0.0
        self._listeners: list[Listener] = []
        self._task: asyncio.Task[None] | None = None
        self._failing = False
        self._changed = asyncio.Condition()

    @classmethod
    def from_settings(cls, settings: Settings) -> Leadership:
        return cls(election_for(settings), settings.leader_ttl)

    def watch(self, listener: Listener) -> None:
        """Call `listener(leader)` at each change. A listener that raises when told it
        leads (it cannot take the work on) makes this process give the lock up."""
        self._listeners.append(listener)

    def state(self) -> dict[str, str]:
        """What /healthz says of it."""
        return {"role": "leader" if self.leader else "standby", "lock": self.election.kind}

    async def start(self) -> None:
        """Campaign: a first try at once (a lone process leads before it serves), then
        every third of the ttl in the background."""
        if self.campaigning:
            return
        self.campaigning = True
        await self._campaign()
        if not self.leader:
            log.info("the scheduler stands by: another process holds the %s lock", self.kind)
        self._task = asyncio.create_task(self._run(), name="scheduler-leadership")

    async def stop(self) -> None:
        """Stop campaigning and give the lock up: another process takes over at its next
        try, without waiting for the lock to expire."""
        await self._halt("this process stops")
        try:
            await asyncio.wait_for(self.election.release(), max(1.0, self.interval))
        except Exception as error:  # it expires or its session ends: taken over a bit later
            log.warning("the %s lock was not released: %s", self.kind, _reason(error))
        await self.election.close()

    async def abandon(self) -> None:
        """Stop as a dying process would: no release. Another process takes over when the
        lock expires (Redis) or its dropped connection frees it (PostgreSQL)."""
        await self._halt("this process abandons the lock")
        await self.election.close()

    async def wait(self, leader: bool = True) -> float:
        """Until this process leads (or, `leader=False`, stands by); the seconds it took."""
        began = self._clock()
        async with self._changed:
            await self._changed.wait_for(lambda: self.leader is leader)
        return self._clock() - began

    @property
    def kind(self) -> str:
        return self.election.kind

    async def _halt(self, reason: str) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await self._change(False, reason, level=logging.INFO)
        self.campaigning = False

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            if self.leader and self._clock() >= self._lease_ends:
                # The loop was held up past the lease: another process may lead by now.
                await self._change(False, "its lease ran out before it was renewed")
            await self._campaign()

    async def _campaign(self) -> None:
        began = self._clock()
        try:
            held = await asyncio.wait_for(self.election.claim(), self.interval)
        except Exception as error:
            self._failed(error)
            if self.leader:
                await self._change(
                    False, f"the {self.kind} lock cannot be renewed: {_reason(error)}"
                )
            return
        if self._failing:
            log.info("the %s lock answers again", self.kind)
            self._failing = False
        if held:
            self._lease_ends = began + self.ttl
            await self._change(True, "")
        else:
            await self._change(False, f"another process took the {self.kind} lock")

    def _failed(self, error: BaseException) -> None:
        """Log the first failure of a run of them (a Redis that is down is said once)."""
        if not self._failing:
            log.warning("cannot reach the %s lock: %s", self.kind, _reason(error))
            self._failing = True

    async def _change(self, leader: bool, reason: str, level: int = logging.WARNING) -> None:
        """Follow a change of leadership: log it in one line, tell the listeners. A step
        down is a warning unless this process chose it (`level`)."""
        if leader is self.leader:
            return
        self.leader = leader
        if leader:
            log.info(
                "this process now leads the scheduler (%s lock, token %s)",
                self.kind,
                getattr(self.election, "token", os.getpid()),
            )
        else:
            log.log(level, "this process no longer leads the scheduler: %s", reason)
        refused = self._tell(leader)
        async with self._changed:
            self._changed.notify_all()
        if refused is not None:
            # It cannot do the leader's work: let another process have the lock.
            try:
                await asyncio.wait_for(self.election.release(), max(1.0, self.interval))
            except Exception as error:
                log.warning("the %s lock was not released: %s", self.kind, _reason(error))
            await self._change(False, f"it could not take the jobs on: {_reason(refused)}")

    def _tell(self, leader: bool) -> BaseException | None:
        """Tell every listener; the first error of one told it leads, if any."""
        refused: BaseException | None = None
        for listener in self._listeners:
            try:
                listener(leader)
            except Exception as error:
                log.error("a leadership listener failed: %r", error)
                if leader and refused is None:
                    refused = error
        return refused
