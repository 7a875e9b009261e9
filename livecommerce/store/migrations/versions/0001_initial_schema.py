"""initial schema

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

import livecommerce.store.schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_rates",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("base", sa.String(length=3), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", livecommerce.store.schema.Money(precision=20, scale=6), nullable=False),
        sa.PrimaryKeyConstraint("day", "base", "currency", name=op.f("pk_exchange_rates")),
    )
    op.create_table(
        "markets",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("zones", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("peak_hours", sa.JSON(), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_markets")),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("ts", livecommerce.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("qty", sa.Integer(), nullable=False),
        sa.Column(
            "unit_price", livecommerce.store.schema.Money(precision=20, scale=6), nullable=False
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("buyer_country", sa.String(length=2), nullable=False),
        sa.Column("buyer_lang", sa.String(length=16), nullable=False),
        sa.Column("show_ref", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orders_ts"), ["ts"], unique=False)

    op.create_table(
        "streamers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("base_currency", sa.String(length=3), nullable=False),
        sa.Column("available_hours", sa.JSON(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_streamers")),
    )
    op.create_table(
        "products",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("streamer_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["streamer_id"], ["streamers.id"], name=op.f("fk_products_streamer_id_streamers")
        ),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_products")),
    )
    op.create_table(
        "shows",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("streamer_id", sa.String(length=64), nullable=False),
        sa.Column(
            "starts_at", livecommerce.store.schema.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("ends_at", livecommerce.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("markets", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("fallback_moderators", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["streamer_id"], ["streamers.id"], name=op.f("fk_shows_streamer_id_streamers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shows")),
        sa.UniqueConstraint("code", name=op.f("uq_shows_code")),
    )
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shows_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "chat_messages",
        sa.Column("show_id", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ts", livecommerce.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("declared_lang", sa.String(length=16), nullable=True),
        sa.Column("user_id", sa.String(length=100), nullable=False),
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reply_to", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["show_id"],
            ["shows.id"],
            name=op.f("fk_chat_messages_show_id_shows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("show_id", "id", name=op.f("pk_chat_messages")),
    )
    op.create_table(
        "mentions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("show_id", sa.String(length=100), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("ts", livecommerce.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["show_id"], ["shows.id"], name=op.f("fk_mentions_show_id_shows"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentions")),
        sa.UniqueConstraint("show_id", "ts", "sku", "source", name="uq_mentions_event"),
    )
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentions_show_id"), ["show_id"], unique=False)

    op.create_table(
        "product_aliases",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["sku"],
            ["products.sku"],
            name=op.f("fk_product_aliases_sku_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sku", "lang", "alias", name=op.f("pk_product_aliases")),
    )
    op.create_table(
        "product_names",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["sku"],
            ["products.sku"],
            name=op.f("fk_product_names_sku_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sku", "lang", name=op.f("pk_product_names")),
    )
    op.create_table(
        "product_prices",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", livecommerce.store.schema.Money(precision=20, scale=6), nullable=False),
        sa.ForeignKeyConstraint(
            ["sku"],
            ["products.sku"],
            name=op.f("fk_product_prices_sku_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sku", "currency", name=op.f("pk_product_prices")),
    )


def downgrade() -> None:
    op.drop_table("product_prices")
    op.drop_table("product_names")
    op.drop_table("product_aliases")
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentions_show_id"))

    op.drop_table("mentions")
    op.drop_table("chat_messages")
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shows_starts_at"))

    op.drop_table("shows")
    op.drop_table("products")
    op.drop_table("streamers")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_ts"))

    op.drop_table("orders")
    op.drop_table("markets")
    op.drop_table("exchange_rates")
