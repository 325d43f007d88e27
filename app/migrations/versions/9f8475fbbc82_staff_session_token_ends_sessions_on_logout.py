"""Staff session token: part of every session's id, renewed at logout, so a copied cookie stops working

Revision ID: 9f8475fbbc82
Revises: bf016ea4b920
Create Date: 2026-12-01 20:30:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9f8475fbbc82'
down_revision = 'bf016ea4b920'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=32), nullable=True))
    staff = sa.table('staff', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    connection = op.get_bind()
    for (staff_id,) in connection.execute(sa.select(staff.c.id)).all():  # each its own; everyone logs in anew
        connection.execute(staff.update().where(staff.c.id == staff_id).values(session_token=secrets.token_hex(16)))
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=32), nullable=False)


def downgrade():
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('session_token')
