"""Every state-changing request without a CSRF token is a 400 and changes nothing, for every route the
app has (found from app.url_map, so a new POST route without CSRF fails here)."""
from __future__ import annotations

from tests.conftest import login
from tests.hostile.routes import PLAUSIBLE_FORM, SIGNATURE_CHECKED, WRITE_METHODS, snapshot, urls, write_rules


def test_every_write_route_is_enumerated(app):
    rules = {r.rule for r in write_rules(app)}
    # a sanity floor: if enumeration broke, the test below would pass vacuously
    assert {"/login", "/logout", "/orders/<reference>/do/<name>", "/manager/import/confirm"} <= rules


def test_every_write_without_csrf_token_is_400_and_changes_nothing(app, db, client, make, branch, manager):
    order = make.order(branch, review_reasons=["check the lines"])
    fixtures = {"reference": order.reference, "code": branch.code, "staff_id": manager.id}
    assert login(client, "mona").status_code == 302
    checked = []
    for method in sorted(WRITE_METHODS):
        for url in urls(app, fixtures, method=method):
            if url.startswith(SIGNATURE_CHECKED):
                continue
            before = snapshot(app)
            response = client.open(url, method=method, data=PLAUSIBLE_FORM)
            assert response.status_code == 400, f"{method} {url} without a CSRF token gave {response.status_code}"
            assert snapshot(app) == before, f"{method} {url} without a CSRF token changed something"
            checked.append(url)
    assert len(checked) >= 15
    assert client.get("/").status_code == 200  # the POST /logout without a token did not log out


def test_a_wrong_or_foreign_token_is_refused_too(app, client, make, branch, manager):
    order = make.order(branch)
    login(client, "mona")
    before = snapshot(app)
    for token in ("", "x", "IjAwMDAi.AAAAAA.forged"):
        response = client.post(f"/orders/{order.reference}/do/claim", data={"csrf_token": token})
        assert response.status_code == 400
    other = app.test_client()
    login(other, "mona")  # a token minted for another session
    from tests.conftest import csrf_token

    foreign = csrf_token(other, "/")
    assert foreign
    assert client.post(f"/orders/{order.reference}/do/claim", data={"csrf_token": foreign}).status_code == 400
    assert snapshot(app) == before
