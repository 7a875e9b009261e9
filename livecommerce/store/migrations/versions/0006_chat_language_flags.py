"""chat_messages: lang_unsure and script, what moderators see of a message's language

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chat_messages") as batch:
        batch.add_column(
            sa.Column("lang_unsure", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("script", sa.String(8), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("chat_messages") as batch:
        batch.drop_column("script")
        batch.drop_column("lang_unsure")
