"""The one retry policy of the services: exponential backoff on tenacity.

Every place that tries again (the batched writers, outgoing webhooks, the rooms lifting
their sequences, the Redis bus reconnecting) asks `backoff` for a policy instead of
writing its own loop:

    async for attempt in backoff(0.1, 5.0, retry_on=BusError, on_retry=hook):
        with attempt:
            await something_that_may_fail()

The first retry waits `first` seconds, each next one twice as long, never more than
`cap`. Only the named exceptions are retried; anything else (and cancellation) goes
straight through. With `attempts`, the policy gives up after that many tries and raises
the last error itself (not tenacity's `RetryError`), so callers catch what they know.
`on_retry` hears each failure that will be retried, before the pause: the place to log
one line and count on the metrics. `sleep` is injectable, so tests need not wait.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_never,
    wait_exponential,
)

__all__ = ["Retry", "backoff", "until_done", "warn"]


@dataclass(frozen=True, slots=True)
class Retry:
    """A failed try that will be tried again: the error, which try it was (from 1), and
    the pause before the next one, in seconds."""

    error: BaseException
    attempt: int
    delay: float


T = TypeVar("T")
OnRetry = Callable[[Retry], Awaitable[None] | None]
Sleep = Callable[[float], Awaitable[None]]
# Only exceptions: cancellation (a BaseException) is never retried.
Retryable = type[Exception] | tuple[type[Exception], ...]


def backoff(
    first: float,
    cap: float = math.inf,
    *,
    attempts: int | None = None,
    retry_on: Retryable = Exception,
    on_retry: OnRetry | None = None,
    sleep: Sleep = asyncio.sleep,
) -> AsyncRetrying:
    """A policy that waits `first` seconds before the first retry, doubling up to `cap`;
    forever, or for `attempts` tries in all. See the module's docstring."""

    async def before_sleep(state: RetryCallState) -> None:
        # tenacity sleeps only after a failed try, so there is an error to report.
        error = state.outcome.exception() if state.outcome is not None else None
        if error is None:
            return
        delay = state.next_action.sleep if state.next_action is not None else 0.0
        await _tell(on_retry, Retry(error, state.attempt_number, delay))

    return AsyncRetrying(
        sleep=sleep,
        stop=stop_never if attempts is None else stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=first, max=cap),
        retry=retry_if_exception_type(retry_on),
        before_sleep=before_sleep,
        reraise=True,
    )


async def until_done(
    work: Callable[[], Awaitable[T]],
    first: float,
    cap: float = math.inf,
    *,
    retry_on: Retryable = Exception,
    on_retry: OnRetry | None = None,
    sleep: Sleep = asyncio.sleep,
) -> T:
    """`await work()` until it succeeds, under `backoff`'s policy (forever), its first
    try outside tenacity: tenacity's state holds reference cycles, so on a hot path (a
    batch written per loop turn) a try that works at once leaves what it touched to
    reference counting, not to the garbage collector."""
    try:
        return await work()
    except retry_on as error:
        await _tell(on_retry, Retry(error, 1, first))
        await sleep(first)

    def later(retry: Retry) -> Awaitable[None] | None:  # numbered after the first try
        return on_retry(replace(retry, attempt=retry.attempt + 1)) if on_retry else None

    async for attempt in backoff(first * 2, cap, retry_on=retry_on, on_retry=later, sleep=sleep):
        with attempt:
            return await work()
    raise AssertionError("a policy without a last attempt ended")  # pragma: no cover


async def _tell(on_retry: OnRetry | None, retry: Retry) -> None:
    if on_retry is not None:
        heard = on_retry(retry)
        if inspect.isawaitable(heard):
            await heard


def warn(logger: logging.Logger, message: str) -> OnRetry:
    """A hook that logs one warning per retry: `message`, whose one `%s` is the error."""

    def hook(retry: Retry) -> None:
        logger.warning(message, retry.error)

    return hook
