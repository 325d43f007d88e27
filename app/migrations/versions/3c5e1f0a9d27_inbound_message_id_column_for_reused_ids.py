"""Inbound messages: a message_id column (indexed), as dedup keys become content hashes

A Message-ID no longer identifies a message on its own (some senders reuse them), so the dedup key
becomes a hash of the content and the Message-ID gets a column of its own, used to match replies
and to note reuse. Messages stored before keep their 'mid:<Message-ID>' keys; their message_id is
filled in from them.

Revision ID: 3c5e1f0a9d27
Revises: c3a705c2cea6
Create Date: 2026-12-01 20:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c5e1f0a9d27'
down_revision = 'c3a705c2cea6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=300), nullable=True))
        batch_op.create_index(batch_op.f('ix_inbound_message_message_id'), ['message_id'], unique=False)
    op.execute("UPDATE inbound_message SET message_id = substr(dedup_key, 5) WHERE dedup_key LIKE 'mid:%'")


def downgrade():
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_message_message_id'))
        batch_op.drop_column('message_id')
