"""Orders from a CSV file: every row checked like a webhook order; a bad row is
reported with its line and reason and never stops the good ones."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from livecommerce.core.messages import N_
from livecommerce.core.models import Order
from livecommerce.core.orders import CONFLICT, REQUIRED, OrderError, differences, parse_order
from livecommerce.errors import ImportColumnsError, ImportFileError, why_unreadable
from livecommerce.i18n import Localizer
from livecommerce.store import SqlStore

BATCH = 2_000  # orders per statement and transaction (and per progress step)
MAX_ROWS = 1_000_000
YIELD_EVERY = 200  # rows read between turns of the event loop


@dataclass
class Rejected:
    line: int
    field: str
    reason: str


@dataclass
class Outcome:
    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    where = str(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None:
                raise ImportFileError(path=where, reason=N_("the file is empty"))
            missing = [c for c in REQUIRED if c not in reader.fieldnames]
            if missing:
                raise ImportColumnsError(path=where, columns=", ".join(missing))
            for number, row in enumerate(reader):
                if number >= MAX_ROWS:
                    raise ImportFileError(path=where, reason=N_("more than a million rows"))
                yield reader.line_num, row
    except (FileNotFoundError, IsADirectoryError, PermissionError, UnicodeDecodeError) as error:
        raise ImportFileError(path=where, reason=why_unreadable(error)) from None
    except (csv.Error, OSError):
        # NUL bytes, a field over the csv module's limit, a device that fails to read.
        raise ImportFileError(path=where, reason=N_("it is not a readable CSV file")) from None


def count_rows(path: Path) -> int:
    """How many data rows the file has (for the progress bar)."""
    return sum(1 for _ in _rows(path))


async def import_orders(
    store: SqlStore,
    path: Path,
    skus: Collection[str],
    now: datetime,
    l10n: Localizer,
    progress: Callable[[int], None] = lambda n: None,
) -> Outcome:
    """Check every row, store the good ones in batches (idempotent on order id)."""
    outcome = Outcome()
    batch: list[Order] = []
    lines: dict[str, int] = {}  # order id -> the line of its row in this batch
    seen: dict[str, Order] = {}

    def conflict(line: int, order: Order, first: Order) -> bool:
        """Whether the order's id was received with another body: then its row is
        rejected, as the webhook answers 409 `conflict`."""
        changed = differences(order, first)
        if changed:
            params: dict[str, object] = {"id": order.id, "changed": ", ".join(changed)}
            outcome.rejected.append(Rejected(line, "id", l10n.render(CONFLICT, params)))
        return bool(changed)

    async def write(orders: list[Order], lines: dict[str, int]) -> None:
        added = await store.add_orders(orders)  # an id already stored is left as it is
        outcome.accepted += added
        if added < len(orders):
            # Some ids were stored before this import: each is the same order sent again
            # (a duplicate) or another order under a known id (a conflict: rejected).
            stored = await store.orders_by_id(o.id for o in orders)
            conflicts = sum(
                1 for o in orders if o.id in stored and conflict(lines[o.id], o, stored[o.id])
            )
            outcome.duplicates += len(orders) - added - conflicts
        progress(len(orders))

    # One batch is written while the next is read and checked (SQLite works outside
    # Python's lock); one at a time, so the batches are stored in the file's order. The
    # stored orders are read back only when a batch holds ids stored before (a file
    # imported again), not for every batch of a new file.
    writing: asyncio.Task[None] | None = None

    async def flush() -> None:
        nonlocal writing, lines
        if writing is not None:
            await writing
        writing = asyncio.create_task(write(batch[:], lines))
        lines = {}
        batch.clear()

    try:
        for line, row in _rows(path):
            outcome.rows += 1
            if outcome.rows % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # the batch being written takes its next step
            if None in row:
                # More cells than the header names: an unquoted comma shifted the
                # columns, so every field after it is in the wrong place.
                reason = l10n.render(N_("The row has more fields than the header."), {})
                outcome.rejected.append(Rejected(line, "row", reason))
                progress(1)
                continue
            try:
                order = parse_order(row, skus=skus, now=now)
            except OrderError as error:
                outcome.rejected.append(
                    Rejected(line, error.field, l10n.render(error.text.template, error.text.params))
                )
                progress(1)
                continue
            if order.id in seen:
                if not conflict(line, order, seen[order.id]):
                    outcome.duplicates += 1
                progress(1)
                continue
            seen[order.id] = order
            lines[order.id] = line
            batch.append(order)
            if len(batch) >= BATCH:
                await flush()
        if batch:
            await flush()
        if writing is not None:
            await writing
    finally:
        # A file that fails halfway (or a cancelled import): the batch in flight ends
        # as it would have ended alone, before the error goes on.
        if writing is not None and not writing.done():
            await asyncio.wait([writing])
        if writing is not None and writing.done() and not writing.cancelled():
            writing.exception()  # retrieved: the error that ended the import is raised
    outcome.rejected.sort(key=lambda r: r.line)
    return outcome
