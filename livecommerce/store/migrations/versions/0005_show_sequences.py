"""show_sequences: the chat ids reserved per show, so that ids never repeat after a crash

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "show_sequences",
        sa.Column(
            "show_id",
            sa.String(100),
            sa.ForeignKey("shows.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("clean", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_table("show_sequences")
