"""Dashboard figures against orders whose numbers are known (times, statuses, channels)."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from app.models import Mailbox
from app.orders import service
from app.web.dashboard import queries
from tests.conftest import login

M = timedelta(minutes=1)


@pytest.fixture
def scene(db, make, now):
    """OSL: one done, one new urgent, one claimed, one needs review, one cancelled, one redirected;
    GOT: one new, one held."""
    osl = make.branch("OSL", timezone="Europe/Oslo")
    got = make.branch("GOT", timezone="Europe/Stockholm")
    kari = make.staff(osl, login="kari", name="Kari")
    make.staff(osl, role="manager", login="boss", name="Boss")
    make.staff(None, role="manager", login="chief", name="Chief")

    o1 = make.order(osl, now=now - 170 * M, channel="email")
    service.claim(o1, kari, now=now - 160 * M)
    service.mark_ready(o1, kari, now=now - 40 * M)
    service.mark_done(o1, kari, now=now - 30 * M)
    make.order(osl, now=now - 110 * M, channel="sms", urgent=True)
    o3 = make.order(osl, now=now - 90 * M, channel="phone")
    service.claim(o3, kari, now=now - 80 * M)
    make.order(osl, now=now - 10 * M, channel="web", review_reasons=["No part number"])
    o5 = make.order(osl, now=now - 5 * M, channel="email")
    service.cancel(o5, kari, now=now - 4 * M, reason="Duplicate")
    gone = make.order(osl, now=now - 50 * M, channel="voicemail")
    service.redirect(gone, None, now=now - 45 * M)
    make.order(got, now=now - 60 * M + 30 * timedelta(seconds=1), channel="email")
    got.paused = True
    db.session.commit()
    make.order(got, now=now - 20 * M, channel="email")  # paused: held
    # a long-gone order outside the 24 hours
    old = make.order(osl, now=now - timedelta(days=3), channel="email")
    service.claim(old, kari, now=now - timedelta(days=3))
    service.mark_ready(old, kari, now=now - timedelta(days=3))
    service.mark_done(old, kari, now=now - timedelta(days=3) + 20 * M)

    db.session.add_all([
        Mailbox(branch_id=osl.id, name="osl-orders", heartbeat_at=now - 30 * timedelta(seconds=1), messages_today=7),
        Mailbox(branch_id=osl.id, name="osl-old", heartbeat_at=now - 5 * M, last_error="LOGIN failed <b>bad</b>"),
    ])
    db.session.commit()
    return {"osl": osl, "got": got}


def test_branch_figures(scene, now):
    stats = queries.collect([scene["osl"]], now, scope="OSL")
    assert stats.backlog == {"new": 1, "needs_review": 1, "claimed": 1, "ready": 0, "held": 0}
    assert stats.open_total == 3
    assert stats.oldest_age_minutes == 110 and stats.oldest_reference == "OSL-000002"
    assert stats.urgent_waiting == 1
    assert stats.throughput_last_hour == 1
    # one done in the two-hour window: 0.5 an hour, measured, not the branch's assumed 20
    assert stats.throughput_per_hour == 0.5 and stats.throughput.done == 1 and not stats.throughput.assumed
    assert stats.clear_minutes == 360  # 3 open at 0.5 an hour
    assert stats.held == 0 and stats.redirected_24h == 1
    assert stats.intake_by_channel["email"][-1] == 1 and stats.intake_by_channel["web"][-1] == 1
    assert {c: sum(h) for c, h in stats.intake_by_channel.items()} == {
        "email": 2, "sms": 1, "phone": 1, "voicemail": 1, "web": 1}
    # backlog at the end of each hour, walked back from now: 3 now, 3 an hour ago, 1 two hours ago, 0 before
    assert [b.backlog for b in stats.chart[-4:]] == [0, 1, 3, 3]
    assert [b.intake for b in stats.chart[-4:]] == [0, 1, 2, 3]  # the redirected one came and went
    assert [b.done for b in stats.chart[-4:]] == [0, 0, 0, 1]
    loads = {s.login: (s.held, s.limit) for s in stats.staff}
    assert loads == {"kari": (1, 5), "boss": (0, 5)}
    boxes = {m.name: m for m in stats.mailboxes}
    assert not boxes["osl-orders"].stale and boxes["osl-orders"].messages_today == 7
    assert boxes["osl-old"].stale


def test_chain_figures(scene, now):
    stats = queries.collect([scene["osl"], scene["got"]], now)
    assert stats.backlog == {"new": 2, "needs_review": 1, "claimed": 1, "ready": 0, "held": 1}
    assert stats.open_total == 5
    assert stats.held == 1
    assert stats.urgent_waiting == 1
    assert stats.oldest_age_minutes == 110
    assert sum(stats.intake_by_channel["email"]) == 4
    assert stats.chart[-1].backlog == 5


def test_page_panel_and_json(client, scene, now, monkeypatch):
    from app.web.dashboard import routes

    monkeypatch.setattr(routes, "clock", lambda: now)
    login(client, "boss")
    page = client.get("/manager/?branch=OSL")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="open-total">3<' in html
    assert "LOGIN failed &lt;b&gt;bad&lt;/b&gt;" in html  # escaped
    assert "<svg" in html and "style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script under the CSP
    panel = client.get("/manager/panel?branch=OSL").get_data(as_text=True)
    assert panel.lstrip().startswith("{#") is False and 'id="panel"' in panel and "<html" not in panel
    data = json.loads(client.get("/manager/stats.json?branch=").get_data(as_text=True))
    assert data["open_total"] == 5 and data["backlog"]["held"] == 1 and data["scope"] == "chain"
    assert client.get("/manager/?branch=XXX").status_code == 404


def test_manager_without_branch_sees_the_chain(client, scene, now, monkeypatch):
    from app.web.dashboard import routes

    monkeypatch.setattr(routes, "clock", lambda: now)
    login(client, "chief")
    data = client.get("/manager/stats.json").get_json()
    assert data["scope"] == "chain" and data["open_total"] == 5


def test_staff_cannot_see_the_dashboard(client, scene):
    login(client, "kari")
    for path in ("/manager/", "/manager/panel", "/manager/stats.json", "/manager/branches/OSL", "/manager/export",
                 "/manager/import", "/manager/report"):
        assert client.get(path).status_code == 403, path


def test_chart_escapes_and_scales(scene, now):
    from app.web.dashboard import chart

    stats = queries.collect([scene["osl"]], now)
    drawing = chart.build(stats.chart, "Europe/Oslo")
    assert len(drawing.bars) == 24 and drawing.x_ticks[-1].label == "08:00 CET"  # 09:00 UTC = 10:00 Oslo, tick every 3 h
