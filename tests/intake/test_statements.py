"""The processing path's statements: what a batch looks up once instead of once per message, and that
what it tells the workshops and stores is what the per-message look-ups gave."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event, select

from app.intake import ack, corrections, pipeline
from app.intake.store import store_raw
from app.models import InboundMessage, Order, OutboxMessage
from app.orders import unit_of_work
from tests.intake.mail import email

POSITION = re.compile(r"Du er nummer (\d+) i køen")


def _store(db, branch_id, raws, now):
    ids = [store_raw(raw, channel="email", branch_id=branch_id, now=now)[0] for raw in raws]
    db.session.commit()
    return ids


def test_a_batch_tells_each_workshop_the_queue_position_the_per_order_count_gives(db, make, now):
    branch = make.branch("OSL")
    senders = [f"post{i}@verksted{i}.test" for i in range(8)]
    for address in senders:
        make.workshop(branch, emails=[address])
    make.order(branch, now=now - timedelta(minutes=30))  # waiting already
    make.order(branch, now=now - timedelta(minutes=20), urgent=True)
    ids = _store(db, branch.id, [email(sender=f"Ola <{a}>", body=(
        f"Hei\n\nVi trenger {i + 1} stk bremseklosser 0 986 494 {100 + i}.\n\nMvh Ola")) for i, a in enumerate(senders)],
        now)
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert pipeline.process_pending(len(ids), now=now) == {"order": len(ids)}
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    told = []
    for message_id in ids:
        body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.idempotency_key == f"ack:{message_id}"))
        told.append(int(POSITION.search(body).group(1)))
    # what the count per order says, each order asked alone outside the batch's transaction
    expected = [ack.queue_position(db.session.get(Order, db.session.get(InboundMessage, i).order_id)) for i in ids]
    assert told == expected == [3, 4, 5, 6, 7, 8, 9, 10]
    # the look-ups that were made once per message are made once per batch
    def made(prefix: str, *parts: str) -> int:
        return sum(1 for statement in statements if statement.startswith(prefix) and all(p in statement for p in parts))
    # the queue position, counted once (was once per order)
    assert made("SELECT count(*) AS count_1 FROM \"order\"", "\"order\".id !=", "\"order\".urgent") == 1
    assert made("SELECT outbox_message.id, ") == 0 and made("SELECT outbox_message.idempotency_key") == 1
    assert made("SELECT DISTINCT \"order\".workshop_id, order_line.part_number_norm") == 1
    assert made("SELECT DISTINCT order_line.part_number_norm") == 0


def test_history_prefetched_for_a_batch_is_what_the_per_message_look_up_gives(db, make, now):
    branch = make.branch("OSL")
    workshop = make.workshop(branch, emails=["post@verksted.test"])
    order = make.order(branch, now=now - timedelta(days=3), workshop_id=workshop.id,
                       lines=(("0 986 494 123", "Bremseklosser", 2),))
    order.status = "done"
    db.session.commit()
    with unit_of_work.UnitOfWork() as uow:
        corrections.prefetch_confirmed({workshop.id: ["0 986 494 123", "HU 719/7 x"]})
        assert uow.confirmed[workshop.id][1] == {"0986494123"}
        assert corrections.confirmed_numbers(workshop.id, ["0 986 494 123", "HU 719/7 x"]) == ["0 986 494 123"]
        assert corrections.confirmed_numbers(workshop.id, ["0986494123"]) == ["0986494123"]
    # outside the batch the look-up is made, and agrees
    assert corrections.confirmed_numbers(workshop.id, ["0 986 494 123", "HU 719/7 x"]) == ["0 986 494 123"]


def test_a_batch_looks_the_acknowledgements_up_once_and_still_queues_each_once(db, make, now):
    branch = make.branch("OSL")
    make.workshop(branch, emails=["post@verksted.test"])
    [message_id] = _store(db, branch.id, [email()], now)
    with unit_of_work.UnitOfWork() as uow:
        ack.prefetch_acknowledged([message_id])
        assert uow.outbox_keys_absent == {f"ack:{message_id}"}
    assert pipeline.process_pending(5, now=now) == {"order": 1}
    assert db.session.scalars(select(OutboxMessage.idempotency_key)).all() == [f"ack:{message_id}"]
