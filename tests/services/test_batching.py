"""The batched writer: nothing lost on failures or shutdown; overflow counted, never silent."""

from __future__ import annotations

import asyncio
import gc
import logging
import weakref

import pytest

from livecommerce.services.batching import BatchWriter


class FlakyStore:
    """Fails the first `failures` writes, like a database that is briefly away."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.written: list[int] = []
        self.calls = 0

    async def write(self, batch: list[int]) -> None:
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database restarting")
        self.written.extend(batch)


async def test_items_are_written_in_order_and_in_batches() -> None:
    store = FlakyStore()
    writer = BatchWriter("t", store.write, max_batch=10, max_delay=0.01)
    writer.start()
    for i in range(35):
        assert writer.put(i)
    await writer.drain()
    assert store.written == list(range(35))
    assert store.calls < 35  # batched
    await writer.close(1)


async def test_a_failing_database_loses_nothing(caplog: pytest.LogCaptureFixture) -> None:
    store = FlakyStore(failures=3)
    changes: list[tuple[int, int, int]] = []
    writer = BatchWriter(
        "t",
        store.write,
        max_delay=0.001,
        retry_first=0.001,
        retry_max=0.01,
        on_change=lambda *c: changes.append(c),
    )
    writer.start()
    with caplog.at_level(logging.WARNING):
        for i in range(100):
            writer.put(i)
        await asyncio.wait_for(writer.drain(), 5)
    assert store.written == list(range(100))
    assert writer.failures == 3
    assert sum(c[2] for c in changes) == 3
    assert "retrying" in caplog.text
    await writer.close(1)


class HangingStore(FlakyStore):
    """Its first write never returns, like a database cut off without a reset."""

    async def write(self, batch: list[int]) -> None:
        self.calls += 1
        if self.calls == 1:
            await asyncio.Event().wait()
        self.written.extend(batch)


async def test_a_write_that_hangs_is_given_up_and_retried() -> None:
    store = HangingStore()
    writer = BatchWriter("t", store.write, max_delay=0.001, retry_first=0.001, write_timeout=0.05)
    writer.start()
    for i in range(10):
        writer.put(i)
    await asyncio.wait_for(writer.drain(), 5)
    assert store.written == list(range(10))
    assert writer.failures == 1
    await writer.close(1)


async def test_close_flushes_what_is_pending() -> None:
    store = FlakyStore()
    writer = BatchWriter("t", store.write, max_delay=10.0)  # would wait long
    writer.start()
    for i in range(7):
        writer.put(i)
    await writer.close(5)
    assert store.written == list(range(7))


async def test_overflow_is_counted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    store = FlakyStore(failures=10**6)  # the database never comes back
    dropped: list[int] = []
    writer = BatchWriter(
        "t",
        store.write,
        max_buffer=5,
        retry_first=0.001,
        retry_max=0.001,
        on_change=lambda pending, d, f: dropped.append(d),
    )
    writer.start()
    with caplog.at_level(logging.ERROR):
        accepted = [writer.put(i) for i in range(8)]
    assert accepted == [True] * 5 + [False] * 3
    assert writer.dropped == 3
    assert sum(dropped) == 3
    assert "write buffer full" in caplog.text
    with caplog.at_level(logging.ERROR):
        await writer.close(0.05)
    assert "not written at shutdown" in caplog.text


class Record:
    """A record the test can watch being freed."""


async def test_a_written_batch_is_freed_by_its_reference_count() -> None:
    written: list[list[Record]] = []

    async def write(batch: list[Record]) -> None:
        written.append(batch)

    writer = BatchWriter("t", write, max_delay=0.001)
    writer.start()
    records = [Record() for _ in range(20)]
    watched = [weakref.ref(r) for r in records]
    gc.disable()  # only reference counts free anything from here on
    try:
        for record in records:
            writer.put(record)
        await asyncio.wait_for(writer.drain(), 5)
        del records, record
        written.clear()
        assert [ref() for ref in watched] == [None] * 20, "a written batch sat in a cycle"
    finally:
        gc.enable()
        await writer.close(1)
