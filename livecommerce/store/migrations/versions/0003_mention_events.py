"""mentions keyed by their event: the chat message, else the moment

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event", sa.String(length=64), nullable=True))
    mentions = sa.table(
        "mentions",
        sa.column("id", sa.Integer),
        sa.column("message_id", sa.Integer),
        sa.column("event", sa.String),
    )
    # Existing rows: keyed by their message, else by their row (they were unique already).
    op.execute(
        mentions.update().values(
            event=sa.case(
                (
                    mentions.c.message_id.is_not(None),
                    sa.literal("m") + sa.cast(mentions.c.message_id, sa.String),
                ),
                else_=sa.literal("r") + sa.cast(mentions.c.id, sa.String),
            )
        )
    )
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.alter_column("event", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint("uq_mentions_event", type_="unique")
        batch_op.create_unique_constraint(
            "uq_mentions_event", ["show_id", "sku", "source", "event"]
        )


def downgrade() -> None:
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_mentions_event", type_="unique")
        batch_op.create_unique_constraint("uq_mentions_event", ["show_id", "ts", "sku", "source"])
        batch_op.drop_column("event")
