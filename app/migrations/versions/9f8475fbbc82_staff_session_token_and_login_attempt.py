"""Staff session token, and login_attempt in place of the per-account login lock

staff.session_token is part of every session's id and renewed at logout, so a copied cookie stops
working. login_attempt counts attempts per address and name, per name and per address;
staff.failed_logins and staff.locked_until, the lock anyone could set off, are dropped.

Revision ID: 9f8475fbbc82
Revises: 3c5e1f0a9d27
Create Date: 2026-12-01 20:30:00.000000

"""
import secrets

from alembic import op
import sqlalchemy as sa

import app.models.types


# revision identifiers, used by Alembic.
revision = '9f8475fbbc82'
down_revision = '3c5e1f0a9d27'
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
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')

    op.create_table('login_attempt',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('window_start', app.models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_attempt'))
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempt_window_start'), ['window_start'], unique=False)


def downgrade():
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempt_window_start'))
    op.drop_table('login_attempt')

    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', app.models.types.UTCDateTime(), nullable=True))
        batch_op.drop_column('session_token')
