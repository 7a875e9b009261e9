"""The bus over Redis, for several `serve` processes sharing each show's room.

One Lua script allocates a message's id (INCR, never below the caller's floor), appends
the change to a capped stream (the history) and PUBLISHes it, atomically, so every
subscriber sees the changes in id order. The interface, the wire encoding and the
in-process bus are in `livecommerce.services.bus`; only the wiring (`livecommerce.app`)
and the command line build a `RedisBus` (the import contract `backends-chosen-by-wiring`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from livecommerce.core.changes import Change, ChangeError, Origin, PresenceChanged, numbered
from livecommerce.services import retry
from livecommerce.services.bus import BusError, Handler, Status, decode, encode, new_process_id

log = logging.getLogger(__name__)

# KEYS: sequence. ARGV: floor.
LIFT = """
local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
if seq < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1])
end
return 0
"""

# KEYS: sequence, history stream. ARGV: channel, change JSON, floor, keep.
PUBLISH = """
local seq = redis.call('INCR', KEYS[1])
local floor = tonumber(ARGV[3])
if seq <= floor then
  seq = floor + 1
  redis.call('SET', KEYS[1], seq)
end
local payload = seq .. ' ' .. ARGV[2]
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[4], '*', 'c', payload)
redis.call('PUBLISH', ARGV[1], payload)
return seq
"""


class RedisBus:
    """The bus over Redis: a Lua script sequences and publishes, pub/sub delivers, a capped
    stream per show keeps the history. Lost connections are retried with backoff; the
    `status` callback hears when the bus goes down and comes back."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "livecommerce",
        keep: int = 10_000,
        process: str | None = None,
        status: Status | None = None,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.keep = keep
        self.process = process or new_process_id()
        self.status = status
        self.redis: aioredis.Redis = aioredis.from_url(
            url,
            socket_connect_timeout=2,
            socket_timeout=5,
            health_check_interval=10,
            # A pooled connection that died with a restarted Redis is replaced, not reported.
            retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), 2),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
        self._script = self.redis.register_script(PUBLISH)
        self._lift = self.redis.register_script(LIFT)
        self.handlers: dict[str, Handler] = {}
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self.connected = False
        # Until Redis gives one: a random rank is very likely unique too.
        self.rank = random.randint(1_000, 9_000)

    def _key(self, show_id: str, what: str) -> str:
        return f"{self.prefix}:show:{{{show_id}}}:{what}"

    def channel(self, show_id: str) -> str:
        return self._key(show_id, "changes")

    async def start(self) -> None:
        """Connect (a Redis that cannot be reached now is retried in the background)."""
        try:
            await self.redis.ping()
        except (RedisError, OSError) as error:
            log.warning("Redis at %s is not reachable (%s): retrying", _safe(self.url), error)
        else:
            self.connected = True
            log.info("connected to Redis at %s", _safe(self.url))
            with contextlib.suppress(RedisError, OSError):
                self.rank = int(await self.redis.incr(f"{self.prefix}:process-ranks"))
        self._reader = asyncio.create_task(self._read(), name="bus-reader")

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.aclose()
        with contextlib.suppress(RedisError, OSError):
            await self.redis.aclose()

    async def publish(self, show_id: str, change: Change, floor: int) -> Change:
        try:
            ident = await self._script(
                keys=[self._key(show_id, "seq"), self._key(show_id, "history")],
                args=[self.channel(show_id), encode(change), floor, self.keep],
            )
        except (RedisError, OSError) as error:
            raise BusError(str(error)) from None
        return numbered(change, int(ident))

    async def subscribe(self, show_id: str, handler: Handler) -> None:
        self.handlers[self.channel(show_id)] = handler
        self._changed.set()

    async def unsubscribe(self, show_id: str) -> None:
        self.handlers.pop(self.channel(show_id), None)
        self._changed.set()

    async def history(self, show_id: str) -> tuple[list[Change], int]:
        try:
            entries = await self.redis.xrange(self._key(show_id, "history"))
            last = await self.redis.get(self._key(show_id, "seq"))
        except (RedisError, OSError) as error:
            raise BusError(str(error)) from None
        changes: list[Change] = []
        for _, fields in entries or ():
            try:
                changes.append(decode((fields or {})[b"c"]))
            except (ChangeError, KeyError) as error:
                log.warning("skipped a kept change of show %s: %s", show_id, error)
        return changes, int(last or 0)

    async def lift(self, show_id: str, floor: int) -> None:
        try:
            await self._lift(keys=[self._key(show_id, "seq")], args=[floor])
        except (RedisError, OSError) as error:
            raise BusError(str(error)) from None

    async def ping(self, show_id: str) -> None:
        payload = "0 " + encode(PresenceChanged(origin=Origin(self.process, 0)))
        try:
            await self.redis.publish(self.channel(show_id), payload)
        except (RedisError, OSError) as error:
            raise BusError(str(error)) from None

    async def max_rank(self) -> int:
        try:
            top = await self.redis.get(f"{self.prefix}:process-ranks")
        except (RedisError, OSError) as error:
            raise BusError(str(error)) from None
        return max(self.rank, int(top or 0))

    async def share_presence(
        self, show_id: str, counts: dict[str, Any], fresh: float
    ) -> list[dict[str, Any]]:
        key = self._key(show_id, "presence")
        now = time.time()
        mine = json.dumps({"t": now, "counts": counts}, separators=(",", ":"))
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hset(key, self.process, mine)
                pipe.expire(key, max(60, int(fresh * 4)))
                pipe.hgetall(key)
                _, _, entries = await pipe.execute()
        except (RedisError, OSError) as error:
            raise BusError(str(error)) from None
        peers: list[dict[str, Any]] = []
        stale: list[bytes] = []
        for process, raw in entries.items():
            if process.decode() == self.process:
                continue
            try:
                entry = json.loads(raw)
                moment, theirs = float(entry["t"]), entry["counts"]
            except (ValueError, KeyError, TypeError):
                stale.append(process)
                continue
            if now - moment <= fresh and isinstance(theirs, dict):
                peers.append(theirs)
            elif now - moment > fresh * 4:
                stale.append(process)  # a process gone for good
        if stale:
            with contextlib.suppress(RedisError, OSError):
                await self.redis.hdel(key, *stale)
        return peers

    async def _read(self) -> None:
        """Deliver published changes to the handlers; resubscribe after a lost connection,
        with backoff (0.1 s doubling to 5 s, from 0.1 s again once Redis answers)."""
        reconnecting = retry.backoff(0.1, 5.0, retry_on=(RedisError, OSError), on_retry=self._lost)
        while True:  # one round per connection: its backoff begins again
            async for attempt in reconnecting:
                with attempt:
                    if self._pubsub is None:
                        self._pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                        # PING first: subscribing to nothing would not notice Redis is gone.
                        await self.redis.ping()
                        self._up(True)
                        break
                    await self._deliver(self._pubsub)

    async def _deliver(self, pubsub: Any) -> None:
        """Follow the handlers' channels on `pubsub` until Redis is lost (then raises)."""
        subscribed: set[str] = set()
        while True:
            try:
                wanted = set(self.handlers)
                if wanted - subscribed:
                    await pubsub.subscribe(*(wanted - subscribed))
                if subscribed - wanted:
                    await pubsub.unsubscribe(*(subscribed - wanted))
                subscribed = wanted
                if not subscribed:
                    self._changed.clear()
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(1.0):
                            await self._changed.wait()
                    await self.redis.ping()
                    continue
                message = await pubsub.get_message(timeout=0.2)
                if message is None:
                    continue
                handler = self.handlers.get(message["channel"].decode())
                if handler is None:
                    continue
                try:
                    change = decode(message["data"])
                except ChangeError as error:
                    log.warning("skipped a change from the bus: %s", error)
                    continue
                handler(change)
            except (RedisError, OSError):
                raise
            except Exception:  # a handler's bug must not stop the bus
                log.exception("a bus handler failed")

    async def _lost(self, retrying: retry.Retry) -> None:
        """Redis failed: say so once, drop the pub/sub, and let the backoff pause."""
        if self.connected:
            log.warning("lost Redis (%s): retrying", retrying.error)
        self._up(False)
        if self._pubsub is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._pubsub.aclose()
        self._pubsub = None

    def _up(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            if connected:
                log.info("connected to Redis at %s", _safe(self.url))
            if self.status is not None:
                self.status(connected)


def _safe(url: str) -> str:
    """The URL without its password, for the log."""
    _, sep, tail = url.rpartition("@")
    return f"redis://…@{tail}" if sep else url
