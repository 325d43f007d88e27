"""After logging in (?next=) and after an order action (next_url), a person is only ever sent to a path on
this site, however the target is written. The known open-redirect tricks are tried, and where a browser
would go for the Location header is worked out by the WHATWG URL standard that browsers implement."""
from __future__ import annotations

import re

import pytest
from ada_url import URL

from tests.conftest import csrf_token

EVIL = "evil.example"

# As the app receives them (the query string is percent-decoded once by then)
PAYLOADS = [
    f"//{EVIL}", f"///{EVIL}", f"////{EVIL}/", f"https://{EVIL}", f"http://{EVIL}/", f"HtTpS://{EVIL}",
    f"https:{EVIL}", f"https:/{EVIL}", f"http:/\\{EVIL}", f"https:\\\\{EVIL}",
    f"/\t/{EVIL}", f"/\n/{EVIL}", f"/\r\n/{EVIL}", f"\t//{EVIL}", f" //{EVIL}", f"\x0b//{EVIL}", f"\x1f//{EVIL}",
    f"/\\{EVIL}", f"\\\\{EVIL}", f"\\/{EVIL}", f"/\\/{EVIL}", f"//\\/\\{EVIL}", f"\\\\/\\\\/{EVIL}",
    f"/.//{EVIL}", f"/./\\{EVIL}", f"/x/..//{EVIL}", f"/%2e//{EVIL}", f"/\t.//{EVIL}",
    f"//{EVIL}@localhost", f"//localhost@{EVIL}", f"http://localhost@{EVIL}", f"//{EVIL}%2f..", f"//evil%E3%80%82example",
    "//evil。example", f"/%2F%2F{EVIL}", f"%2F%2F{EVIL}", f"/%5C{EVIL}", f"/%09/{EVIL}",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "\tjavascript:alert(1)", "data:text/html,<script>alert(1)</script>",
]


def stays_here(location: str, here: str = "http://localhost") -> bool:
    """Where a browser goes for this Location header, by the WHATWG URL standard it implements."""
    return URL(location, here + "/login").origin == URL(here).origin


def _login(client, query: dict):
    token = csrf_token(client, "/login")
    return client.post("/login", query_string=query, data={"login": "kari", "password": "secret-pass-1",
                                                           "csrf_token": token})


@pytest.mark.parametrize("target", PAYLOADS, ids=[repr(p)[1:-1][:40] for p in PAYLOADS])
def test_no_target_sends_a_person_off_the_site_after_login(client, staff, target):
    response = _login(client, {"next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert stays_here(location), location
    assert not re.search(r"[\x00-\x20\\]", location), location  # sent as the browser will read it, nothing to strip


@pytest.mark.parametrize("target,expected", [
    ("/orders/OSL-000001", "/orders/OSL-000001"), ("/?status=all&page=2", "/?status=all&page=2"),
    ("/orders/new#lines", "/orders/new#lines"), ("/manager/../orders/new", "/orders/new"), (None, "/"), ("", "/"),
])
def test_a_path_of_ours_is_kept(client, staff, target, expected):
    response = _login(client, {"next": target} if target is not None else {})
    assert response.headers["Location"] == expected


@pytest.mark.parametrize("target", PAYLOADS[:12] + PAYLOADS[17:28], ids=lambda p: repr(p)[1:-1][:40])
def test_the_back_link_of_an_order_action_stays_on_the_site(client, make, branch, staff, target):
    order = make.order(branch)
    _login(client, {})
    token = csrf_token(client, f"/orders/{order.reference}")
    response = client.post(f"/orders/{order.reference}/do/claim", data={"csrf_token": token, "next_url": target})
    assert response.status_code == 302 and stays_here(response.headers["Location"]), response.headers["Location"]
