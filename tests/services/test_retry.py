"""The one retry policy: delays grow and cap, attempts run out, only the named errors are
retried, and the hook hears each retry. The pauses are recorded, not waited."""

from __future__ import annotations

import asyncio
import logging

import pytest
from tenacity import AsyncRetrying

from livecommerce.services.retry import Retry, backoff, until_done, warn


class Flaky(Exception):
    """A failure the policy is told to retry."""


class Broken(Exception):
    """A failure the policy is not told to retry."""


class Clock:
    """An injected `sleep` that only records the pauses it was asked for."""

    def __init__(self) -> None:
        self.pauses: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)


async def _run(policy: AsyncRetrying, failures: int, error: BaseException | None = None) -> int:
    """Try, under `policy`, an operation that fails its first `failures` tries (with
    `error`, or a numbered Flaky); the number of tries."""
    tries = 0
    async for attempt in policy:
        with attempt:
            tries += 1
            if tries <= failures:
                raise error or Flaky(f"try {tries}")
    return tries


async def test_delays_double_from_the_first_and_stop_at_the_cap() -> None:
    clock = Clock()
    assert await _run(backoff(0.1, 5.0, sleep=clock.sleep), 8) == 9
    assert clock.pauses == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0])


async def test_without_a_cap_the_delays_keep_doubling() -> None:
    clock = Clock()
    assert await _run(backoff(1.0, sleep=clock.sleep), 4) == 5
    assert clock.pauses == pytest.approx([1.0, 2.0, 4.0, 8.0])


async def test_success_at_once_does_not_pause() -> None:
    clock = Clock()
    assert await _run(backoff(0.1, 5.0, attempts=3, sleep=clock.sleep), 0) == 1
    assert clock.pauses == []


async def test_attempts_run_out_and_the_last_error_is_raised() -> None:
    clock = Clock()
    with pytest.raises(Flaky, match="try 3"):
        await _run(backoff(0.2, attempts=3, sleep=clock.sleep), 10)
    assert clock.pauses == pytest.approx([0.2, 0.4])  # no pause after the last try


async def test_one_attempt_means_no_retry() -> None:
    clock = Clock()
    with pytest.raises(Flaky, match="try 1"):
        await _run(backoff(0.2, attempts=1, sleep=clock.sleep), 10)
    assert clock.pauses == []


async def test_only_the_named_errors_are_retried() -> None:
    clock = Clock()
    with pytest.raises(Broken):
        await _run(backoff(0.1, retry_on=Flaky, sleep=clock.sleep), 2, Broken("no"))
    assert clock.pauses == []
    assert (
        await _run(backoff(0.1, retry_on=(Broken, Flaky), sleep=clock.sleep), 2, Flaky("again"))
        == 3
    )


async def test_cancellation_is_never_retried() -> None:
    clock = Clock()
    with pytest.raises(asyncio.CancelledError):
        await _run(backoff(0.1, sleep=clock.sleep), 2, asyncio.CancelledError())
    assert clock.pauses == []


async def test_the_hook_hears_each_retry_with_its_error_and_pause() -> None:
    clock = Clock()
    heard: list[Retry] = []
    with pytest.raises(Flaky):
        await _run(backoff(0.5, 1.0, attempts=3, on_retry=heard.append, sleep=clock.sleep), 5)
    assert [(str(r.error), r.attempt, r.delay) for r in heard] == [
        ("try 1", 1, 0.5),
        ("try 2", 2, 1.0),
    ]


async def test_an_async_hook_is_awaited_before_the_pause() -> None:
    order: list[str] = []

    async def hook(retry: Retry) -> None:
        await asyncio.sleep(0)
        order.append(f"hook {retry.attempt}")

    async def sleep(seconds: float) -> None:
        order.append(f"pause {seconds}")

    async for attempt in backoff(0.1, attempts=2, on_retry=hook, sleep=sleep):
        with attempt:
            if not order:
                raise Flaky("once")
    assert order == ["hook 1", "pause 0.1"]


async def test_warn_logs_one_line_per_retry(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    logger = logging.getLogger("tests.retry")
    hook = warn(logger, "could not do it yet (%s): retrying")
    with caplog.at_level(logging.WARNING, logger="tests.retry"):
        assert await _run(backoff(0.1, on_retry=hook, sleep=clock.sleep), 2) == 3
    lines = [r.getMessage() for r in caplog.records if r.name == "tests.retry"]
    assert lines == [
        "could not do it yet (try 1): retrying",
        "could not do it yet (try 2): retrying",
    ]


async def test_until_done_tries_first_outside_the_policy_then_backs_off() -> None:
    clock, heard = Clock(), []
    tries = 0

    async def work() -> str:
        nonlocal tries
        tries += 1
        if tries <= 3:
            raise Flaky(f"try {tries}")
        return "done"

    result = await until_done(
        work, 0.1, 5.0, retry_on=Flaky, on_retry=heard.append, sleep=clock.sleep
    )
    assert result == "done"
    assert tries == 4
    assert [(r.attempt, r.delay) for r in heard] == [(1, 0.1), (2, 0.2), (3, 0.4)]
    assert clock.pauses == [0.1, 0.2, 0.4]


async def test_until_done_lets_other_errors_through_at_once() -> None:
    clock = Clock()

    async def work() -> None:
        raise Broken("not retried")

    with pytest.raises(Broken):
        await until_done(work, 0.1, retry_on=Flaky, sleep=clock.sleep)
    assert clock.pauses == []
