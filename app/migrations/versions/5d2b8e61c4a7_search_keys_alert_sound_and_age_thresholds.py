"""Search keys on orders and workshops, a staff member's alert sound, a branch's age thresholds

order.plate_key, vin_key and phone_key and workshop.name_key (each indexed) hold what the queue's search
compares with (app.models.search_keys): plates and VINs without spaces, phones as E.164, names folded to
lower-case ASCII. Existing rows are filled here. staff.alert_sound (off) says whether the page sounds
when new orders arrive; branch.age_amber_minutes (15) and age_red_minutes (30) colour an order's age.

Revision ID: 5d2b8e61c4a7
Revises: 5e7d2a41c9b3
Create Date: 2026-12-02 06:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

from app.models import search_keys


# revision identifiers, used by Alembic.
revision = '5d2b8e61c4a7'
down_revision = '5e7d2a41c9b3'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade():
    with op.batch_alter_table('branch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('age_amber_minutes', sa.Integer(), nullable=False, server_default='15'))
        batch_op.add_column(sa.Column('age_red_minutes', sa.Integer(), nullable=False, server_default='30'))
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alert_sound', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=400), nullable=True))
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plate_key', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('vin_key', sa.String(length=17), nullable=True))
        batch_op.add_column(sa.Column('phone_key', sa.String(length=20), nullable=True))
    # the models say no server defaults; the values above were only to fill existing rows
    with op.batch_alter_table('branch', schema=None) as batch_op:
        batch_op.alter_column('age_amber_minutes', server_default=None)
        batch_op.alter_column('age_red_minutes', server_default=None)
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.alter_column('alert_sound', server_default=None)

    connection = op.get_bind()
    workshop = sa.table('workshop', sa.column('id', sa.Integer), sa.column('name', sa.String),
                        sa.column('name_key', sa.String))
    for row in connection.execute(sa.select(workshop.c.id, workshop.c.name)).all():
        connection.execute(workshop.update().where(workshop.c.id == row.id)
                           .values(name_key=search_keys.fold_name(row.name)))
    order = sa.table('order', sa.column('id', sa.Integer), sa.column('plate', sa.String), sa.column('vin', sa.String),
                     sa.column('contact_phone', sa.String), sa.column('plate_key', sa.String),
                     sa.column('vin_key', sa.String), sa.column('phone_key', sa.String))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(order.c.id, order.c.plate, order.c.vin, order.c.contact_phone)
            .where(order.c.id > last, sa.or_(order.c.plate.is_not(None), order.c.vin.is_not(None),
                                              order.c.contact_phone.is_not(None)))
            .order_by(order.c.id).limit(BATCH)).all()
        if not rows:
            break
        for row in rows:
            connection.execute(order.update().where(order.c.id == row.id).values(
                plate_key=(search_keys.compact(row.plate) or "")[:20] or None,
                vin_key=(search_keys.compact(row.vin) or "")[:17] or None,
                phone_key=search_keys.phone_key(row.contact_phone)))
        last = rows[-1].id

    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_name_key'), ['name_key'], unique=False)
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_plate_key'), ['plate_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_vin_key'), ['vin_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_phone_key'), ['phone_key'], unique=False)


def downgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_phone_key'))
        batch_op.drop_index(batch_op.f('ix_order_vin_key'))
        batch_op.drop_index(batch_op.f('ix_order_plate_key'))
        batch_op.drop_column('phone_key')
        batch_op.drop_column('vin_key')
        batch_op.drop_column('plate_key')
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_name_key'))
        batch_op.drop_column('name_key')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('alert_sound')
    with op.batch_alter_table('branch', schema=None) as batch_op:
        batch_op.drop_column('age_red_minutes')
        batch_op.drop_column('age_amber_minutes')
