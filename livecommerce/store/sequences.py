"""The chat ids reserved per show (`show_sequences`): what makes ids never repeat.

A room gives out ids only from a block committed here first (`reserve`), so after a
crash the next process starts above every id the dead one may have handed out. A clean
stop gives back what it did not use (`release`) and marks the row `clean`: every id up
to `reserved` that was handed out as a chat message is stored. After a crash the row is
not clean, and the room cannot vouch for the ids between what the store has and
`reserved` (a resume from before them answers `recovered: false`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from livecommerce.store import schema as t


@dataclass(frozen=True, slots=True)
class Sequence:
    """A show's reserved high-water mark, and whether the last process stopped cleanly."""

    reserved: int = 0
    clean: bool = True  # a show that never reserved anything has nothing to vouch for


async def read(conn: AsyncConnection, show_id: str) -> Sequence:
    c = t.show_sequences.c
    found = (await conn.execute(sa.select(c.reserved, c.clean).where(c.show_id == show_id))).first()
    if found is None:
        return Sequence()
    return Sequence(int(found.reserved), bool(found.clean))


async def set_row(conn: AsyncConnection, show_id: str, reserved: int, clean: bool) -> None:
    c = t.show_sequences.c
    updated = await conn.execute(
        t.show_sequences.update().where(c.show_id == show_id).values(reserved=reserved, clean=clean)
    )
    if updated.rowcount == 0:
        await conn.execute(
            t.show_sequences.insert().values(show_id=show_id, reserved=reserved, clean=clean)
        )


async def reserve(conn: AsyncConnection, show_id: str, above: int, count: int) -> int:
    """Advance the show's mark to at least `above` + `count`; the new mark."""
    current = await read(conn, show_id)
    top = max(current.reserved, above) + count
    await set_row(conn, show_id, top, clean=False)
    return top


async def cover(conn: AsyncConnection, show_id: str, last: int) -> None:
    """Make sure the mark is at least `last`: ids written are always reserved. Stored
    ids leave nothing to vouch for, so whether the row is clean does not change (a
    show's first stored messages, e.g. seeds, make a clean row)."""
    c = t.show_sequences.c
    updated = await conn.execute(
        t.show_sequences.update()
        .where(c.show_id == show_id, c.reserved < last)
        .values(reserved=last)
    )
    if updated.rowcount == 0 and (await read(conn, show_id)) == Sequence():
        await conn.execute(
            t.show_sequences.insert().values(show_id=show_id, reserved=last, clean=True)
        )
