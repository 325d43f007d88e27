"""Linked orders: an order made from a reply follows the order it answers, and follow-ups and
cancellations are filed on the order they name; the order's page lists them (real parser)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.intake.store import store_raw
from app.models import Mailbox, Order, OrderEvent, OutboxMessage
from app.orders import links
from tests.conftest import login
from tests.intake.mail import email
from tests.intake.test_pipeline import _now, run

ADDITION = "Hei\n\nVi trenger også 4 stk viskerblad 3 397 007 187 til AB12345.\n\nMvh Ola"


@pytest.fixture
def branch(make):
    return make.branch("OSL", name="Oslo sentrum")


@pytest.fixture
def workshop(make, branch):
    return make.workshop(branch, name="Ola Verksted AS", emails=["post@verksted.test"])


@pytest.fixture
def store(db, branch):
    box = Mailbox(branch_id=branch.id, name="osl", kind="drop", path="/nonexistent")
    db.session.add(box)
    db.session.commit()
    box_id, branch_id = box.id, branch.id
    return lambda raw: store_raw(raw, channel="email", branch_id=branch_id, mailbox_id=box_id, now=_now())[0]


def _first(db, store):
    _outcome, message = run(db, store(email()))
    return db.session.get(Order, message.order_id)


def test_an_order_made_from_a_reply_to_the_acknowledgement_follows_the_order(db, workshop, store):
    first = _first(db, store)
    ack = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "ack"))
    outcome, message = run(db, store(email(subject="Re: Bestilling mottatt", body=ADDITION,
                                           headers={"In-Reply-To": ack.headers["Message-ID"]})))
    assert outcome == "order"
    second = db.session.get(Order, message.order_id)
    assert second.id != first.id and second.follows_id == first.id
    event = db.session.scalar(select(OrderEvent).where(OrderEvent.order_id == second.id,
                                                       OrderEvent.action == "follows"))
    assert event.reason == f"Follows {first.reference}: a reply to its messages."
    found = links.for_order(first)
    assert found.followed_by == [second] and found.follows is None and found.messages == []
    assert links.for_order(second).follows == first


def test_an_addition_naming_the_order_follows_it(db, workshop, store):
    first = _first(db, store)
    outcome, message = run(db, store(email(subject=f"Tillegg til {first.reference}", body=ADDITION)))
    assert outcome == "order"
    second = db.session.get(Order, message.order_id)
    assert second.follows_id == first.id
    assert [e.reason for e in second.events if e.action == "follows"] == [
        f"Follows {first.reference}: the message names it."]


def test_a_new_order_naming_nothing_follows_nothing(db, workshop, store):
    _first(db, store)
    _outcome, message = run(db, store(email(subject="Ny bestilling", body=ADDITION)))
    assert db.session.get(Order, message.order_id).follows_id is None


def test_the_order_page_lists_what_is_linked(app, db, make, branch, workshop, store):
    first = _first(db, store)
    ack = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "ack"))
    _o, follow_up = run(db, store(email(subject="Re: Bestilling mottatt", body="Når kommer delene?\n\nMvh Ola",
                                        headers={"In-Reply-To": ack.headers["Message-ID"]})))
    _o, cancel = run(db, store(email(subject=f"Avbestilling {first.reference}",
                                     body=f"Vi må dessverre avbestille ordre {first.reference}.\n\nMvh Ola")))
    _o, made = run(db, store(email(subject=f"Tillegg til {first.reference}", body=ADDITION)))
    second = db.session.get(Order, made.order_id)
    assert [m.kind for m in links.for_order(first).messages] == ["follow_up", "cancellation"]

    make.staff(branch, login="kari")
    client = app.test_client()
    login(client, "kari")
    page = client.get(f"/orders/{first.reference}").get_data(as_text=True)
    linked = page.split('id="linked-title"', 1)[1].split("</section>", 1)[0]
    assert f'href="/orders/{second.reference}">{second.reference}</a>' in linked
    assert f'href="/inbox/{follow_up.id}">Re: Bestilling mottatt</a>' in linked
    assert f'href="/inbox/{cancel.id}">Avbestilling {first.reference}</a>' in linked
    assert "Follow-up" in linked and "Cancellation" in linked
    page = client.get(f"/orders/{second.reference}").get_data(as_text=True)
    assert (f'This order follows <a href="/orders/{first.reference}">{first.reference}</a>') in page


def test_a_linked_order_of_another_branch_is_named_but_not_opened(app, db, make, branch, workshop, store):
    first = _first(db, store)
    other = make.branch("BER", name="Bergen")
    later = make.order(other)
    links.follow(later, first, now=first.created_at, how="the message names it.")
    db.session.flush()
    make.staff(branch, login="kari")
    client = app.test_client()
    login(client, "kari")
    page = client.get(f"/orders/{first.reference}").get_data(as_text=True)
    assert f"{later.reference} (another branch)" in page and f'href="/orders/{later.reference}"' not in page
    assert "Bremseklosser" not in page.split('id="linked-title"', 1)[1].split("</section>", 1)[0]


def test_an_order_never_follows_itself_nor_twice(db, make, branch):
    a, b, c = make.order(branch), make.order(branch), make.order(branch)
    assert not links.follow(a, a, now=a.created_at, how="x")
    assert links.follow(b, a, now=a.created_at, how="x")
    assert not links.follow(b, c, now=a.created_at, how="x") and b.follows is a
