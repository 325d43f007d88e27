"""The screen pop: staff of the called branch see who is calling, with one click to the order form."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import render_template
from flask_login import login_user

from app.phone import routes as phone_routes
from app.web.screenpop import routes as screenpop
from tests.conftest import login
from tests.phone.conftest import BRANCH_NUMBER

CALLER = "+4790000001"


@pytest.fixture
def clock(monkeypatch, now):
    moment = {"now": now}
    monkeypatch.setattr(phone_routes, "utcnow", lambda: moment["now"])
    monkeypatch.setattr(screenpop, "utcnow", lambda: moment["now"])
    return moment


@pytest.fixture
def desk(twilio, phone_branch, make, client, clock):
    branch = phone_branch()
    workshop = make.workshop(branch, name="Bilverksted AS", number="10023", phones=[CALLER])
    make.staff(branch, login="kari")
    login(client, "kari")
    return branch, workshop


def ring(twilio, caller=CALLER, sid="CA1"):
    twilio.xml("/twilio/voice", {"CallSid": sid, "From": caller, "To": BRANCH_NUMBER})


def active(client):
    response = client.get("/calls/active")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return response.get_json()["calls"]


def test_login_is_required(client):
    assert client.get("/calls/active").status_code == 302


def test_a_known_workshop_calling_pops_up(twilio, desk, client):
    _, workshop = desk
    assert active(client) == []
    ring(twilio)
    [call] = active(client)
    assert call["text"] == "ringer nå: Bilverksted AS (kunde 10023)"  # kari's branch speaks Norwegian
    assert call["url"] == f"/orders/new?workshop={workshop.id}"


def test_a_clerk_who_chose_english_reads_the_pop_in_english(twilio, phone_branch, make, client, clock):
    branch = phone_branch()
    make.workshop(branch, name="Bilverksted AS", number="10023", phones=[CALLER])
    make.staff(branch, login="ann", locale="en")
    login(client, "ann")
    ring(twilio)
    ring(twilio, caller="+4790000009", sid="CA2")
    assert [c["text"] for c in active(client)] == ["calling now: +4790000009 (unknown number)",
                                                     "calling now: Bilverksted AS (customer 10023)"]


def test_an_unknown_number_links_to_a_form_for_that_number(twilio, desk, client):
    ring(twilio, caller="+4790000009")
    [call] = active(client)
    assert call["text"] == "ringer nå: +4790000009 (ukjent nummer)"
    assert call["url"] == "/orders/new?phone=%2B4790000009"


def test_the_pop_goes_when_the_call_ends(twilio, desk, client):
    ring(twilio)
    twilio.post("/twilio/voice/status", {"CallSid": "CA1", "CallStatus": "completed"})
    assert active(client) == []


def test_a_call_without_an_end_report_stops_showing_after_ten_minutes(twilio, desk, client, clock):
    ring(twilio)
    clock["now"] += timedelta(minutes=9)
    assert len(active(client)) == 1
    clock["now"] += timedelta(minutes=2)
    assert active(client) == []


def test_calls_that_went_to_the_menu_do_not_pop_up(twilio, desk, client, db):
    branch, _ = desk
    branch.open_limit = 0
    db.session.commit()
    ring(twilio)
    assert active(client) == []


def test_staff_of_another_branch_do_not_see_it(twilio, phone_branch, make, client, clock):
    phone_branch()
    other = make.branch("BGO", phone_number="+4755000000")
    make.staff(other, login="ola")
    login(client, "ola")
    ring(twilio)
    assert active(client) == []


def test_the_banner_partial_loads_the_script_and_no_inline_code(app, make):
    staff = make.staff(None, login="boss", role="manager")
    with app.test_request_context("/"):
        login_user(staff)
        html = render_template("phone/_screenpop.html")
    assert 'data-url="/calls/active"' in html
    assert '<script src="/static/screenpop.js" defer></script>' in html
    assert "style=" not in html and "onclick" not in html
