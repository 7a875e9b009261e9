"""The concrete leader locks: a Redis key, or a PostgreSQL advisory lock.

- `RedisElection` (when `redis_url` is set): a Redis key taken with `SET NX PX` and a
  token unique to this process (redis-py's `Lock`), renewed every third of `leader_ttl`
  by compare-and-renew. A process that dies stops renewing: the key expires after
  `leader_ttl` seconds and another process takes it.
- `PostgresElection` (on PostgreSQL): a session-level advisory lock
  (`pg_try_advisory_lock`) on a connection of its own, kept open. A process that dies
  drops its connection, and PostgreSQL frees the lock at once.

Both are `Election`s (`livecommerce.services.leader`), which `Leadership` campaigns for.
Only the wiring (`livecommerce.app.election`) and the command line choose and build one
(the import contract `backends-chosen-by-wiring`).
"""

from __future__ import annotations

import contextlib
import hashlib
from typing import Any

import asyncpg
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

from livecommerce.services.leader import process_token

# The advisory lock's key: a fixed 64-bit number (advisory locks are per database).
ADVISORY_KEY = int.from_bytes(
    hashlib.blake2b(b"livecommerce scheduler leader", digest_size=8).digest(), "big", signed=True
)


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
