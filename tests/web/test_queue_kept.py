"""The queue page's kept pieces (app.web.queue.kept): the table and the gauges are rendered once and kept,
and a write anywhere, by this process or another, or the clock moving past an age shows on the next page."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event

from app.models import Order
from app.models.changes import queue_version
from app.web.queue import kept, queries

from . import login, token

ROOT = Path(__file__).resolve().parents[2]


def _rows(html: str) -> dict[str, str]:
    """reference -> the text of its row."""
    found = {}
    for row in re.findall(r"<tr class=\"status-.*?</tr>", html, re.S):
        ref = re.search(r'class="ref">([A-Z]+-\d{6})<', row).group(1)
        found[ref] = " ".join(re.sub(r"<[^>]+>", " ", row).split())
    return found


class Statements:
    """The queue's row query, counted: it runs only when the table is rendered, not when it is kept."""

    def __init__(self, engine):
        self.engine, self.rendered = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, *_):
        if "LEFT OUTER JOIN workshop" in statement and "LIMIT" in statement:
            self.rendered += 1


def test_a_claim_through_the_app_shows_on_the_next_page_and_the_table_is_kept_until_then(client, db, make, now):
    branch = make.branch("OSL")
    make.staff(branch, login="kari", name="Kari")
    order = make.order(branch, now=datetime.now(UTC) - timedelta(minutes=3))
    login(client, "kari")
    with Statements(db.engine) as seen:
        first = client.get("/").get_data(as_text=True)
        again = client.get("/").get_data(as_text=True)
        assert seen.rendered == 1  # the second page used the kept table
        assert _rows(first) == _rows(again)
        assert "Kari" not in _rows(first)[order.reference] and "0 / 5" in first
        version = queue_version()
        posted = client.post(f"/orders/{order.reference}/do/claim",
                             data={"csrf_token": token(client, f"/orders/{order.reference}")})
        assert posted.status_code == 302
        assert queue_version() == version + 1  # the claim's own transaction raised it
        after = client.get("/").get_data(as_text=True)
        assert seen.rendered == 2
    row = _rows(after)[order.reference]
    assert "Kari" in row and "claimed" in row.lower()
    assert "1 / 5" in after  # my gauge, kept too, moved with the claim
    assert re.search(r"held 0", after)


def test_a_flushed_change_not_yet_committed_shows_in_the_same_transaction(client, db, make, now):
    """A test's factories and this process's own transactions flush without committing: the local count."""
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    order = make.order(branch, now=datetime.now(UTC))
    login(client, "kari")
    assert "urgent" not in _rows(client.get("/").get_data(as_text=True))[order.reference].lower()
    order.urgent = True
    db.session.flush()
    assert "URGENT" in _rows(client.get("/").get_data(as_text=True))[order.reference]


def test_the_committed_number_alone_makes_a_kept_table_stale(client, db, make, monkeypatch):
    """What another process sees: it knows nothing of this process's flushes, only the number."""
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    order = make.order(branch, now=datetime.now(UTC))
    login(client, "kari")
    monkeypatch.setattr(kept, "local_changes", lambda: 0)
    assert "URGENT" not in _rows(client.get("/").get_data(as_text=True))[order.reference]
    order.urgent = True
    db.session.commit()
    assert "URGENT" in _rows(client.get("/").get_data(as_text=True))[order.reference]


@pytest.mark.real_commits
def test_a_write_by_another_process_shows_on_the_next_page(app, client, db, make):
    branch = make.branch("OSL")
    make.staff(branch, login="kari", name="Kari")
    order = make.order(branch, now=datetime.now(UTC))
    reference = order.reference
    db.session.commit()
    login(client, "kari")
    assert "Per" not in _rows(client.get("/").get_data(as_text=True))[reference]
    db.session.remove()
    script = (
        "from datetime import UTC, datetime\n"
        "from app import create_app\n"
        "from app.extensions import db\n"
        "from app.models import Order, Staff\n"
        "from app.orders import service\n"
        "from app.orders.unit_of_work import run\n"
        "app = create_app({'TESTING': True, 'SECRET_KEY': 'x', 'SQLALCHEMY_DATABASE_URI': %r})\n"
        "with app.app_context():\n"
        "    def claim(uow):\n"
        "        order = db.session.query(Order).filter_by(reference=%r).one()\n"
        "        per = Staff(login='per', name='Per', role='staff', branch_id=order.branch_id, password_hash='x')\n"
        "        db.session.add(per)\n"
        "        db.session.flush()\n"
        "        service.claim(order, per, now=datetime.now(UTC))\n"
        "    run(claim)\n"
    ) % (app.config["SQLALCHEMY_DATABASE_URI"], reference)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr
    assert "Per" in _rows(client.get("/").get_data(as_text=True))[reference]


def test_each_viewer_gets_their_own_token_name_and_language_around_the_same_table(app, make):
    branch = make.branch("OSL")
    make.staff(branch, login="kari", name="Kari")
    make.staff(branch, login="ola", name="Ola", locale="nb")
    make.staff(branch, login="mona", name="Mona", role="manager")
    make.order(branch, now=datetime.now(UTC))
    pages = {}
    for name in ("kari", "ola", "mona", "kari"):
        client = app.test_client()
        login(client, name)
        pages.setdefault(name, []).append(client.get("/").get_data(as_text=True))
    kari, kari_again, ola, mona = pages["kari"][0], pages["kari"][1], pages["ola"][0], pages["mona"][0]
    tokens = [re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1) for html in (kari, kari_again, ola)]
    assert len(set(tokens)) == 3  # every session its own token, none kept with the table
    assert ">Kari ·" in kari and ">Ola ·" in ola and "Kari" not in ola
    assert "<th scope=\"col\">Reference</th>" in kari and "<th scope=\"col\">Reference</th>" not in ola
    assert '<span class="muted">OSL</span>' in mona and '<span class="muted">OSL</span>' not in kari  # a manager's rows


def _clock(monkeypatch, start: datetime):
    """The queue page's clock, held at `start` until a test moves its `at`."""
    class Clock(datetime):
        at = start

        @classmethod
        def now(cls, tz=None):
            return cls.at

    from app.web.queue import routes

    monkeypatch.setattr(routes, "datetime", Clock)
    return Clock


def test_an_age_moves_on_without_a_write(client, db, make, monkeypatch):
    branch = make.branch("OSL", age_amber_minutes=15, age_red_minutes=30)
    make.staff(branch, login="kari")
    start = datetime.now(UTC).replace(microsecond=0)
    order = make.order(branch, now=start - timedelta(minutes=14, seconds=59))
    login(client, "kari")

    Clock = _clock(monkeypatch, start)
    first = client.get("/").get_data(as_text=True)
    assert "14 min" in _rows(first)[order.reference] and "age-amber" not in first
    Clock.at = start + timedelta(seconds=1)
    later = client.get("/").get_data(as_text=True)
    assert "15 min" in _rows(later)[order.reference] and "age-amber" in later


def test_an_age_reads_the_same_until_the_moment_it_says_it_changes():
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    for seconds in (-90, -1, 0, 1, 59, 60, 61, 3599, 3600, 5000, 86399, 86400, 86401, 90061, 400000):
        since = now - timedelta(seconds=seconds)
        until = queries.age_changes(since, now)
        assert until > now
        assert queries.age(since, until - timedelta(microseconds=1)) == queries.age(since, now)
        assert queries.age(since, until) != queries.age(since, now) or seconds < 0


def test_the_gauges_last_hour_drops_when_an_order_leaves_it(client, db, make, monkeypatch):
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    start = datetime.now(UTC).replace(microsecond=0)
    make.order(branch, now=start - timedelta(minutes=59))
    login(client, "kari")

    Clock = _clock(monkeypatch, start)
    assert "last hour 1 /" in client.get("/").get_data(as_text=True)
    Clock.at = start + timedelta(minutes=1, seconds=1)
    assert "last hour 0 /" in client.get("/").get_data(as_text=True)
    assert db.session.query(Order).count() == 1


def test_the_kept_filter_shows_each_request_its_own_choice(client, make):
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    login(client, "kari")
    for status in ("all", "open", "done", "all"):
        path = f"/?status={status}&urgent=y" if status == "done" else f"/?status={status}"
        html = client.get(path).get_data(as_text=True)
        assert re.search(rf'<option selected value="{status}">', html), status
        assert ('<input checked id="urgent"' in html) == (status == "done")
