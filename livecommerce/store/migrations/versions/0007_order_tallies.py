"""order_tallies: the orders tallied per minute, for the reports (kept by add_orders)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from livecommerce.store import tallies
from livecommerce.store.schema import Micros, UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_tallies",
        sa.Column("show_ref", sa.String(100), primary_key=True),
        sa.Column("minute", UtcDateTime(), primary_key=True),
        sa.Column("sku", sa.String(64), primary_key=True),
        sa.Column("buyer_lang", sa.String(16), primary_key=True),
        sa.Column("buyer_country", sa.String(2), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("amount", Micros()),
        sa.Column("exponent", sa.Integer(), nullable=False),
        sa.Column("odd", sa.Integer(), nullable=False),
        sa.Column("first_ts", UtcDateTime(), nullable=False),
        sa.Column("last_ts", UtcDateTime(), nullable=False),
        sqlite_with_rowid=False,
    )
    tallies.backfill(op.get_bind())


def downgrade() -> None:
    op.drop_table("order_tallies")
