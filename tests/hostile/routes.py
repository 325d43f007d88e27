"""Every route of the real app, with concrete URLs, and a snapshot of everything a request could change.

A new URL argument that this module cannot fill makes the route tests fail on purpose: add a value
here, so the new route is checked for CSRF, role and CSP like the others."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.web.queue.routes import ACTIONS

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Twilio's webhooks are CSRF-exempt on purpose and checked by signature instead (tests/phone, test_twilio here).
SIGNATURE_CHECKED = "/twilio/"

# A form body shaped like the real forms, so a route that skipped CSRF would have something to act on.
PLAUSIBLE_FORM = {
    "reason": "hostile", "locale": "sv", "hold_limit": "0", "staff_hold_limit": "0", "hourly_limit": "0", "open_limit": "0",
    "overflow_policy": "redirect", "paused": "1", "orders": "1", "kind": "workshops", "key": "0" * 64,
    "login": "mona", "password": "secret-pass-1", "next_url": "/", "branch_id": "1", "contact_name": "x",
    "lines-0-part_number": "123", "lines-0-description": "x", "lines-0-quantity": "1", "fulfilment": "pickup",
}


def argument_values(rule, fixtures: dict) -> list[dict]:
    """All the value sets to try for one rule; an action route gets one per action name."""
    options = {
        "reference": [fixtures["reference"]],
        "name": sorted(ACTIONS),
        "code": [fixtures["code"]],
        "staff_id": [fixtures["staff_id"]],
        "index": [0],
        "batch_id": [fixtures.get("batch_id", 1)],
        "kind": ["csv"],
        "filename": ["partdesk.css"],
        "message_id": [fixtures.get("message_id", 1)],
        "workshop_id": [fixtures.get("workshop_id", 1)],
    }
    missing = sorted(set(rule.arguments) - set(options))
    assert not missing, f"{rule.rule}: tests/hostile/routes.py has no value for {missing}; add one"
    sets: list[dict] = [{}]
    for arg in sorted(rule.arguments):
        sets = [{**s, arg: value} for s in sets for value in options[arg]]
    return sets


def urls(app: Flask, fixtures: dict, *, method: str, prefix: str = "") -> list[str]:
    found = []
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        for rule in app.url_map.iter_rules():
            if method not in rule.methods or not rule.rule.startswith(prefix):
                continue
            for values in argument_values(rule, fixtures):
                found.append(adapter.build(rule.endpoint, values, method=method))
    return sorted(set(found))


def write_rules(app: Flask) -> list:
    return [r for r in app.url_map.iter_rules() if r.methods & WRITE_METHODS]


def snapshot(app: Flask) -> dict:
    """Every row of every table, plus the files under the instance folder (uploads), as plain values."""
    db.session.expire_all()
    rows = {}
    for table in db.metadata.sorted_tables:
        rows[table.name] = [tuple(r) for r in db.session.execute(
            select(table).order_by(*table.primary_key.columns)).all()]
    db.session.commit()
    instance = Path(app.config["INSTANCE_DIR"])
    rows["files"] = sorted(str(p.relative_to(instance)) for p in instance.rglob("*")
                           if p.is_file() and not p.name.startswith("test.db"))
    return rows
