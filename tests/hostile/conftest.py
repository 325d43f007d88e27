"""Hostile-input fixtures: a branch with a drop mailbox, stored-then-processed messages, a manager and a staff user."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.intake import pipeline
from app.intake.store import store_raw
from app.models import InboundMessage, Mailbox

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def branch(make):
    return make.branch("OSL", name="Oslo sentrum")


@pytest.fixture
def intake(db, branch):
    """intake(raw) -> (InboundMessage, outcome): stored through store_raw, processed with process_one."""
    box = Mailbox(branch_id=branch.id, name="osl-drop", kind="drop", path="/nonexistent")
    db.session.add(box)
    db.session.commit()
    box_id, branch_id = box.id, branch.id

    def run(raw: bytes, **store_kw):
        message_id, created = store_raw(raw, channel="email", branch_id=branch_id, mailbox_id=box_id, now=NOW,
                                        **store_kw)
        outcome = pipeline.process_one(message_id, now=NOW)
        db.session.expire_all()
        message = db.session.get(InboundMessage, message_id)
        return message, outcome, created

    return run


@pytest.fixture
def manager(make, branch):
    return make.staff(branch, role="manager", login="mona")


@pytest.fixture
def staff(make, branch):
    return make.staff(branch, role="staff", login="kari")
