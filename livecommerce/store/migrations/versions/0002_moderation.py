"""chat broadcast, moderation log, blocked terms

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import livecommerce.store.schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blocked_terms",
        sa.Column("lang", sa.String(length=16), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("lang", "term", name=op.f("pk_blocked_terms")),
    )
    op.create_table(
        "moderation_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("show_id", sa.String(length=100), nullable=False),
        sa.Column("ts", livecommerce.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("target_user", sa.String(length=100), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("lang", sa.String(length=16), nullable=True),
        sa.Column("seconds", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["show_id"],
            ["shows.id"],
            name=op.f("fk_moderation_log_show_id_shows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_log")),
    )
    with op.batch_alter_table("moderation_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_moderation_log_show_id"), ["show_id"], unique=False)

    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("broadcast", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("chat_messages", schema=None) as batch_op:
        batch_op.drop_column("broadcast")

    with op.batch_alter_table("moderation_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_log_show_id"))

    op.drop_table("moderation_log")
    op.drop_table("blocked_terms")
