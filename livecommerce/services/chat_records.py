"""What the chat writer keeps, and the two promises it makes (see docs/protocol.md,
"Durability"):

- **An ack follows the commit.** A message, its mentions and the lift of the show's
  reserved ids are written in one transaction (`ChatRecords.write`, fed by a group-commit
  `BatchWriter`: what one loop turn queued, plus what came while the previous commit ran);
  only then is the sender's `ack` delivered. When the commit fails the sender gets an
  `error` `store_unavailable` in its place (the writer still tries again: readers have
  seen the message, and it may yet be stored).
- **Ids never repeat.** `Sequences` hands a room ids only from blocks committed in
  `show_sequences` first, so after a crash the room starts above every id it may have
  given out, and a resume from before that cannot claim `recovered`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from livecommerce.core.effects import Audit, Deliver, Relabel
from livecommerce.core.messages import N_, Text
from livecommerce.core.models import ChatMessage, Mention
from livecommerce.core.room import Room
from livecommerce.errors import brief
from livecommerce.metrics import Metrics
from livecommerce.store import SqlStore

log = logging.getLogger(__name__)

# Ids reserved at a time, and how few may be left before the next block is reserved.
ID_BLOCK = 1000
ID_LOW_WATER = ID_BLOCK // 2


class Ack:
    """A sender's ack waiting for its message's commit; answered once (`done`)."""

    __slots__ = ("deliver", "done")

    def __init__(self, deliver: Deliver) -> None:
        self.deliver = deliver
        self.done = False


@dataclass(frozen=True)
class Write:
    """One record for the chat writer: a message (with its mentions and the sender's
    ack, released after the commit), an erase, a move or an audit entry."""

    show_id: str
    kind: str  # message | erase | relabel | audit
    payload: Any
    mentions: tuple[Mention, ...] = ()
    ack: Ack | None = None


class ChatRecords:
    """Writes the chat writer's batches and answers the senders after each commit."""

    def __init__(self, store: SqlStore, deliver: Callable[[frozenset[int], dict[str, Any]], None]):
        self.store = store
        self.deliver = deliver

    async def write(self, batch: list[Write]) -> None:
        """Write a batch in order: runs of messages, erases, moves and audit entries."""
        index = 0
        while index < len(batch):
            first = batch[index]
            end = index
            while (
                end < len(batch)
                and batch[end].kind == first.kind
                and batch[end].show_id == first.show_id
            ):
                end += 1
            run = [w.payload for w in batch[index:end]]
            if first.kind == "message":
                await self._messages(batch[index:end])
            elif first.kind == "erase":
                await self.store.erase_chat_messages(first.show_id, run)
            elif first.kind == "relabel":
                moves: list[Relabel] = run
                for move in moves:
                    await self.store.move_chat_message(first.show_id, move.id, move.lang)
            else:
                await self.store.add_audit(first.show_id, [_audit_row(a) for a in run])
            index = end

    async def _messages(self, run: list[Write]) -> None:
        messages: list[ChatMessage] = [w.payload for w in run]
        mentions = [m for w in run for m in w.mentions]
        acks = [w.ack for w in run]
        try:
            await self.store.add_chat_messages(messages, mentions)
        except BaseException:
            # Not stored now: no promise. The writer still tries again (readers saw the
            # message), but the sender is told it is not kept.
            self.answer(acks, stored=False)
            raise
        self.answer(acks, stored=True)

    def answer(self, acks: Iterable[Ack | None], *, stored: bool) -> None:
        """Release the acks of committed messages, or tell their senders that the store
        could not take them (`store_unavailable`); each sender hears once."""
        for ack in acks:
            if ack is None or ack.done:
                continue
            ack.done = True
            frame = ack.deliver.frame
            if not stored:
                frame = {
                    "type": "error",
                    "code": "store_unavailable",
                    "message": Text(
                        N_("Your message could not be saved just now; please send it again."),
                        {},
                    ),
                    "id": frame["id"],
                    **({"ref": frame["ref"]} if "ref" in frame else {}),
                }
            self.deliver(ack.deliver.to, frame)


class Sequences:
    """The chat ids of this process's rooms (alone, without a bus): reserved in the store
    in blocks, committed before any of them is handed out."""

    def __init__(self, store: SqlStore, metrics: Metrics | None = None) -> None:
        self.store = store
        self.metrics = metrics
        self.reserved: dict[str, int] = {}
        self._reserving: dict[str, asyncio.Task[None]] = {}
        # Shows whose last reservation failed, and those already warned of ids given
        # out past their mark: one warning per failure episode, not one per message.
        self.failing: set[str] = set()
        self._past: set[str] = set()

    async def open(self, room: Room) -> None:
        """Start the room above every id a process may have given out; after a crash,
        claim no recovery for a resume from before that (`recovered: false`)."""
        sequence = await self.store.chat_sequence(room.show_id)
        if not sequence.clean:
            room.forget_through(sequence.reserved)
        room.next_id = max(room.next_id, sequence.reserved + 1)
        try:
            top = await self.store.reserve_chat_ids(room.show_id, room.next_id - 1, ID_BLOCK)
        except Exception as error:  # read-only or failing: the room opens all the same
            # Readers may still join and read; nothing written can be stored (a chat gets
            # store_unavailable), and the next message tries to reserve again (`check`).
            self._failed(room.show_id, error)
            top = room.next_id - 1
        else:
            self._recovered(room.show_id, top)
        self.reserved[room.show_id] = top

    def check(self, room: Room) -> None:
        """Reserve the next block in the background when the room nears its mark."""
        top = self.reserved.get(room.show_id)
        if top is None or room.next_id + ID_LOW_WATER <= top or room.show_id in self._reserving:
            return
        if room.next_id > top + 1 and room.show_id not in self._past:
            self._past.add(room.show_id)
            log.warning(
                "show %s gives out ids past its reservation (%d > %d) until a block is "
                "reserved again",
                room.show_id,
                room.next_id - 1,
                top,
            )
        task = asyncio.create_task(self._reserve(room), name=f"ids-{room.show_id}")
        self._reserving[room.show_id] = task
        task.add_done_callback(lambda _: self._reserving.pop(room.show_id, None))

    async def _reserve(self, room: Room) -> None:
        try:
            top = await self.store.reserve_chat_ids(
                room.show_id, max(self.reserved[room.show_id], room.next_id - 1), ID_BLOCK
            )
        except Exception as error:  # the database is away: the next message tries again
            self._failed(room.show_id, error)
            return
        self.reserved[room.show_id] = top
        self._recovered(room.show_id, top)

    def _failed(self, show_id: str, error: Exception) -> None:
        """Count a failed reservation; warn at the first of a run of them only (each
        message tries again while the database refuses)."""
        if self.metrics is not None:
            self.metrics.id_reservation_failures.inc()
        if show_id in self.failing:
            return
        self.failing.add(show_id)
        log.warning(
            "could not reserve ids for show %s: %s; trying again with each message, "
            "counted in livecommerce_chat_id_reservation_failures_total",
            show_id,
            brief(error),
        )

    def _recovered(self, show_id: str, top: int) -> None:
        self._past.discard(show_id)
        if show_id in self.failing:
            self.failing.discard(show_id)
            log.warning("ids of show %s are reserved again (up to %d)", show_id, top)

    async def close(self, rooms: Iterable[Room]) -> None:
        """A clean stop (after the writer flushed): give back the unused ids; the next
        start vouches for everything up to the last id given out."""
        for task in list(self._reserving.values()):
            await asyncio.gather(task, return_exceptions=True)
        for room in rooms:
            if room.show_id in self.reserved:
                try:
                    await self.store.release_chat_ids(room.show_id, room.next_id - 1)
                except Exception as error:
                    log.warning("could not release ids of show %s: %s", room.show_id, error)


def _audit_row(audit: Audit) -> dict[str, Any]:
    return {
        "ts": audit.ts,
        "actor": audit.actor,
        "role": audit.role,
        "action": audit.action,
        "target_user": audit.user,
        "message_id": audit.message_id,
        "lang": audit.lang,
        "seconds": audit.seconds,
    }
