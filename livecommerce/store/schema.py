"""The one schema, for SQLite and PostgreSQL alike (SQLAlchemy Core).

Alembic migrations in `migrations/` build exactly this; a test compares the two.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored in UTC, read back aware in UTC on every backend."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: times are stored in UTC")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """An exact decimal: NUMERIC on PostgreSQL, text on SQLite (which has no decimals)."""

    impl = sa.Numeric(20, 6)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(40))
        return dialect.type_descriptor(sa.Numeric(20, 6))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return str(value) if dialect.name == "sqlite" else Decimal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value).normalize() if dialect.name == "sqlite" else Decimal(value)


markets = sa.Table(
    "markets",
    metadata,
    sa.Column("code", sa.String(8), primary_key=True),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("zones", sa.JSON, nullable=False),
    sa.Column("languages", sa.JSON, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("weight", sa.Float, nullable=False),
    sa.Column("peak_hours", sa.JSON, nullable=False),
    sa.Column("names", sa.JSON, nullable=False),
)

streamers = sa.Table(
    "streamers",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("zone", sa.String(64), nullable=False),
    sa.Column("languages", sa.JSON, nullable=False),
    sa.Column("base_currency", sa.String(3), nullable=False),
    sa.Column("available_hours", sa.JSON, nullable=False),
    sa.Column("categories", sa.JSON, nullable=False),
    sa.Column("names", sa.JSON, nullable=False),
)

products = sa.Table(
    "products",
    metadata,
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("streamer_id", sa.String(64), sa.ForeignKey("streamers.id"), nullable=False),
)

product_names = sa.Table(
    "product_names",
    metadata,
    sa.Column(
        "sku", sa.String(64), sa.ForeignKey("products.sku", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("lang", sa.String(16), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
)

product_aliases = sa.Table(
    "product_aliases",
    metadata,
    sa.Column(
        "sku", sa.String(64), sa.ForeignKey("products.sku", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("lang", sa.String(16), primary_key=True),
    sa.Column("alias", sa.String(200), primary_key=True),
)

product_prices = sa.Table(
    "product_prices",
    metadata,
    sa.Column(
        "sku", sa.String(64), sa.ForeignKey("products.sku", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("currency", sa.String(3), primary_key=True),
    sa.Column("amount", Money, nullable=False),
)

shows = sa.Table(
    "shows",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("streamer_id", sa.String(64), sa.ForeignKey("streamers.id"), nullable=False),
    sa.Column("starts_at", UtcDateTime, nullable=False, index=True),
    sa.Column("ends_at", UtcDateTime, nullable=False),
    sa.Column("markets", sa.JSON, nullable=False),
    sa.Column("languages", sa.JSON, nullable=False),
    sa.Column("fallback_moderators", sa.JSON, nullable=False),
    sa.Column("featured", sa.JSON, nullable=False, server_default="[]"),
    sa.Column("moderators", sa.JSON, nullable=False, server_default="{}"),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("titles", sa.JSON, nullable=False),
)

chat_messages = sa.Table(
    "chat_messages",
    metadata,
    sa.Column(
        "show_id", sa.String(100), sa.ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("ts", UtcDateTime, nullable=False),
    sa.Column("lang", sa.String(16), nullable=False),
    sa.Column("declared_lang", sa.String(16)),
    sa.Column("user_id", sa.String(100), nullable=False),
    sa.Column("user_name", sa.String(100), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("reply_to", sa.Integer),
    sa.Column("broadcast", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("lang_unsure", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("script", sa.String(8), nullable=False, server_default=""),
)

# The chat ids a show may have given out: every id handed out is at most `reserved`
# (reserved in blocks, committed before use); `clean` when the last process stopped
# cleanly and gave out exactly up to `reserved`, all of it stored.
show_sequences = sa.Table(
    "show_sequences",
    metadata,
    sa.Column(
        "show_id", sa.String(100), sa.ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("reserved", sa.Integer, nullable=False),
    sa.Column("clean", sa.Boolean, nullable=False, server_default=sa.false()),
)

moderation_log = sa.Table(
    "moderation_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "show_id",
        sa.String(100),
        sa.ForeignKey("shows.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("ts", UtcDateTime, nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("target_user", sa.String(100)),
    sa.Column("message_id", sa.Integer),
    sa.Column("lang", sa.String(16)),
    sa.Column("seconds", sa.Integer),
)

blocked_terms = sa.Table(
    "blocked_terms",
    metadata,
    sa.Column("lang", sa.String(16), primary_key=True),
    sa.Column("term", sa.String(200), primary_key=True),
)

mentions = sa.Table(
    "mentions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "show_id",
        sa.String(100),
        sa.ForeignKey("shows.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("lang", sa.String(16), nullable=False),
    sa.Column("ts", UtcDateTime, nullable=False),
    sa.Column("message_id", sa.Integer),
    # What makes a mention one event: its chat message, else its moment (see sql.py).
    sa.Column("event", sa.String(64), nullable=False),
    sa.UniqueConstraint("show_id", "sku", "source", "event", name="uq_mentions_event"),
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("ts", UtcDateTime, nullable=False, index=True),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("qty", sa.Integer, nullable=False),
    sa.Column("unit_price", Money, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("buyer_country", sa.String(2), nullable=False),
    sa.Column("buyer_lang", sa.String(16), nullable=False),
    sa.Column("show_ref", sa.String(100)),
)

exchange_rates = sa.Table(
    "exchange_rates",
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("base", sa.String(3), primary_key=True),
    sa.Column("currency", sa.String(3), primary_key=True),
    sa.Column("rate", Money, nullable=False),
)
