"""The dashboard's backup tile: the age of the last good backup, red past twice the interval, and
the last failure with its reason."""
from __future__ import annotations

import re
from datetime import timedelta

from app.models import BackupOutcome, BackupRun
from app.web.dashboard import routes
from tests.conftest import login

M = timedelta(minutes=1)


def _tile(html: str) -> tuple[str, str, str]:
    """(the tile's state classes, the age it shows, its whole text)"""
    match = re.search(r'<div class="tile ([^"]*)" id="backup"[^>]*>(.*?)</div>', html, re.S)
    assert match, "no backup tile"
    age = re.search(r'id="backup-age">([^<]*)<', match.group(2)).group(1)
    return match.group(1).strip(), age, re.sub(r"\s+", " ", match.group(2))


def _run(db, started, outcome=BackupOutcome.OK, **kw):
    values = {"host": "worker-1", "path": "/media/usb/partdesk-20261123T084800Z.sqlite3", "size_bytes": 5 * 1048576,
              "sha256": "ab" * 32, "order_count": 1234} if outcome == BackupOutcome.OK else {"host": "worker-1"}
    db.session.add(BackupRun(started_at=started, finished_at=started + M / 2, outcome=outcome, **{**values, **kw}))
    db.session.commit()


def test_the_panel_shows_the_age_of_the_last_good_backup(app, client, db, make, now, monkeypatch):
    make.branch("OSL")
    make.staff(None, role="manager", login="boss")
    app.config["BACKUP_MINUTES"] = 10
    clock = {"now": now}
    monkeypatch.setattr(routes, "clock", lambda: clock["now"])
    login(client, "boss")

    state, age, text = _tile(client.get("/manager/panel").get_data(as_text=True))
    assert state == "bad" and age == "never" and "no backup has ever been taken" in text

    _run(db, now - 7 * M)
    state, age, text = _tile(client.get("/manager/panel").get_data(as_text=True))
    assert state == "" and age == "7 min"
    assert "09:53 CET, 1234 orders, 5.0 MB" in text  # 08:53 UTC, in the chain's one zone (Europe/Oslo)

    clock["now"] = now + 13 * M  # 20 minutes: twice the interval, not yet older
    assert _tile(client.get("/manager/panel").get_data(as_text=True))[:2] == ("", "20 min")
    clock["now"] = now + 14 * M
    state, age, text = _tile(client.get("/manager/").get_data(as_text=True))  # the page, as first drawn
    assert state == "bad" and age == "21 min" and "one is due every 10 min" in text

    clock["now"] = now + 2 * 60 * M
    _run(db, now + 119 * M, BackupOutcome.FAILED, error="No space left on device: '/media/usb/<b>x</b>'")
    state, age, text = _tile(client.get("/manager/panel").get_data(as_text=True))
    assert state == "bad" and age == "2 h 7 min"
    assert "The last backup (11:59 CET, worker-1) failed: No space left on device: '/media/usb/&lt;b&gt;x&lt;/b&gt;'" \
        in text.replace("&#39;", "'")

    _run(db, now + 119 * M + 30 * timedelta(seconds=1))  # a good one right after the failure
    state, age, text = _tile(client.get("/manager/panel").get_data(as_text=True))
    assert state == "" and age == "0 min" and "failed" not in text


def test_a_failure_after_a_recent_good_backup_warns_and_says_why(app, client, db, make, now,
                                                                   monkeypatch):
    make.staff(None, role="manager", login="boss")
    monkeypatch.setattr(routes, "clock", lambda: now)
    _run(db, now - 5 * M)
    _run(db, now - 1 * M, BackupOutcome.FAILED, error="pg_dump failed: connection refused")
    login(client, "boss")
    state, age, text = _tile(client.get("/manager/panel").get_data(as_text=True))
    assert state == "warn" and age == "5 min" and "failed: pg_dump failed: connection refused" in text
    data = client.get("/manager/stats.json").get_json()["backup"]
    assert data["age_minutes"] == 5 and data["stale"] is False and data["interval_minutes"] == 10
    assert data["last_good"]["orders"] == 1234 and data["last_good"]["file"].endswith(".sqlite3")
    assert data["last_failure"]["error"] == "pg_dump failed: connection refused"


def test_the_same_disk_warning_is_shown(app, client, db, make, now, monkeypatch):
    make.staff(None, role="manager", login="boss")
    monkeypatch.setattr(routes, "clock", lambda: now)
    _run(db, now - 2 * M, warning="The backup folder is on the same disk as the database")
    login(client, "boss")
    state, _age, text = _tile(client.get("/manager/panel").get_data(as_text=True))
    assert state == "" and "on the same disk as the database" in text
