"""OrderStatus: one closed set, its words for people, and no bare status strings left in the code."""
import re
from pathlib import Path

from sqlalchemy import select

from app.models import Order, OrderEvent
from app.models import status
from app.orders import lifecycle, service
from app.models.status import OrderStatus

ROOT = Path(__file__).resolve().parents[2]
WORDS = "|".join(s.value for s in OrderStatus)
Q = rf"""["']({WORDS})["']"""
# an order's status compared or assigned as a quoted word (order.status == "held", to="new", status="new"),
# or two statuses side by side in a collection ("new", "held"); the outbox's own "held" is another set
BARE = re.compile(rf"""\b(order|o|Order)\.status\s*(==|!=|=)\s*{Q}|\b(to|status)\s*=\s*{Q}"""
                  rf"""|can_move\([^,]+,\s*{Q}|{Q}\s*,\s*{Q}""")


def test_every_status_has_a_label_and_a_place_in_the_state_machine():
    assert set(status.LABELS) == set(OrderStatus)
    assert set(lifecycle.MOVES) == set(OrderStatus)
    assert all(target in OrderStatus for targets in lifecycle.MOVES.values() for target in targets)
    assert OrderStatus.HELD.label == "held (over capacity)"
    assert status.label("needs_review") == "needs review"
    assert status.label("lost") == "lost"  # a value no one knows is shown, not an error on the page
    assert max(len(s) for s in OrderStatus) <= Order.__table__.c.status.type.length


def test_the_groups_are_made_of_the_statuses():
    assert set(status.OPEN) == set(OrderStatus) - {OrderStatus.DONE, OrderStatus.CANCELLED, OrderStatus.REDIRECTED}
    assert set(status.WAITING) | set(status.HELD_BY_SOMEONE) == set(status.OPEN)
    assert set(status.ADMITTED_OPEN) == set(status.OPEN) - {OrderStatus.HELD}


def test_the_partial_queue_indexes_of_the_first_migration_cover_the_open_statuses():
    """The column keeps its values: the migration's literal list is the enum's open statuses."""
    migration = next((ROOT / "app/migrations/versions").glob("bf016ea4b920_*.py")).read_text()
    listed = re.findall(r"status IN \(([^)]*)\)", migration)
    assert listed and {tuple(re.findall(r"'(\w+)'", each)) for each in listed} == {tuple(status.OPEN)}


def test_a_stored_status_reads_back_equal_to_its_member(db, make, now):
    branch = make.branch()
    kari = make.staff(branch)
    order = make.order(branch, now=now)
    service.claim(order, kari, now=now)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalar(select(Order.status).where(Order.id == order.id))
    assert stored == OrderStatus.CLAIMED and type(stored) is str  # the column holds plain text
    assert db.session.scalar(select(Order.id).where(Order.status == OrderStatus.CLAIMED)) == order.id
    assert db.session.scalar(select(Order.id).where(Order.status.in_(status.OPEN))) == order.id
    events = db.session.scalars(select(OrderEvent.to_status).where(OrderEvent.order_id == order.id)
                                .order_by(OrderEvent.id)).all()
    assert events == ["new", "claimed"]


def _bare_statuses(paths) -> list[str]:
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if BARE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_the_pattern_finds_a_bare_status():
    assert BARE.search('if order.status == "held":')
    assert BARE.search("{% if can_move(order, 'claimed') %}")
    assert BARE.search('lifecycle.move(order, to="done", by=None, now=now)')
    assert BARE.search('Order.status.in_(("new", "needs_review"))')
    assert BARE.search('ACKED = {"sms": {"new", "held"}}')
    assert not BARE.search("if order.status == OrderStatus.HELD:")
    assert not BARE.search('OutboxMessage.status == "held"')  # the outbox's statuses are not an order's


def test_no_code_or_template_compares_a_status_with_a_bare_string():
    code = [p for p in (ROOT / "app").rglob("*.py") if "migrations" not in p.parts and p.name != "status.py"]
    assert _bare_statuses(code) == []
    assert _bare_statuses((ROOT / "templates").rglob("*.html")) == []
