"""Web tests: everything goes through the test client with real CSRF tokens."""
from __future__ import annotations

import re

PASSWORD = "secret-pass-1"


def login(client, login, password=PASSWORD):
    """Log in through the real login form."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"login": login, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def token(client, path="/"):
    """The CSRF token of the first form on a page."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, f"no csrf token on {path}"
    return match.group(1)


def flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash[^"]*" role="status">(.*?)</p>', html, re.S)
