"""A NUL character (U+0000) in anything a request carries: PostgreSQL refuses it in a text value, SQLite stores
it. On both, a path part with one is a 404, a query string a 422, and a form field a 422 with an error that
names the field while the page keeps what was typed. Mail with NULs is still stored (the raw is bytes) and shown.
Every route of the app is swept: a new route or form is covered without a new test."""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from markupsafe import escape

from app.models import Order
from tests.conftest import csrf_token, login
from tests.hostile.routes import PLAUSIBLE_FORM, SIGNATURE_CHECKED, snapshot, urls
from tests.hostile.test_fuzz_mail import NUL_MAIL

NUL = "\x00"


@pytest.fixture
def fixtures(make, branch, manager, staff):
    order = make.order(branch, review_reasons=["Check it."])  # so the review form takes it too
    return {"reference": order.reference, "code": branch.code, "staff_id": staff.id}


def test_an_order_reference_with_a_nul_is_a_404(client, fixtures):
    login(client, "kari")
    assert client.get("/orders/OSL-0%0000001").status_code == 404
    assert client.get("/orders/OSL-000001").status_code == 200


def test_a_workshop_search_with_a_nul_is_a_422(client, make, branch, staff):
    make.workshop(branch, name="Abel Bil AS")
    login(client, "kari")
    response = client.get("/workshops/search?q=a%00b")
    assert response.status_code == 422 and "NUL" in response.get_data(as_text=True)
    assert client.get("/workshops/search?q=abel").get_json()[0]["name"] == "Abel Bil AS"


PHONE_FORM = {"workshop": "", "workshop_id": "", "lines-0-part_number": "0 986 494 123",
              "lines-0-description": "Bremseklosser", "lines-0-quantity": "2", "fulfilment": "delivery",
              "plate": "AB12345", "vin": "", "customer_reference": "PO-1", "contact_name": "Ola",
              "contact_phone": "+47 22 33 44 55", "notes": "Ring før levering"}
LABELS = {"workshop": "Workshop", "lines-0-part_number": "Part number", "lines-0-description": "Description",
          "lines-0-quantity": "Qty", "plate": "Plate", "vin": "VIN", "customer_reference": "Workshop's reference",
          "contact_name": "Contact name", "contact_phone": "Contact phone", "notes": "Notes",
          "workshop_id": "Workshop", "fulfilment": "Fulfilment"}


@pytest.mark.parametrize("field", sorted(LABELS))
def test_a_nul_in_any_field_of_the_phone_form_is_an_error_there_and_keeps_what_was_typed(db, client, branch,
                                                                                          staff, field):
    login(client, "kari")
    typed = {**PHONE_FORM, field: (PHONE_FORM[field] or "x") + NUL + "y"}
    response = client.post("/orders/new", data={**typed, "csrf_token": csrf_token(client, "/orders/new")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:500]
    assert str(escape(f"{LABELS[field]}: remove the invisible NUL character")) in html
    for name in ("Bremseklosser", "AB12345", "PO-1", "Ring før levering"):
        if name not in typed[field]:
            assert name in html  # the other fields are kept
    assert db.session.query(Order).count() == 0


def test_a_cancel_reason_with_a_nul_is_an_error_beside_it_and_the_reason_stays(db, client, fixtures):
    login(client, "kari")
    reference = fixtures["reference"]
    response = client.post(f"/orders/{reference}/cancel", data={
        "reason": "Kunden\x00 fant delen", "csrf_token": csrf_token(client, f"/orders/{reference}")})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Reason: remove the invisible NUL character" in html
    assert 'value="Kunden\x00 fant delen"' in html
    db.session.expire_all()
    assert db.session.query(Order).one().status == "needs_review"


def test_a_login_with_a_nul_is_a_form_error_not_a_failed_login(client, staff):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"login": "kari\x00", "password": "secret-pass-1", "csrf_token": token})
    assert response.status_code == 422 and "Login: remove the invisible NUL character" in response.get_data(as_text=True)


def test_an_uploaded_csv_with_nuls_is_refused_with_the_reason(db, client, manager):
    import io

    from app.models import Workshop

    login(client, "mona")
    data = {"kind": "workshops", "csrf_token": csrf_token(client, "/manager/import"),
            "file": (io.BytesIO(b"customer_number;name\n2\x0001;Bil\x00 AS\n"), "workshops.csv")}
    response = client.post("/manager/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 400  # as every refused upload
    assert "This file has NUL characters" in response.get_data(as_text=True)
    assert db.session.query(Workshop).count() == 0
    utf16 = "customer_number;name\n201;Bil AS\n".encode("utf-16")  # "Unicode text" from a spreadsheet: NULs
    data = {"kind": "workshops", "csrf_token": csrf_token(client, "/manager/import"),
            "file": (io.BytesIO(utf16), "workshops.csv")}
    response = client.post("/manager/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and "This file is UTF-16" in response.get_data(as_text=True)


def test_mail_with_nuls_is_stored_and_shown(db, client, make, branch, staff, intake):
    make.workshop(branch, emails=["post@verksted.test"])
    message, outcome, _created = intake(NUL_MAIL)
    assert bytes(message.raw) == NUL_MAIL and outcome == "order"
    order = db.session.query(Order).filter_by(inbound_message_id=message.id).one()
    login(client, "kari")
    page = client.get(f"/orders/{order.reference}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Vi trenger 2 stk bremseklosser 0 986 494 123\ufffd til AB12345" in html  # the NUL shown as �
    assert NUL not in html and "liste\ufffd.csv" in html
    assert client.get(f"/orders/{order.reference}/attachments/0").status_code == 200


# --- the sweep: every route, as a manager (who may see every page) ---

def _with_nul(rule_url: str, value: str) -> str:
    return rule_url.replace(quote(value, safe=""), quote(value[:2] + NUL + value[2:], safe=""), 1)


def test_every_path_part_with_a_nul_is_a_404(app, client, fixtures):
    login(client, "mona")
    values = [fixtures["reference"], fixtures["code"]]
    checked = 0
    for url in urls(app, fixtures, method="GET"):
        for value in values:
            if value in url:
                bad = _with_nul(url, value)
                assert client.get(bad).status_code == 404, bad
                checked += 1
    assert checked >= 8


def test_every_query_string_with_a_nul_is_a_422(app, client, fixtures):
    login(client, "mona")
    gets = [u for u in urls(app, fixtures, method="GET") if not u.startswith("/static/")]
    assert len(gets) >= 15
    for url in gets:
        for query in ("q=a%00b", "next=/%00", "a%00=1", "branch=OSL%00", "phone=22%00", "show=open%00"):
            response = client.get(f"{url}{'&' if '?' in url else '?'}{query}")
            assert response.status_code == 422, f"GET {url}?{query}: {response.status_code}"


def test_every_form_with_a_nul_in_every_field_changes_nothing_and_answers_4xx(app, client, fixtures):
    login(client, "mona")
    token = csrf_token(client, "/")
    # buttons whose form is the CSRF token alone (or a checkbox: the alert sound) would act (they have no field a NUL
    # could be in), and the
    # login form sends a logged-in manager on (test_a_login_with_a_nul_is_a_form_error_not_a_failed_login)
    acts = re.compile(r"/logout$|/login$|/export$|/do/|/inbox/|/me/alert-sound$")
    posts = [u for u in urls(app, fixtures, method="POST") if not u.startswith(SIGNATURE_CHECKED) and not acts.search(u)]
    assert len(posts) >= 9
    plausible = {**PLAUSIBLE_FORM, f"s{fixtures['staff_id']}-hold_limit": "3"}  # the staff limit form's prefix
    hostile = {k: v[:1] + NUL + v[1:] for k, v in plausible.items()}
    before = snapshot(app)
    for url in posts:
        response = client.post(url, data={**hostile, "csrf_token": token})
        if response.status_code == 302:  # a small inline form says what was wrong on the page it returns to
            assert 'class="flash error"' in client.get(response.headers["Location"]).get_data(as_text=True), url
        else:
            assert 400 <= response.status_code < 500, f"POST {url}: {response.status_code}"
    assert snapshot(app) == before
