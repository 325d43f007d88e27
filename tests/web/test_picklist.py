"""Pick lists (one order's page printed, and the batch of the orders I hold), the barcode on them, and
the order page's actions: no "Claim" on a ready order."""
from __future__ import annotations

import re

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from app.extensions import db
from app.models.status import OrderStatus
from app.web import barcode

from . import login, token

LINES = (("0 986 494 123", "Bremseklosser foran", 2), ("3 397 007 187", "Viskerblad", 1))


def _svg_image(svg: str, scale: int = 3) -> Image.Image:
    """The SVG's bars drawn on white, `scale` pixels per module: what a scanner would see printed."""
    view = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    width, height = int(view.group(1)), int(view.group(2))
    image = Image.new("L", (width * scale, height * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, w in re.findall(r'<rect x="(\d+)" y="0" width="(\d+)" height="\d+"/>', svg.split('<g fill="#000">', 1)[1]):
        draw.rectangle([int(x) * scale, 0, (int(x) + int(w)) * scale - 1, height * scale], fill=0)
    return image


@pytest.mark.parametrize("text", ["OSL-000007", "BER-123456", "TRD-000001"])
def test_the_barcode_is_code128_a_reader_decodes_to_the_reference(text):
    found = zxingcpp.read_barcodes(_svg_image(str(barcode.svg(text))))
    assert [(r.format, r.text) for r in found] == [(zxingcpp.BarcodeFormat.Code128, text)]


def test_the_barcode_svg_needs_no_inline_style_and_refuses_what_code128_cannot_hold():
    svg = str(barcode.svg("OSL-000007"))
    assert "style=" not in svg and svg.startswith('<svg class="barcode"') and 'aria-label="Barcode OSL-000007"' in svg
    assert barcode.bars("0110111") == [(1, 2), (4, 3)]
    with pytest.raises(ValueError, match="cannot be written as Code 128"):
        barcode.modules("ØSL-1")


def test_the_order_page_holds_a_pick_list_for_print(client, make):
    branch = make.branch("OSL")
    workshop = make.workshop(branch, name="Ola Verksted AS", number="40001")
    make.staff(branch, login="kari")
    order = make.order(branch, lines=LINES, workshop_id=workshop.id, plate="AB12345", fulfilment="pickup")
    login(client, "kari")
    html = client.get(f"/orders/{order.reference}").get_data(as_text=True)
    assert "/static/picklist.css" in html and "/static/picklist.js" in html and "data-print" in html
    pick = html.split('<div class="print-area print-only">', 1)[1]
    assert f'<strong class="pl-reference">{order.reference}</strong>' in pick
    assert f'data-code="{order.reference}"' in pick
    assert "Ola Verksted AS (40001)" in pick and '<dd class="pl-plate">AB12345</dd>' in pick
    assert "Pickup at the counter" in pick
    assert re.findall(r'<td class="pl-part">([^<]*)</td><td>([^<]*)</td><td class="num">(\d+)</td>', pick) == [
        ("0 986 494 123", "Bremseklosser foran", "2"), ("3 397 007 187", "Viskerblad", "1")]


def test_the_batch_pick_list_has_exactly_the_orders_i_hold(app, client, make):
    branch = make.branch("OSL")
    kari = make.staff(branch, login="kari")
    ola = make.staff(branch, login="ola")
    mine = [make.order(branch, lines=LINES), make.order(branch, urgent=True)]
    others = make.order(branch)
    ready = make.order(branch)
    free = make.order(branch)
    for order, who, status in ((mine[0], kari, OrderStatus.CLAIMED), (mine[1], kari, OrderStatus.CLAIMED),
                               (others, ola, OrderStatus.CLAIMED), (ready, kari, OrderStatus.READY)):
        order.status, order.holder_id = status, who.id
    db.session.flush()
    login(client, "kari")
    html = client.get("/picklist").get_data(as_text=True)
    refs = re.findall(r'<strong class="pl-reference">([A-Z]+-\d+)</strong>', html)
    assert refs == [mine[1].reference, mine[0].reference]  # urgent first
    assert others.reference not in html and free.reference not in html and ready.reference not in html
    assert "Print 2 pick list(s)" in html
    other_client = app.test_client()
    login(other_client, "ola")
    assert re.findall(r'class="pl-reference">([A-Z]+-\d+)<', other_client.get("/picklist").get_data(as_text=True)) == [
        others.reference]


def test_the_batch_page_says_so_when_i_hold_nothing(client, make):
    make.staff(make.branch("OSL"), login="kari")
    login(client, "kari")
    html = client.get("/picklist").get_data(as_text=True)
    assert "You hold no orders." in html and "pl-reference" not in html


def _claim_buttons(html: str) -> list[str]:
    return re.findall(r'/do/(claim(?:_override)?)"', html)


def test_claim_is_offered_on_a_new_order_but_not_on_a_ready_one(app, client, make):
    branch = make.branch("OSL")
    make.staff(branch, login="kari")
    make.staff(branch, login="maria", role="manager")
    order = make.order(branch)
    login(client, "kari")
    assert _claim_buttons(client.get(f"/orders/{order.reference}").get_data(as_text=True)) == ["claim"]
    client.post(f"/orders/{order.reference}/do/claim", data={"csrf_token": token(client, f"/orders/{order.reference}")})
    client.post(f"/orders/{order.reference}/do/ready", data={"csrf_token": token(client, f"/orders/{order.reference}")})
    db.session.expire_all()
    assert order.status == OrderStatus.READY
    html = client.get(f"/orders/{order.reference}").get_data(as_text=True)
    assert _claim_buttons(html) == [] and "/do/done" in html
    manager = app.test_client()
    login(manager, "maria")
    html = manager.get(f"/orders/{order.reference}").get_data(as_text=True)
    assert _claim_buttons(html) == [] and "/do/done" in html
