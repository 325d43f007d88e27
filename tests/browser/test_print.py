"""The pick list prints, in real Chromium: the order page's print is the pick list alone (PDF read back
with pypdf), its barcode is read by a barcode reader from what Chromium draws, and the batch page
prints one page per order I hold."""
from __future__ import annotations

import io
import unicodedata

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from app.extensions import db
from app.models.status import OrderStatus
from tests.browser.conftest import ARTIFACTS, console_problems, log_in, screenshot

pytestmark = pytest.mark.browser

LINES = (("0 986 494 123", "Bremseklosser foran", 2), ("3 397 007 187", "Viskerblad", 4))


def _pdf_pages(page) -> list[str]:
    data = page.pdf(format="A4", print_background=True)
    ARTIFACTS.mkdir(exist_ok=True)
    return [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages], data


def _flat(text: str) -> str:
    """The text as read, on one line, with the typesetter's ligatures ("ﬁ") undone."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture
def desk(make):
    branch = make.branch("OSL", name="Oslo Alnabru")
    kari = make.staff(branch, login="kari", name="Kari")
    workshop = make.workshop(branch, name="Ola Verksted AS", number="40001")
    first = make.order(branch, lines=LINES, workshop_id=workshop.id, plate="AB12345", fulfilment="pickup",
                       customer_reference="PO-778")
    second = make.order(branch, lines=(("W 712/75", "Oljefilter", 1),), workshop_id=workshop.id, plate="EL98765",
                        fulfilment="delivery", urgent=True)
    free = make.order(branch, lines=(("13.0460-7200.2", "Bremseskiver", 2),))
    for order in (first, second):
        order.status, order.holder_id = OrderStatus.CLAIMED, kari.id
    db.session.commit()
    return first, second, free


def test_the_order_page_prints_as_a_pick_list_with_a_barcode_that_scans(page, live_url, desk):
    first, _second, _free = desk
    problems = console_problems(page)
    log_in(page, live_url, "kari")
    page.goto(f"{live_url}/orders/{first.reference}")
    assert not page.locator(".print-area").is_visible()  # on screen: the order page as it was
    page.emulate_media(media="print")
    assert page.locator(".print-area .picklist").is_visible()
    for hidden in (".topbar", ".actions", ".order-head", ".two-col"):
        assert not page.locator(hidden).first.is_visible(), hidden
    screenshot(page, "print-order-picklist")

    pages, data = _pdf_pages(page)
    (ARTIFACTS / "print-order-picklist.pdf").write_bytes(data)
    assert len(pages) == 1
    text = _flat(pages[0])
    for expected in (first.reference, "Ola Verksted AS (40001)", "AB12345", "Pickup at the counter", "PO-778",
                     "0 986 494 123 Bremseklosser foran 2", "3 397 007 187 Viskerblad 4"):
        assert expected in text, (expected, text)
    for absent in ("Cancel order", "History", "Log out", "Mark ready", "Messages to the workshop"):
        assert absent not in text, absent

    page.set_viewport_size({"width": 1280, "height": 900})
    shot = page.locator(".print-area svg.barcode").screenshot(scale="device")
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
    assert [(r.format, r.text) for r in found] == [(zxingcpp.BarcodeFormat.Code128, first.reference)]
    assert problems == [] and page.errors == []


def test_the_batch_pick_list_prints_one_page_per_order_i_hold(page, live_url, desk):
    first, second, free = desk
    problems = console_problems(page)
    log_in(page, live_url, "kari")
    page.goto(f"{live_url}/picklist")
    assert page.get_by_role("button", name="Print 2 pick list(s)").is_visible()
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print 2 pick list(s)").is_visible()
    pages, data = _pdf_pages(page)
    (ARTIFACTS / "print-batch-picklist.pdf").write_bytes(data)
    assert len(pages) == 2
    assert second.reference in pages[0] and first.reference not in pages[0]  # urgent first
    assert first.reference in pages[1] and second.reference not in pages[1]
    assert all(t in _flat(pages[0]) for t in ("W 712/75 Oljefilter 1", "Fulfilment Delivery", "Plate EL98765"))
    assert "0 986 494 123 Bremseklosser foran 2" in _flat(pages[1])
    assert all(free.reference not in p and "Bremseskiver" not in p for p in pages)
    assert problems == [] and page.errors == []
