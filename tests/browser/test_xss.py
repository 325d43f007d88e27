"""Hostile content from outside is shown as text on every page staff use; no script ever runs.

Each payload would set window.__pwned or change the title if it ran. The pages are loaded in a real
Chromium with the app's own Content-Security-Policy, and the payloads must appear as visible text.
"""
from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

SCRIPT = "<script>window.__pwned=1;document.title='pwned'</script>"
IMG = '<img src=x onerror="window.__pwned=2;document.title=\'pwned\'">'
SVG = "\"><svg onload=\"window.__pwned=3\">"


def hostile_email() -> bytes:
    html = f"<html><body><p>Trenger 2 stk bremseklosser 0 986 494 123 {IMG}</p>{SCRIPT}" \
           f"<a href=\"javascript:window.__pwned=4\">klikk</a></body></html>"
    return (
        f"From: \"{SVG}\" <post@bilverksted.example>\r\n"
        f"To: oslo@partdesk.example\r\n"
        f"Subject: Bestilling {SCRIPT}\r\n"
        "Message-ID: <xss-1@bilverksted.example>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
        "--b1\r\nContent-Type: multipart/alternative; boundary=\"b2\"\r\n\r\n"
        f"--b2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nTrenger 2 stk bremseklosser 0 986 494 123 {IMG}\r\n"
        f"--b2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--b2--\r\n"
        f"--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"{IMG}.pdf\"\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{base64.b64encode(b'%PDF-1.4 nothing').decode()}\r\n--b1--\r\n"
    ).encode()


@pytest.fixture
def hostile(app, db, make):
    from app.intake import pipeline, store
    from app.orders import service
    from app.orders.service import LineInput, OrderInput

    now = datetime.now(UTC)
    branch = make.branch("OSL", name=f"Oslo {SVG}")
    make.staff(branch, role="manager", login="boss", name=f"Boss {IMG}")
    workshop = make.workshop(branch, name=f"Bilverksted {SCRIPT}", emails=["post@bilverksted.example"])
    message_id, _ = store.store_raw(hostile_email(), channel="email", branch_id=branch.id, now=now)
    pipeline.process_one(message_id, now=now)
    web = service.create_order(branch.id, OrderInput(
        channel="web", workshop_id=workshop.id, notes=f"Ring meg {SCRIPT} {IMG}", contact_name=SVG,
        customer_reference=IMG, plate="EL 12345",
        lines=[LineInput(part_number=SVG[:60], description=f"Brems {SCRIPT}"[:300], quantity=1)],
        review_reasons=[f"Check this {IMG}"]), by=None, now=now)
    db.session.commit()
    from app.models import Order

    email_order = db.session.query(Order).filter(Order.inbound_message_id == message_id).one()
    return {"web": web.reference, "email": email_order.reference}


def assert_clean(page, where: str) -> None:
    # escaping is the first wall: no payload element may reach the DOM (the CSP is the second)
    assert page.locator("script:not([src])").count() == 0, f"an inline script element got into {where}"
    assert page.locator("[onerror], [onload], a[href^='javascript:']").count() == 0, f"an event handler got into {where}"
    assert page.evaluate("typeof window.__pwned") == "undefined", f"a payload ran on {where}"
    assert page.title() != "pwned", f"a payload changed the title on {where}"
    assert not [e for e in page.errors if "dialog" in e], page.errors


def test_payloads_are_inert_text_on_every_page(page, live_url, hostile):
    log_in(page, live_url, "boss")
    paths = {
        "queue": "/",
        "email order": f"/orders/{hostile['email']}",
        "email review": f"/orders/{hostile['email']}/review",
        "web order": f"/orders/{hostile['web']}",
        "web review": f"/orders/{hostile['web']}/review",
        "dashboard": "/manager/",
    }
    for name, path in paths.items():
        response = page.goto(live_url + path)
        assert response.status == 200, f"{name}: {response.status}"
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_timeout(150)
        assert_clean(page, name)
        screenshot(page, f"xss-{name.replace(' ', '-')}")
    # the payloads were shown, as text, where a person reads them
    page.goto(f"{live_url}/orders/{hostile['web']}")
    assert "<script>window.__pwned=1" in page.inner_text("body")
    page.goto(f"{live_url}/orders/{hostile['email']}")
    text = page.inner_text("body")
    assert "Bestilling <script>" in text or "<script>window.__pwned" in text
    assert_clean(page, "end")
