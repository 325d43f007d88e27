"""Every GET page a manager can open carries a strict Content-Security-Policy: no 'unsafe-inline', no
'unsafe-eval', no wildcard script source; and the HTML has no inline script or handler it would need."""
from __future__ import annotations

import re

from tests.conftest import login
from tests.hostile.routes import urls

UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'strict-dynamic'")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=", re.I)


def policy(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def check_policy(url: str, header: str | None) -> None:
    assert header, f"{url}: no Content-Security-Policy"
    directives = policy(header)
    assert "default-src" in directives, url
    for name, sources in directives.items():
        for bad in UNSAFE:
            assert bad not in sources, f"{url}: {name} allows {bad}"
    scripts = directives.get("script-src", directives["default-src"])
    assert not {"*", "data:", "http:", "https:", "blob:"} & set(scripts), f"{url}: script-src {scripts}"
    assert directives.get("object-src") == ["'none'"], url
    assert directives.get("frame-ancestors") == ["'none'"], url
    assert directives.get("base-uri") == ["'none'"], url


def test_every_page_a_manager_can_open_has_a_strict_csp(app, client, make, branch, manager):
    order = make.order(branch, review_reasons=["check the lines"])
    fixtures = {"reference": order.reference, "code": branch.code, "staff_id": manager.id}
    login(client, "mona")
    pages = urls(app, fixtures, method="GET")
    assert len(pages) >= 20
    opened = 0
    for url in pages:
        with client.get(url) as response:  # a static file response holds the file open until closed
            check_policy(url, response.headers.get("Content-Security-Policy"))
            html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
            status = response.status_code
        if status == 200 and html:
            opened += 1
            assert not INLINE_SCRIPT.search(html), f"{url}: inline <script> the policy would block"
            assert not HANDLER.search(html), f"{url}: inline event handler the policy would block"
            assert not INLINE_STYLE.search(html), f"{url}: style attribute the policy would block"
    assert opened >= 10  # the dashboard, branch, export, import, report, queue, order, review, new order...


def test_error_pages_and_the_login_page_carry_it_too(client):
    for url in ("/login", "/no-such-page", "/manager/"):
        check_policy(url, client.get(url).headers.get("Content-Security-Policy"))
