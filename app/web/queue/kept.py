"""Pieces of the queue page rendered or counted once and kept per web process until the queue changes.

Rendering the 50 rows was most of the queue page's time, and every clerk's page polls the same few
filters and the same branch's gauge. A kept piece is keyed by everything it is made of:

  * the queue's State: its change number (app.models.changes), raised in the transaction of every write
    to the orders, their lines, workshops, staff or branches, by any process on any host, and read here
    before anything the piece shows, in the page's own transaction, so a piece is never older than the
    number it is kept under; and this process's uncommitted flushes (local_changes);
  * for the table: the filter and page, the page's language, whether the viewer is a manager (branch
    codes and the assign links), the script root its links are made under; for a gauge, the branch or
    the staff member;
  * the clock: a piece is kept only until the first moment it would read differently with no write
    (an age or age colour of the table, an order leaving the gauge's last hour).

The filter's widgets are kept too, by the language, choices and values they show.

What is the viewer's own (the CSRF tokens, flashes, the name in the menu) is rendered around them at
every request, never kept.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import astuple, dataclass
from datetime import datetime
from typing import NamedTuple, TypeVar

from flask import current_app, render_template, request
from markupsafe import Markup

from app.extensions import db
from app.models import Branch, Staff
from app.models.changes import local_changes, queue_version
from app.orders import capacity
from app.web.i18n import current_locale
from app.web.queue import queries

KEPT = 512  # pieces per process (every filter, page, language and gauge seen lately)
T = TypeVar("T")


class State(NamedTuple):
    version: int  # the committed change number
    local: int  # this process's flushes to the queue's tables


def state() -> State:
    """Read first, before anything a kept piece shows (what is read after it is at least as new)."""
    version = queue_version(db.session)  # its autoflush counts in local_changes
    return State(version, local_changes())


@dataclass(frozen=True)
class Listing:
    table: Markup
    total: int
    page: int
    pages: int
    capped: bool


class Kept:
    """The newest KEPT pieces of one app in one process, each with the moment it goes stale (None: only
    a write makes it stale); safe to share between the process's threads."""

    def __init__(self, size: int = KEPT):
        self._size = size
        self._pieces: OrderedDict[tuple, tuple[object, datetime | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, now: datetime | None, make: Callable[[], tuple[T, datetime | None]]) -> T:
        with self._lock:
            found = self._pieces.get(key)
            if found is not None and (found[1] is None or now < found[1]):
                self._pieces.move_to_end(key)
                return found[0]
        value, until = make()  # outside the lock: another thread may make the same piece meanwhile
        with self._lock:
            self._pieces[key] = (value, until)
            self._pieces.move_to_end(key)
            while len(self._pieces) > self._size:
                self._pieces.popitem(last=False)
        return value


def _kept() -> Kept:
    return current_app.extensions.setdefault("partdesk_queue_kept", Kept())


def listing(at: State, f: queries.QueueFilter, *, manager: bool, now: datetime) -> Listing:
    """The queue page's table for filter `f` as rendered at `now`, or kept from a render that shows the same."""
    def make():
        page = queries.queue_page(f)
        table = render_template("queue/_rows.html", page=page, manager=manager,
                                age=lambda value: queries.age(value, now),
                                age_level=lambda order: queries.age_level(order, now))
        return (Listing(Markup(table), page.total, page.page, page.pages, page.capped),
                queries.shown_until(page.orders, now))

    key = ("table", *at, astuple(f), current_locale(), manager, request.script_root)
    return _kept().get(key, now, make)


FILTER_FIELDS = ("branch", "status", "channel", "urgent")


def filter_fields(form) -> dict[str, Markup]:
    """The queue filter's widgets (a QueueFilterForm, validated) as HTML, by field name: rendered once per
    language, branch choices and chosen values, which are all they show (nothing of the database, no token)."""
    key = ("filters", current_locale(), tuple((str(c.value), str(c.label)) for c in form.branch.choices),
           *(form[name].data for name in FILTER_FIELDS))
    return _kept().get(key, None, lambda: ({name: form[name]() for name in FILTER_FIELDS}, None))


def branch_gauge(at: State, branch: Branch, now: datetime) -> queries.BranchGauge:
    def make():
        opened, hourly, held, leaves = capacity.gauge_counts(branch.id, now, with_next_leaving=True)
        return (opened, hourly, held), leaves

    opened, hourly, held = _kept().get(("branch", *at, branch.id), now, make)
    return queries.BranchGauge(branch=branch, open=opened, hourly=hourly, held=held)


def staff_gauge(at: State, staff: Staff, now: datetime) -> queries.StaffGauge:
    held = _kept().get(("staff", *at, staff.id), now, lambda: (capacity.claimed_count(staff.id), None))
    return queries.StaffGauge(held=held, limit=staff.effective_hold_limit)
