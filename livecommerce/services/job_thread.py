"""APScheduler 3 on asyncio with its job store kept off the event loop.

APScheduler's SQLAlchemy job store is synchronous: on SQLite a write waits for the
database's lock, up to its busy timeout (5 s). The lock may be held by the chat writer's
open transaction, which needs the event loop to finish: a job-store write made on the
loop stalls every connection of the process until the timeout, and then fails.

`ThreadedScheduler` does every job-store operation of its own (looking for due jobs,
moving a job to its next run, removing a job that ran) in one worker thread, and
`LoopExecutor` hands the due jobs back to the event loop to run. Callers do their own
job-store work (`add_job`, `get_jobs`, `remove_job`) through `in_store_thread`: the
scheduler's methods are thread-safe, and one thread keeps them in order.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from apscheduler.executors.asyncio import AsyncIOExecutor  # type: ignore[import-untyped]
from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
from apscheduler.schedulers.base import STATE_RUNNING  # type: ignore[import-untyped]

log = logging.getLogger(__name__)
T = TypeVar("T")


class LoopExecutor(AsyncIOExecutor):  # type: ignore[misc]
    """Runs the due jobs on the event loop, whichever thread found them due."""

    def _do_submit_job(self, job: Any, run_times: Any) -> None:
        self._eventloop.call_soon_threadsafe(super()._do_submit_job, job, run_times)


class ThreadedScheduler(AsyncIOScheduler):  # type: ignore[misc]
    """An AsyncIOScheduler whose job store is read and written in one worker thread."""

    _store_thread: concurrent.futures.ThreadPoolExecutor | None = None

    @property
    def store_thread(self) -> concurrent.futures.ThreadPoolExecutor:
        if self._store_thread is None:
            self._store_thread = concurrent.futures.ThreadPoolExecutor(
                1, thread_name_prefix="job-store"
            )
        return self._store_thread

    async def in_store_thread(self, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` in the job store's thread: the event loop goes on meanwhile."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.store_thread, work, *args)

    def wakeup(self) -> None:
        self._eventloop.call_soon_threadsafe(self._wake_on_loop)

    def _wake_on_loop(self) -> None:
        if self._eventloop is None or self.state != STATE_RUNNING:
            return
        self._stop_timer()
        found = self._eventloop.run_in_executor(self.store_thread, self._process_jobs)

        def next_round(done: asyncio.Future[float | None]) -> None:
            if done.cancelled() or self.state != STATE_RUNNING or self._eventloop is None:
                return
            error = done.exception()
            if error is not None:  # APScheduler catches the job store's own errors
                log.error("the scheduler could not look for due jobs: %r", error)
                self._start_timer(self.jobstore_retry_interval)
                return
            self._start_timer(done.result())

        found.add_done_callback(next_round)

    def shutdown(self, wait: bool = True) -> None:
        super().shutdown(wait)
        thread, self._store_thread = self._store_thread, None
        if thread is not None:
            thread.shutdown(wait=False)

    def _create_default_executor(self) -> LoopExecutor:
        return LoopExecutor()
