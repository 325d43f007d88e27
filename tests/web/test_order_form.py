"""The phone-order form: keyed in while the caller waits, errors beside the field, nothing lost."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.models import Order
from tests.browser.conftest import console_problems, log_in, wait_for_focus

from . import login, token

VALID_US_VIN = "1M8GDM9AXKP042788"


def _form(client, **overrides):
    data = {
        "csrf_token": token(client, "/orders/new"),
        "workshop": "", "workshop_id": "",
        "lines-0-part_number": "0 986 494 123", "lines-0-description": "Bremseklosser", "lines-0-quantity": "2",
        "fulfilment": "delivery", "plate": "", "vin": "", "customer_reference": "",
        "contact_name": "", "contact_phone": "", "notes": "",
    }
    data.update(overrides)
    return data


def _setup(make, **branch_kw):
    branch = make.branch("OSL", **branch_kw)
    staff = make.staff(branch, login="kari", name="Kari")
    workshop = make.workshop(branch, number="20001", name="Bilservice Nord AS", phones=["+47 22 33 44 55"])
    return branch, staff, workshop


def test_phone_order_keyed_through_the_form_appears_in_the_queue(client, make, db):
    branch, _, workshop = _setup(make)
    login(client, "kari")
    response = client.post("/orders/new", data=_form(
        client, workshop="20001", **{"lines-1-part_number": "OC 90", "lines-1-description": "Oljefilter",
                                     "lines-1-quantity": "1"},
        urgent="y", plate="EK 12345", vin=VALID_US_VIN, customer_reference="WO-77",
        contact_name="Ola", contact_phone="922 33 444", notes="Hentes kl 14"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/orders/OSL-000001/created")

    order = db.session.scalars(select(Order)).one()
    assert (order.workshop_id, order.channel, order.urgent, order.status) == (workshop.id, "phone", True, "new")
    assert order.contact_phone == "+4792233444"
    assert order.vin == VALID_US_VIN
    assert [(ln.part_number, ln.quantity) for ln in order.lines] == [("0 986 494 123", 2), ("OC 90", 1)]
    assert order.created_by.login == "kari"

    created = client.get("/orders/OSL-000001/created").get_data(as_text=True)
    assert 'class="big-reference" id="reference">OSL-000001<' in created
    assert "Oscar Sierra Lima, dash, 000 001" in created
    assert re.search(r'href="/orders/new" autofocus', created)

    queue = client.get("/").get_data(as_text=True)
    assert "OSL-000001" in queue and "Bilservice Nord AS" in queue


def test_workshop_picked_from_suggestions_by_id(client, make, db):
    _, _, workshop = _setup(make)
    login(client, "kari")
    response = client.post("/orders/new", data=_form(
        client, workshop="Bilservice Nord AS (20001)", workshop_id=str(workshop.id)))
    assert response.status_code == 302
    assert db.session.scalars(select(Order)).one().workshop_id == workshop.id


def test_invalid_post_returns_422_and_keeps_everything_typed(client, make, db):
    _setup(make)
    login(client, "kari")
    response = client.post("/orders/new", data=_form(
        client, workshop="20001", vin="1M8GDM9AXKP042789", contact_phone="not a phone",
        plate="EK 99999", notes="Ring før levering", customer_reference="PO-4711", contact_name="Per",
        **{"lines-1-part_number": "W 712/75", "lines-1-description": "Oljefilter Mann", "lines-1-quantity": "3"}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "check digit" in html
    assert "This is not a phone number." in html
    for typed in ("1M8GDM9AXKP042789", "not a phone", "EK 99999", "Ring før levering", "PO-4711",
                  'value="Per"', "0 986 494 123", "Bremseklosser", "W 712/75", "Oljefilter Mann", 'value="3"',
                  'value="20001"'):
        assert typed in html, typed
    assert db.session.scalars(select(Order)).first() is None


def test_vin_rules(client, make, db):
    _setup(make)
    login(client, "kari")
    html = client.post("/orders/new", data=_form(client, workshop="20001", vin="WVWZZZ1JZXW00000I")).get_data(as_text=True)
    assert "never contains I, O or Q" in html
    html = client.post("/orders/new", data=_form(client, workshop="20001", vin="WVWZZZ1JZXW0001")).get_data(as_text=True)
    assert "17 characters" in html
    # a European VIN has no check digit: position 9 is free
    response = client.post("/orders/new", data=_form(client, workshop="20001", vin="wvwzzz1jzxw000001"))
    assert response.status_code == 302
    assert db.session.scalars(select(Order)).one().vin == "WVWZZZ1JZXW000001"


def test_no_lines_is_refused(client, make, db):
    _setup(make)
    login(client, "kari")
    response = client.post("/orders/new", data=_form(
        client, workshop="20001", notes="bare et spørsmål",
        **{"lines-0-part_number": "", "lines-0-description": " ", "lines-0-quantity": "1"}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "at least one line" in html
    assert "bare et spørsmål" in html


def test_unknown_workshop_and_no_phone_are_refused(client, make):
    _setup(make)
    login(client, "kari")
    response = client.post("/orders/new", data=_form(client, workshop="99999"))
    assert response.status_code == 422
    assert "No workshop matches &#39;99999&#39;" in response.get_data(as_text=True)
    response = client.post("/orders/new", data=_form(client))
    assert response.status_code == 422
    assert "give a contact phone" in response.get_data(as_text=True)


def test_add_line_without_js_keeps_what_was_typed(client, make, db):
    _setup(make)
    login(client, "kari")
    response = client.post("/orders/new", data=_form(
        client, workshop="20001", plate="AB 12345", notes="first note", add_line="Add line"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="lines-1-part_number"' in html
    assert "0 986 494 123" in html and "Bremseklosser" in html and "AB 12345" in html and "first note" in html
    assert "field-errors" not in html  # adding a line is not a failed save
    assert db.session.scalars(select(Order)).first() is None


def test_remove_line_without_js(client, make):
    _setup(make)
    login(client, "kari")
    response = client.post("/orders/new", data=_form(
        client, workshop="20001", remove_line="0",
        **{"lines-1-part_number": "KEEP-ME", "lines-1-description": "kept", "lines-1-quantity": "4"}))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "KEEP-ME" in html and 'value="4"' in html
    assert "0 986 494 123" not in html
    assert 'name="lines-1-part_number"' not in html


def test_too_many_lines_are_refused_not_dropped(client, make, db):
    _setup(make)
    login(client, "kari")
    data = _form(client, workshop="20001", **{f"lines-{i}-part_number": f"P{i}" for i in range(1, 101)})
    response = client.post("/orders/new", data=data)
    assert response.status_code == 422
    assert "At most 100 lines" in response.get_data(as_text=True)
    assert db.session.scalars(select(Order)).first() is None

def test_phone_prefills_the_workshop(client, make):
    _, _, workshop = _setup(make)
    login(client, "kari")
    html = client.get("/orders/new?phone=%2B4722334455").get_data(as_text=True)
    assert 'value="Bilservice Nord AS (20001)"' in html
    assert f'name="workshop_id" type="hidden" value="{workshop.id}"' in html
    assert 'value="+4722334455"' in html
    html = client.get(f"/orders/new?workshop={workshop.id}").get_data(as_text=True)
    assert 'value="Bilservice Nord AS (20001)"' in html
    assert re.search(r'<input[^>]*autofocus[^>]*id="workshop"|<input[^>]*id="workshop"[^>]*autofocus', html)


def test_workshop_search_endpoint(client, make):
    _setup(make)
    make.workshop(number="30001", name="Other <b>Motor</b>")
    assert client.get("/workshops/search?q=nord").status_code == 302  # login required
    login(client, "kari")
    assert [w["number"] for w in client.get("/workshops/search?q=nord").get_json()] == ["20001"]
    assert [w["number"] for w in client.get("/workshops/search?q=2233").get_json()] == ["20001"]
    assert client.get("/workshops/search?q=motor").get_json()[0]["name"] == "Other <b>Motor</b>"
    assert client.get("/workshops/search?q=").get_json() == []


def test_branch_past_hourly_limit_holds_the_order_and_says_why(client, make, db):
    branch, _, _ = _setup(make, hourly_limit=1)
    make.order(branch)  # fills the hour
    login(client, "kari")
    response = client.post("/orders/new", data=_form(client, workshop="20001"))
    assert response.status_code == 302
    order = db.session.scalars(select(Order).where(Order.reference == "OSL-000002")).one()
    assert order.status == "held"
    html = client.get("/orders/OSL-000002/created").get_data(as_text=True)
    assert "Held: over capacity" in html
    assert "accepted 1 orders in the last hour, its limit is 1" in html
    assert "Estimate" in html


def test_staff_cannot_choose_another_branch_but_a_manager_can(client, make, db):
    _setup(make)
    other = make.branch("BRG")
    make.staff(role="manager", login="mona")
    login(client, "kari")
    html = client.get("/orders/new").get_data(as_text=True)
    assert 'id="branch_id"' not in html
    response = client.post("/orders/new", data=_form(client, workshop="20001", branch_id=str(other.id)))
    assert response.status_code == 422
    client.post("/logout", data={"csrf_token": token(client, "/")})

    login(client, "mona")
    assert 'id="branch_id"' in client.get("/orders/new").get_data(as_text=True)
    response = client.post("/orders/new", data=_form(client, workshop="20001", branch_id=str(other.id)))
    assert response.status_code == 302
    assert db.session.scalars(select(Order)).one().reference == "BRG-000001"


def test_typed_markup_is_shown_escaped(client, make):
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    make.workshop(branch, number="20001", name="<script>alert(1)</script> Motor")
    login(client, "kari")
    response = client.post("/orders/new", data=_form(client, workshop="20001", notes="<script>alert(2)</script>",
                                                     **{"lines-0-description": "<img src=x onerror=alert(3)>"}))
    assert response.status_code == 302, response.get_data(as_text=True)
    for path in ("/", "/orders/OSL-000001"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Motor" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in client.get("/orders/OSL-000001").get_data(as_text=True)


# --- in a real browser (headless Chromium): the suggestions and line buttons, under the real CSP ---

@pytest.mark.browser
def test_keyboard_only_phone_order_in_a_browser(browser, live_url, make, db):
    _, _, workshop = _setup(make)
    context = browser.new_context()
    page = context.new_page()
    problems = console_problems(page)
    log_in(page, live_url, "kari")
    page.goto(f"{live_url}/orders/new")
    wait_for_focus(page, "workshop")  # autofocus
    page.keyboard.type("nord")
    page.wait_for_selector("#workshop-suggestions li")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # picks, does not submit
    assert page.input_value("#workshop") == "Bilservice Nord AS (20001)"
    assert page.input_value("#workshop_id") == str(workshop.id)
    assert page.is_hidden("#workshop-suggestions")
    page.fill("#lines-0-part_number", "OC 90")
    page.click(".add-line")  # JS clones a row: no round trip, nothing lost
    assert page.evaluate("document.activeElement.name") == "lines-1-part_number"
    page.keyboard.type("W 712")
    page.click(".add-line")
    page.keyboard.type("TO-BE-REMOVED")
    page.click("tr.line-row:nth-child(3) .remove-line")
    assert page.locator("tr.line-row").count() == 2
    assert page.input_value("#lines-0-part_number") == "OC 90"
    page.press("#lines-1-part_number", "Enter")  # Enter in a field never saves: it moves on along the line
    assert page.evaluate("document.activeElement.name") == "lines-1-description"
    assert page.url.endswith("/orders/new")
    page.focus("#save")
    page.keyboard.press("Enter")  # Enter on the Save button saves
    page.wait_for_url("**/created")
    assert page.inner_text("#reference") == "OSL-000001"
    assert page.evaluate("document.activeElement.textContent") == "New order"
    context.close()
    assert problems == []  # no CSP violations or script errors
    db.session.rollback()  # end this session's read snapshot to see what the server thread wrote
    order = db.session.scalars(select(Order)).one()
    assert [ln.part_number for ln in order.lines] == ["OC 90", "W 712"]
    assert order.workshop_id == workshop.id
