"""Workshops can be provisional (created on the phone) with an org number; order events keep an edit's changes

A workshop a clerk creates while the caller waits is provisional until a manager confirms it or merges
it into an existing one; its optional organisation number is kept to help that choice. An order event
of an edit keeps each changed field's before and after as JSON.

Revision ID: 5e7d2a41c9b3
Revises: 5d2c8e7a41b6
Create Date: 2026-12-02 06:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e7d2a41c9b3'
down_revision = '5d2c8e7a41b6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provisional', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('org_number', sa.String(length=20), nullable=True))
    with op.batch_alter_table('order_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changes', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('order_event', schema=None) as batch_op:
        batch_op.drop_column('changes')
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_column('org_number')
        batch_op.drop_column('provisional')
