"""Orders from a CSV file: every row checked like a webhook order; a bad row is
reported with its line and reason and never stops the good ones."""

from __future__ import annotations

import asyncio
import csv
import gc
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from livecommerce.core.messages import N_
from livecommerce.core.models import Order
from livecommerce.core.orders import CONFLICT, REQUIRED, OrderError, differences, parse_order
from livecommerce.errors import ImportColumnsError, ImportFileError, why_unreadable
from livecommerce.i18n import Localizer
from livecommerce.store import SqlStore

BATCH = 10_000  # orders per transaction (on SQLite one statement: store/bulk.py)
PROGRESS_EVERY = 2_000  # rows checked between progress steps
MAX_ROWS = 1_000_000
YIELD_EVERY = 50  # rows read between turns of the event loop


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


def _rows(path: Path) -> Iterator[tuple[int, dict[Any, Any]]]:
    """Each data row by the header's names, with the line it ends on, as
    `csv.DictReader` gives it (cells past the header's under the key None, missing
    cells None, blank lines skipped) for a fraction of its cost per row."""
    where = str(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise ImportFileError(path=where, reason=N_("the file is empty"))
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise ImportColumnsError(path=where, columns=", ".join(missing))
            width = len(header)
            number = 0
            for cells in reader:
                if not cells:
                    continue  # a blank line is no row
                if number >= MAX_ROWS:
                    raise ImportFileError(path=where, reason=N_("more than a million rows"))
                number += 1
                row: dict[Any, Any] = dict(zip(header, cells, strict=False))
                if len(cells) > width:
                    row[None] = cells[width:]
                elif len(cells) < width:
                    row.update(dict.fromkeys(header[len(cells) :]))
                yield reader.line_num, row
    except (FileNotFoundError, IsADirectoryError, PermissionError, UnicodeDecodeError) as error:
        raise ImportFileError(path=where, reason=why_unreadable(error)) from None
    except (csv.Error, OSError):
        # NUL bytes, a field over the csv module's limit, a device that fails to read.
        raise ImportFileError(path=where, reason=N_("it is not a readable CSV file")) from None


@contextmanager
def _cycles_left_alone() -> Iterator[None]:
    """Python's cyclic garbage collector paused, then as it was. The import keeps about
    one object per row to its end (each order, to tell duplicates in the file), and the
    collector, run every few hundred such objects and over all of them now and then,
    took a third of the import's time to find nothing: rows, orders and batches hold no
    reference cycles, and are freed by their counts as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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

    # One batch is written while the next is read and checked (SQLite works outside
    # Python's lock); one at a time, so the batches are stored in the file's order. The
    # stored orders are read back only when a batch holds ids stored before (a file
    # imported again), not for every batch of a new file. Progress counts the rows
    # checked, PROGRESS_EVERY at a time; the last step comes once all is stored.
    writing: asyncio.Task[None] | None = None

    async def flush() -> None:
        nonlocal writing, lines
        if writing is not None:
            await writing
        writing = asyncio.create_task(write(batch[:], lines))
        lines = {}
        batch.clear()

    with _cycles_left_alone():
        try:
            for line, row in _rows(path):
                outcome.rows += 1
                if outcome.rows % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # the batch being written takes its next step
                    if outcome.rows % PROGRESS_EVERY == 0:
                        progress(PROGRESS_EVERY)
                if None in row:
                    # More cells than the header names: an unquoted comma shifted the
                    # columns, so every field after it is in the wrong place.
                    reason = l10n.render(N_("The row has more fields than the header."), {})
                    outcome.rejected.append(Rejected(line, "row", reason))
                    continue
                try:
                    order = parse_order(row, skus=skus, now=now)
                except OrderError as error:
                    outcome.rejected.append(
                        Rejected(
                            line, error.field, l10n.render(error.text.template, error.text.params)
                        )
                    )
                    continue
                if order.id in seen:
                    if not conflict(line, order, seen[order.id]):
                        outcome.duplicates += 1
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
            progress(outcome.rows % PROGRESS_EVERY)  # the rows since the last step
        finally:
            # A file that fails halfway (or a cancelled import): the batch in flight ends
            # as it would have ended alone, before the error goes on.
            if writing is not None and not writing.done():
                await asyncio.wait([writing])
            if writing is not None and writing.done() and not writing.cancelled():
                writing.exception()  # retrieved: the error that ended the import is raised
    outcome.rejected.sort(key=lambda r: r.line)
    return outcome
