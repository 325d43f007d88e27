"""Orders: follows_id, the earlier order one made from a reply follows; staff: the export format chosen

Revision ID: 5d2c8e7a41b6
Revises: 9f8475fbbc82
Create Date: 2026-12-02 06:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2c8e7a41b6'
down_revision = '9f8475fbbc82'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follows_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_order_follows_id'), ['follows_id'], unique=False)
        batch_op.create_foreign_key('fk_order_follows_id_order', 'order', ['follows_id'], ['id'])
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('export_format', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('export_format')
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_constraint('fk_order_follows_id_order', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_order_follows_id'))
        batch_op.drop_column('follows_id')
