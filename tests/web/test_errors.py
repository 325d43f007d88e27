"""The 403 page: says why, offers a way back, and shows nothing of what was refused."""
from __future__ import annotations

import re

from . import login


def _links(html: str) -> list[str]:
    section = html.split('class="card error-page"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<a class="button[^"]*" href="([^"]*)"', section)


def test_another_branchs_order_is_a_403_with_a_way_back_and_no_data(client, make):
    osl, ber = make.branch("OSL"), make.branch("BER")
    workshop = make.workshop(osl, name="Ola Verksted AS", number="40001")
    order = make.order(osl, lines=(("0 986 494 123", "Bremseklosser", 2),), workshop_id=workshop.id,
                       plate="AB12345", contact_phone="+4791234567")
    make.staff(ber, login="bo")
    login(client, "bo")
    response = client.get(f"/orders/{order.reference}")
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and response.mimetype == "text/html"
    assert "This order belongs to another branch." in html and "You may not open this page" in html
    assert _links(html) == ["/"]  # no referrer: back to the queue
    for secret in ("Ola Verksted", "40001", "AB12345", "0 986 494 123", "Bremseklosser", "91234567", "print-area"):
        assert secret not in html
    assert 'class="topbar"' in html  # the menu is there too


def test_the_way_back_is_the_page_i_came_from_on_this_site_only(client, make):
    osl, ber = make.branch("OSL"), make.branch("BER")
    order = make.order(osl)
    make.staff(ber, login="bo")
    login(client, "bo")
    url = f"/orders/{order.reference}"
    came_from = client.get(url, headers={"Referer": "http://localhost/?status=all&q=a%22b"}).get_data(as_text=True)
    assert _links(came_from) == ["/?status=all&amp;q=a%22b", "/"]
    for hostile in ("https://evil.example/phish", "http://localhost.evil.example/", "javascript:alert(1)",
                    "http://localhost//evil.example/", f"http://localhost{url}"):
        html = client.get(url, headers={"Referer": hostile}).get_data(as_text=True)
        assert _links(html) == ["/"], hostile


def test_a_staff_member_on_a_manager_page_gets_the_page_too(client, make):
    make.staff(make.branch("OSL"), login="kari")
    login(client, "kari")
    response = client.get("/manager/")
    assert response.status_code == 403 and "This page is for managers." in response.get_data(as_text=True)


def test_a_forged_twilio_webhook_keeps_the_plain_403(client, make):
    response = client.post("/twilio/voice", data={"From": "+4791234567"})
    assert response.status_code == 403 and "You may not open this page" not in response.get_data(as_text=True)
