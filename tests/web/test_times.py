"""No time on any page or in any file is UTC unless it says so: every GET route of the app (from app.url_map)
is rendered for a branch in Europe/Oslo with a fixed clock, and every time it shows must be the Oslo time of
something stored, labelled CET; files write times with the +01:00 offset. Stored times stay UTC."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from app import times
from app.handback import export
from app.intake import pipeline, store
from app.models import (AuditEvent, BackupOutcome, BackupRun, Call, ExportBatch, InboundMessage, Mailbox, Order,
                        UTCDateTime)
from app.orders import service
from app.web import times as web_times
from app.web.dashboard import capacity_routes, handback_routes, routes as dashboard_routes
from app.web.screenpop import routes as screenpop_routes
from tests.conftest import login

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 CET
M = timedelta(minutes=1)

# routes that show no time of ours: the sender's attachment bytes as received, and the static files
NOT_PAGES = {"static", "queue.attachment", "inbox.attachment"}

ORDER_MAIL = b"""From: Ola <ola@verksted.example>
To: oslo@partdesk.example
Subject: Bestilling
Message-ID: <times-1@verksted.example>
Content-Type: text/plain; charset=utf-8

Hei, vi trenger 2 stk bremseklosser foran 0 986 494 123. Bilen er EL 12345.
""".replace(b"\n", b"\r\n")
QUESTION = (b"From: Per <per@bilverksted.example>\r\nTo: oslo@partdesk.example\r\nSubject: Pris?\r\n"
            b"Message-ID: <times-2@bilverksted.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            b"Hei, hva koster bremseskiver til en Golf 2015?\r\n")

CLOCK = re.compile(r"(?<![\d:.])(\d{2}:\d{2}(?::\d{2})?)(?![\d:])(?:\s+(CEST|CET|UTC|GMT|Z|[+-]\d{2}(?::?\d{2})?)\b)?")
ISO = re.compile(r"\b(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?")


class _Shown(HTMLParser):
    """The text a person reads: text nodes (not scripts or styles) and title attributes."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")
        self.parts.extend(value for name, value in attrs if name == "title" and value)

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def shown(html: str) -> str:
    parser = _Shown()
    parser.feed(html)
    return " | ".join(" ".join(p.split()) for p in parser.parts if p.strip())


@pytest.fixture
def desk(app, db, make, monkeypatch):
    """A branch in Europe/Oslo with something of every kind that carries a time, each at its own minute."""
    for module, name in ((dashboard_routes, "clock"), (capacity_routes, "_now"), (handback_routes, "_now"),
                         (screenpop_routes, "utcnow")):
        monkeypatch.setattr(module, name, lambda: NOW)
    osl = make.branch("OSL", name="Oslo Alnabru", timezone="Europe/Oslo", open_limit=4, backup_name="Delepartner")
    kari = make.staff(osl, login="kari", name="Kari")
    make.staff(osl, role="manager", login="boss", name="Boss")
    shop = make.workshop(osl, name="Bilverksted AS", emails=["per@bilverksted.example"])

    done = make.order(osl, now=NOW - 58 * M, workshop_id=shop.id)
    service.claim(done, kari, now=NOW - 57 * M)
    service.mark_ready(done, kari, now=NOW - 56 * M)
    service.mark_done(done, kari, now=NOW - 55 * M)
    claimed = make.order(osl, now=NOW - 54 * M, workshop_id=shop.id, urgent=True,
                         wanted_by=NOW + 293 * M, plate="AB12345")
    service.claim(claimed, kari, now=NOW - 52 * M)
    make.order(osl, now=NOW - 51 * M, review_reasons=["Quantity unclear."])

    message_id, _ = store.store_raw(ORDER_MAIL, channel="email", branch_id=osl.id, now=NOW - 50 * M)
    pipeline.process_one(message_id, now=NOW - 49 * M)
    question_id, _ = store.store_raw(QUESTION, channel="email", branch_id=osl.id, now=NOW - 48 * M)
    pipeline.process_one(question_id, now=NOW - 47 * M)
    handled_id, _ = store.store_raw(QUESTION.replace(b"times-2", b"times-3"), channel="email", branch_id=osl.id,
                                    now=NOW - 46 * M)
    pipeline.process_one(handled_id, now=NOW - 45 * M)
    db.session.get(InboundMessage, handled_id).reviewed_at = NOW - 44 * M

    make.order(osl, now=NOW - 43 * M)
    held = make.order(osl, now=NOW - 42 * M, channel="phone")  # past the open limit of 4: held, with an estimate
    assert held.status == "held" and held.estimate_at is not None

    db.session.add_all([
        AuditEvent(at=NOW - 39 * M, branch_id=osl.id, actor_label="Boss", action="limits", detail="open 4"),
        Mailbox(branch_id=osl.id, name="osl-orders", heartbeat_at=NOW - 43 * timedelta(seconds=1), messages_today=3),
        Mailbox(branch_id=osl.id, name="osl-old", heartbeat_at=NOW - 38 * M, last_error="LOGIN failed"),
        BackupRun(started_at=NOW - 37 * M, finished_at=NOW - 36 * M, outcome=BackupOutcome.OK, host="worker-1",
                  path="/media/usb/p.sqlite3", size_bytes=1048576, sha256="ab" * 32, order_count=6),
        BackupRun(started_at=NOW - 31 * M, finished_at=NOW - 30 * M, outcome=BackupOutcome.FAILED, host="worker-1",
                  error="No space left on device"),
        Call(call_sid="CA-times", branch_id=osl.id, workshop_id=shop.id, from_number="+4721000000",
             status="ringing", started_at=NOW - 3 * M),
    ])
    db.session.flush()
    export.create_batch(by=None, now=NOW - 29 * M)
    db.session.commit()
    return {"osl": osl, "message_id": message_id, "question_id": question_id, "handled_id": handled_id}


def _stored_moments(db) -> list[datetime]:
    """Every UTCDateTime value in the database, and the clock."""
    moments = [NOW]
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, UTCDateTime):
                moments += [v for v in db.session.scalars(select(column)) if v is not None]
    return moments


def _args(db, desk) -> dict[str, list]:
    references = list(db.session.scalars(select(Order.reference).order_by(Order.id)))
    review = list(db.session.scalars(select(Order.reference).where(Order.status == "needs_review")))
    batch = db.session.scalars(select(ExportBatch.id)).one()
    messages = list(db.session.scalars(select(InboundMessage.id)))
    return {"reference": references, "review_reference": review, "message_id": messages, "code": ["OSL"],
            "batch_id": [batch], "kind": ["csv", "jsonl"]}


def _urls(app, db, desk) -> list[str]:
    """One URL per GET route and set of ids, plus the chain-wide and per-branch scopes of the dashboard."""
    values = _args(db, desk)
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
                continue
            names = sorted(rule.arguments)
            missing = [n for n in names if n not in values]
            assert not missing, f"{rule.rule}: the test makes no {missing}; add ids for the new route"
            combos = [{}]
            for name in names:
                pool = values["review_reference"] if (name == "reference" and rule.endpoint == "queue.review") \
                    else values[name]
                combos = [{**c, name: v} for c in combos for v in pool]
            urls += [url_for(rule.endpoint, **c) for c in combos]
    urls += ["/manager/?branch=", "/manager/panel?branch=OSL", "/inbox?show=done", "/inbox?show=auto",
             "/?status=held", "/orders/new?workshop=1"]
    return urls


def _check_clocks(where: str, page_text: str, oslo: set[str]) -> int:
    """Every HH:MM[:SS] in the text is labelled CET and is the Oslo time of something stored."""
    found = 0
    for match in CLOCK.finditer(page_text):
        clock, label = match.group(1), match.group(2)
        context = page_text[max(0, match.start() - 60):match.end() + 20]
        assert label == "CET", f"{where}: {clock!r} is not labelled with the branch's zone: …{context}…"
        assert clock in oslo, f"{where}: {clock} CET is no stored time in Oslo: …{context}…"
        found += 1
    return found


def _check_isos(where: str, body: str, oslo_iso: set[str], *, offset: str | None) -> int:
    found = 0
    for day, clock, zone in ISO.findall(body):
        assert zone, f"{where}: {day} {clock} says no zone"
        if offset is not None:
            assert zone == offset and f"{day}T{clock}" in oslo_iso, f"{where}: {day}T{clock}{zone} is not Oslo time"
        found += 1
    return found


def test_every_page_shows_oslo_time_labelled(app, client, db, desk):
    moments = _stored_moments(db)
    oslo, utc, scene_oslo = set(), set(), set()
    for m in moments:
        local = m.astimezone(OSLO)
        shown_as = {local.strftime("%H:%M"), local.strftime("%H:%M:%S")}
        shown_as |= {(local - timedelta(hours=h)).strftime("%H:00") for h in range(25)}  # the chart's hours
        oslo |= shown_as
        if (m.minute or m.second) and abs(m - NOW) < timedelta(days=1):  # not the real clock's defaults
            utc |= {m.strftime("%H:%M"), m.strftime("%H:%M:%S")}
            scene_oslo |= shown_as
    oslo_iso = {m.astimezone(OSLO).strftime("%Y-%m-%dT%H:%M:%S") for m in moments}
    # The scene's own moments must read differently in UTC and in Oslo. Rows stamped by the real clock (the
    # login's) are left out of this: between 07:00 and 08:00 UTC their Oslo time falls on the scene's UTC minutes.
    assert not utc & scene_oslo, f"the scene's UTC and Oslo times must differ: {sorted(utc & scene_oslo)}"

    login(client, "boss")
    seen: dict[str, str] = {}
    counted = 0
    for url in _urls(app, db, desk):
        response = client.get(url)
        assert response.status_code in (200, 302), f"{url}: {response.status_code}"
        if response.status_code != 200:
            continue
        body = response.get_data(as_text=True)
        kind = response.mimetype
        if kind == "text/html":
            seen[url] = shown(body)
            counted += _check_clocks(url, seen[url], oslo)
        elif kind == "application/json":
            strings = re.findall(r'"((?:[^"\\]|\\.)*)"', json.dumps(response.get_json(), ensure_ascii=False))
            counted += _check_clocks(url, " | ".join(s for s in strings if not ISO.search(s)), oslo)
            _check_isos(url, body, oslo_iso, offset=None)  # machines: ISO 8601 with its offset
        elif kind in ("text/csv", "application/x-ndjson"):
            seen[url] = body
            _check_isos(url, body, oslo_iso, offset="+01:00")
            counted += _check_clocks(url, ISO.sub("", body), oslo)
        else:
            pytest.fail(f"{url}: {kind} is not checked")
    assert counted > 40

    # the pages the issue names show their times, in Oslo (stored in UTC at these minutes)
    def at(minutes_before: int, style="%H:%M") -> str:
        return (NOW - minutes_before * M).astimezone(OSLO).strftime(style) + " CET"

    assert at(48) in seen["/inbox"] and at(46) in seen["/inbox?show=done"]  # received
    assert at(44) in seen[f"/inbox/{desk['handled_id']}"]  # handled
    assert at(39, "%d/%m/%Y %H:%M") in seen["/manager/branches/OSL"]  # the audit log
    panel = seen["/manager/panel?branch=OSL"]
    assert at(37) in panel and at(31) in panel  # the backup tile: last good, last failure
    assert "alive, 09:59:17 CET" in panel and f"no heartbeat since {at(38, '%H:%M:%S')}" in panel  # mailboxes
    assert "Figures at 10:00:00 CET" in panel  # 09:00 UTC
    assert at(29, "%Y-%m-%d %H:%M:%S") in seen["/manager/export"]
    assert "Made 23/11/2026 10:00 CET" in seen["/manager/report"]
    held = db.session.scalars(select(Order).where(Order.status == "held")).one()
    assert times.when(held.estimate_at, "Europe/Oslo", locale="en") in seen["/"]
    assert at(42, "%d/%m %H:%M") in seen[f"/orders/{held.reference}"]
    wanted = db.session.scalars(select(Order).where(Order.wanted_by.is_not(None))).one()
    assert at(-293, "%d/%m %H:%M") in seen[f"/orders/{wanted.reference}"]
    batch = db.session.scalars(select(ExportBatch)).one()
    rows = list(csv.DictReader(io.StringIO(seen[f"/manager/export/{batch.id}.csv"].lstrip("\ufeff"))))
    assert rows[0]["created_at"] == "2026-11-23T09:02:00+01:00"  # stored 08:02 UTC


def test_stored_times_stay_utc(db, desk):
    raw = db.session.execute(text("SELECT created_at FROM \"order\" ORDER BY id LIMIT 1")).scalar_one()
    stored = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    assert stored.replace(tzinfo=None) == (NOW - 58 * M).replace(tzinfo=None)  # 08:02, the UTC wall time


def test_a_chain_wide_page_uses_the_viewers_zone(app, db, make):
    osl = make.branch("OSL", timezone="Europe/Oslo")
    make.branch("LON", timezone="Europe/London")
    with app.test_request_context():
        assert web_times.when(NOW, None, "time") == "09:00 UTC"  # two zones, a viewer of none: UTC, said
        assert web_times.when(NOW, osl.id, "time") == "10:00 CET"
        assert web_times.when(NOW, "Europe/London", "time") == "09:00 GMT"
        assert web_times.when(datetime(2026, 7, 1, 9, 0, tzinfo=UTC), osl, "time") == "11:00 CEST"
        assert web_times.when(NOW, "No/Such_Zone", "time") == "09:00 UTC"  # an unknown zone is UTC, and says it
        assert web_times.when(None, osl) == ""


def test_a_page_writes_times_in_its_locales_format_and_the_branchs_zone(app):
    """Babel's formats for the page's locale (English pages read at Nordic counters: day first, 24 hours)."""
    stockholm, at = "Europe/Stockholm", datetime(2026, 11, 23, 13, 5, 9, tzinfo=UTC)
    assert times.when(at, stockholm, "short", "sv") == "23/11 14:05 CET"
    assert times.when(at, stockholm, "long", "sv") == "2026-11-23 14:05 CET"
    assert times.when(at, stockholm, "seconds", "sv") == "14:05:09 CET"
    assert times.when(at, "Europe/Berlin", "short", "de") == "23.11. 14:05 CET"
    assert times.when(at, "Europe/Helsinki", "time", "fi") == "15.05 EET"
    assert times.when(at, "Europe/Oslo", "long", "en") == "23/11/2026 14:05 CET"
    assert times.when(at, "Europe/Oslo", "long") == "23.11.2026 14:05 CET"  # no locale: files and mail
