"""The fixtures do what tests/conftest.py says: a test's writes, committed by the code or only flushed by the
factories, stay in one outer transaction that is rolled back; a real_commits test commits for real."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.models import Branch, Order
from app.orders import service
from app.orders.service import LineInput, OrderInput
from app.orders.unit_of_work import run


def _seen_from_another_connection(db) -> tuple[int, int]:
    with db.engine.connect() as other:
        return (other.scalar(select(func.count()).select_from(Branch)),
                other.scalar(select(func.count()).select_from(Order)))


def _place_an_order(db, make) -> None:
    branch_id = make.branch("OSL").id
    run(lambda uow: service.create_order(branch_id, OrderInput(channel="web", lines=[LineInput("OC 90", "Filter", 1)]),
                                         by=None, now=datetime.now(UTC)))
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1  # this test sees its own writes


def test_a_test_s_commits_stay_inside_its_outer_transaction(db, make):
    _place_an_order(db, make)
    assert _seen_from_another_connection(db) == (0, 0)


@pytest.mark.real_commits
def test_a_real_commits_test_commits_for_real(db, make):
    _place_an_order(db, make)
    assert _seen_from_another_connection(db) == (1, 1)
