"""One scheduler per cluster: the process that holds a lock is the one that runs the jobs.

The lock is an `Election`, chosen from the settings by the wiring
(`livecommerce.app.election`):

- `RedisElection` when `redis_url` is set, `PostgresElection` on PostgreSQL: the
  concrete locks, in `livecommerce.services.elections`;
- `LocalElection` (here) otherwise (SQLite: one process): always the leader.

`Leadership` campaigns in the background. A standby tries to take the lock every third
of the ttl; the leader renews it as often and steps down at once when a renewal fails or
does not answer within that third (Redis gone, the connection lost) — before its lease
can have run out, so two processes never lead at the same time. Listeners hear of each
change (the scheduler pauses or resumes its jobs); each change is logged in one line.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from typing import Protocol
from urllib.parse import urlsplit

from livecommerce.errors import brief

log = logging.getLogger(__name__)

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
