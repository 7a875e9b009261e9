"""Shows made for a test from one the seeds hold."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from livecommerce.core.models import Show, ShowStatus


def finished_before(show: Show, count: int, prefix: str) -> list[Show]:
    """`count` finished copies of `show`, a day apart before it, newest first: ids
    `{prefix}-01`…, codes `OLD01`… (no orders of their own)."""
    return [
        replace(
            show,
            id=f"{prefix}-{n:02d}",
            code=f"OLD{n:02d}",
            starts_at=show.starts_at - timedelta(days=n),
            ends_at=show.ends_at - timedelta(days=n),
            status=ShowStatus.FINISHED,
        )
        for n in range(1, count + 1)
    ]
