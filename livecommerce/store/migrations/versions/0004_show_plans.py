"""shows: featured products and moderators per language (from schedule files)

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("featured", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("moderators", sa.JSON(), server_default="{}", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.drop_column("moderators")
        batch_op.drop_column("featured")
