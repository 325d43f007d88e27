"""staff.locale: the language a staff member chose for their pages (None: their branch's)

Revision ID: 7c41e0a9b2d3
Revises: 5d2b8e61c4a7
"""
import sqlalchemy as sa
from alembic import op

revision = "7c41e0a9b2d3"
down_revision = "5d2b8e61c4a7"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff") as batch:
        batch.add_column(sa.Column("locale", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("staff") as batch:
        batch.drop_column("locale")
