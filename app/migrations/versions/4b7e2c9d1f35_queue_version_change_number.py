"""queue_version: one row whose number goes up with every write to the tables the queue page shows, so
web processes may keep the page's rendered rows until it moves

Revision ID: 4b7e2c9d1f35
Revises: 7c41e0a9b2d3
"""
import sqlalchemy as sa
from alembic import op

revision = "4b7e2c9d1f35"
down_revision = "7c41e0a9b2d3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "queue_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_version")),
    )


def downgrade():
    op.drop_table("queue_version")
