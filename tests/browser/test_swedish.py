"""A Swedish branch's clerk, in real Chromium (issue 15): the queue, the phone form, the order page and the
review page speak Swedish, with times in Babel's Swedish format in Europe/Stockholm, labelled. Screenshots
under test-artifacts/."""
from __future__ import annotations

import re

import pytest

from app import times
from app.extensions import db
from tests.browser.conftest import console_problems, log_in, screenshot

pytestmark = pytest.mark.browser

# what each page must say in Swedish (from the catalogue, app/translations/sv), and the English it replaces
SWEDISH = {
    "/": ["Kö", "Ny telefonbeställning", "Logga ut", "Referens", "Verkstad", "Rader", "Bara brådskande"],
    "/orders/new": ["Ny telefonbeställning", "Verkstad", "Artikelnummer", "Beskrivning", "Antal", "Reg.nr"],
    "order": ["Verkstad", "Artikelnummer", "Beskrivning", "Ta ordern", "Reg.nr"],
    "review": ["Varför den behöver ses över", "Ordern så som den godkänns", "Spara och godkänn"],
}
ENGLISH = ["Log out", "New phone order", "Part number", "Description", "Why it needs a look", "Save & accept"]


@pytest.fixture
def gbg(make):
    branch = make.branch("GBG", name="Göteborg Hisingen", language="sv", timezone="Europe/Stockholm")
    make.staff(branch, login="sven", name="Sven")
    workshop = make.workshop(branch, name="Hisingens Bilverkstad AB", number="50001")
    order = make.order(branch, lines=(("0 986 494 123", "Bromsbelägg fram", 2),), workshop_id=workshop.id,
                       plate="ABC 123")
    doubtful = make.order(branch, lines=(("GDB1956", "bromsklossar", 1),), workshop_id=workshop.id,
                          review_reasons=["Low confidence (0.41) in the lines read; check them against the message."])
    db.session.commit()
    return order, doubtful


def test_a_swedish_clerk_works_in_swedish_with_stockholm_times(page, live_url, gbg):
    order, doubtful = gbg
    problems = console_problems(page)
    page.set_extra_http_headers({"Accept-Language": "en-GB,en;q=0.9"})  # the branch's language wins
    log_in(page, live_url, "sven")
    created = times.when(order.created_at, "Europe/Stockholm", "short", "sv")
    assert re.fullmatch(r"\d{1,2}/\d{1,2} \d{2}:\d{2} CES?T", created), created  # Babel's Swedish: 23/11 14:05
    pages = {"/": "/", "/orders/new": "/orders/new", "order": f"/orders/{order.reference}",
             "review": f"/orders/{doubtful.reference}/review"}
    for name, path in pages.items():
        page.goto(f"{live_url}{path}")
        assert page.locator("html").get_attribute("lang") == "sv", path
        text = page.locator("body").inner_text()
        for words in SWEDISH[name]:
            assert words in text, f"{path}: no {words!r}"
        assert not [words for words in ENGLISH if words in text], f"{path}: English left"
        screenshot(page, f"swedish-{name.strip('/').replace('/', '-') or 'queue'}")
    page.goto(f"{live_url}/orders/{order.reference}")
    assert created in page.locator("body").inner_text()  # the order's time, Swedish format, Stockholm, labelled
    assert not problems
