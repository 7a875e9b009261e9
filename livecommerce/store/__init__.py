"""The store: SQLite by default, PostgreSQL at scale, one schema and one interface.

This package exports the interface, `SqlStore`; the wiring chooses the backend by the
database URL (`livecommerce.app.open_store`: `store.sqlite` or `store.postgres`).
"""

from __future__ import annotations

from livecommerce.store.sql import SqlStore

__all__ = ["SqlStore"]
