import re
from datetime import timedelta

from app.models import AuditEvent, LoginAttempt
from tests.conftest import csrf_token, login


def test_login_and_logout_through_the_forms(client, make):
    branch = make.branch()
    make.staff(branch, login="kari")
    response = login(client, "kari")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/login")
    assert page.status_code == 302  # already logged in
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token.group(1) if token else ""}).status_code == 302
    assert client.get("/").status_code == 302  # back to login


def test_wrong_password_is_refused_without_saying_which_part(client, make):
    make.staff(make.branch(), login="kari")
    response = login(client, "kari", password="nope")
    assert response.status_code == 401
    assert "Wrong login or password." in response.get_data(as_text=True)
    assert login(client, "nobody", password="nope").status_code == 401


def test_repeated_failures_lock_that_address_out_for_that_name_only(app, client, db, make):
    app.config["LOGIN_MAX_FAILURES"] = 3
    make.staff(make.branch(), login="kari")
    for _ in range(3):
        assert login(client, "kari", password="guess").status_code == 401
    locked = login(client, "kari")  # the right password no longer helps from here
    assert locked.status_code == 429
    assert "Too many failed logins for this name from your address. Try again in 15 minute(s)." in \
        locked.get_data(as_text=True)
    assert db.session.query(AuditEvent).filter_by(action="login_locked").count() == 1
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.4"
    assert login(elsewhere, "kari").status_code == 302  # from another address: fine
    for row in db.session.query(LoginAttempt):
        row.window_start -= timedelta(hours=1)
    db.session.commit()  # the window runs out
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert login(client, "kari").status_code == 302


def test_one_address_walking_through_accounts_is_refused(app, client, make):
    from app.web.auth import throttle

    branch = make.branch()
    make.staff(branch, login="kari")
    for i in range(throttle.ADDRESS_MAX):
        login(client, f"guess{i}", password="x")
    response = login(client, "kari")
    assert response.status_code == 429
    assert "Too many failed logins from your address" in response.get_data(as_text=True)


def test_login_form_without_csrf_token_is_refused(client, make):
    make.staff(make.branch(), login="kari")
    response = client.post("/login", data={"login": "kari", "password": "secret-pass-1"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # still not logged in


def test_open_redirect_after_login_is_ignored(client, make):
    make.staff(make.branch(), login="kari")
    page = client.get("/login?next=//evil.example/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login?next=//evil.example/", data={"login": "kari", "password": "secret-pass-1",
                                                                 "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"


def test_staff_gets_403_on_manager_pages(client, make):
    make.staff(make.branch(), login="kari")
    login(client, "kari")
    assert client.get("/manager/").status_code == 403
