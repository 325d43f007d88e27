"""A staff member gets 403 on every manager page and action: every /manager rule (GET and POST) and the
manager-only order actions, with a valid CSRF token on POSTs so the 403 is the role check."""
from __future__ import annotations

from app.web.queue.routes import ACTIONS
from tests.conftest import csrf_token, login
from tests.hostile.routes import PLAUSIBLE_FORM, snapshot, urls

MANAGER_ONLY = sorted(name for name, (_call, managers_only, _msg) in ACTIONS.items() if managers_only)


def test_the_manager_only_actions_are_known():
    assert {"claim_override", "admit"} <= set(MANAGER_ONLY)


def test_staff_gets_403_on_every_manager_page_and_action(app, client, make, branch, staff, manager):
    order = make.order(branch)
    fixtures = {"reference": order.reference, "code": branch.code, "staff_id": staff.id}
    assert login(client, "kari").status_code == 302
    token = csrf_token(client, "/")
    assert token, "no CSRF token on the queue page"
    gets = urls(app, fixtures, method="GET", prefix="/manager")
    posts = urls(app, fixtures, method="POST", prefix="/manager")
    posts += [f"/orders/{order.reference}/do/{name}" for name in MANAGER_ONLY]
    assert len(gets) >= 9 and len(posts) >= 8
    before = snapshot(app)
    for url in gets:
        assert client.get(url).status_code == 403, f"GET {url} as staff"
    for url in posts:
        response = client.post(url, data={**PLAUSIBLE_FORM, "csrf_token": token})
        assert response.status_code == 403, f"POST {url} as staff gave {response.status_code}"
    assert snapshot(app) == before


def test_the_same_token_works_for_a_staff_action_so_the_403_is_the_role(client, make, branch, staff):
    order = make.order(branch)
    login(client, "kari")
    token = csrf_token(client, "/")
    response = client.post(f"/orders/{order.reference}/do/claim", data={"csrf_token": token})
    assert response.status_code == 302


def test_logged_out_visitors_are_sent_to_login_not_shown_manager_pages(app, client, make, branch, staff):
    order = make.order(branch)
    fixtures = {"reference": order.reference, "code": branch.code, "staff_id": staff.id}
    for url in urls(app, fixtures, method="GET", prefix="/manager"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
