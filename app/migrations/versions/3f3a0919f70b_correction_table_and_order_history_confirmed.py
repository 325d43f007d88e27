"""Corrections: a table of what staff changed in a parsed order beside what was read; order.history_confirmed
for the part numbers the workshop's accepted orders confirm

Revision ID: 3f3a0919f70b
Revises: bf016ea4b920
Create Date: 2026-12-01 19:50:25.299980

"""
from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = '3f3a0919f70b'
down_revision = 'bf016ea4b920'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inbound_message_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('at', app.models.types.UTCDateTime(), nullable=False),
    sa.Column('read', sa.JSON(), nullable=False),
    sa.Column('saved', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['inbound_message_id'], ['inbound_message.id'], name=op.f('fk_correction_inbound_message_id_inbound_message')),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_correction_order_id_order')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_correction_staff_id_staff')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_correction_workshop_id_workshop')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction'))
    )
    with op.batch_alter_table('correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_correction_inbound_message_id'), ['inbound_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correction_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correction_workshop_id'), ['workshop_id'], unique=False)

    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('history_confirmed', sa.JSON(), nullable=True))



def downgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_column('history_confirmed')

    with op.batch_alter_table('correction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_correction_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_correction_order_id'))
        batch_op.drop_index(batch_op.f('ix_correction_inbound_message_id'))

    op.drop_table('correction')
