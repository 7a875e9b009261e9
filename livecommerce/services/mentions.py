"""The mention log: every product mention of a show, written in batches off the hot path.

Sources: `pin` (the streamer pins a product), `streamer` (the streamer names it in chat),
`transcript` (lines of the streamer's speech), `chat` (viewers and moderators).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from livecommerce.core.models import Mention, MentionSource
from livecommerce.metrics import Metrics
from livecommerce.services.batching import BatchWriter
from livecommerce.store import SqlStore

# Mentions per write (one statement, one commit): a burst is committed in a few writes;
# a quiet show's mentions still go within the writer's max_delay.
MAX_BATCH = 2_000


class MentionLog:
    def __init__(self, store: SqlStore, metrics: Metrics, max_buffer: int = 100_000) -> None:
        self.store = store
        self.metrics = metrics
        self.writer: BatchWriter[Mention] = BatchWriter(
            "mentions",
            self._write,
            max_batch=MAX_BATCH,
            max_buffer=max_buffer,
            on_change=self._changed,
        )

    def start(self) -> None:
        self.writer.start()

    async def close(self, grace: float) -> None:
        await self.writer.close(grace)

    def record(
        self,
        show_id: str,
        skus: Iterable[str],
        source: MentionSource,
        lang: str,
        ts: datetime,
        message_id: int | None = None,
    ) -> int:
        """Queue the mentions of `skus`; returns how many were queued (not dropped)."""
        queued = 0
        for sku in dict.fromkeys(skus):
            mention = Mention(show_id, sku, source, lang, ts, message_id)
            if self.writer.put(mention):
                queued += 1
                self.metrics.mentions.labels(source.value).inc()
        return queued

    async def _write(self, batch: list[Mention]) -> None:
        await self.store.add_mentions(batch)

    def _changed(self, pending: int, dropped: int, failures: int) -> None:
        self.metrics.write_pending.labels("mentions").set(pending)
        if dropped:
            self.metrics.write_dropped.labels("mentions").inc(dropped)
        if failures:
            self.metrics.write_failures.labels("mentions").inc(failures)
