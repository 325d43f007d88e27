"""Sessions: logging out ends the session on the server (a copied cookie opens nothing afterwards), and a
request that came over HTTPS, directly or through the trusted proxy, gets a Secure cookie and HSTS."""
from __future__ import annotations

import pytest

from app import create_app
from app.config import TestConfig
from app.extensions import db as _db
from tests.conftest import FreshRequestClient, _overrides

from . import login, token


def _logout(client):
    return client.post("/logout", data={"csrf_token": token(client)})


def test_a_session_cookie_copied_before_logout_opens_nothing_after_it(app, client, make):
    make.staff(make.branch(), login="kari")
    login(client, "kari")
    copied = client.get_cookie("session").value
    assert _logout(client).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert thief.get("/orders/new").status_code == 302


def test_logout_ends_the_person_s_other_sessions_and_a_new_login_works(app, client, make):
    make.staff(make.branch(), login="kari")
    other = app.test_client()
    login(client, "kari")
    login(other, "kari")
    assert other.get("/").status_code == 200
    _logout(client)
    assert other.get("/").status_code == 302
    login(client, "kari")
    assert client.get("/").status_code == 200


def test_a_new_password_ends_the_sessions_made_with_the_old_one(app, client, db, make):
    staff = make.staff(make.branch(), login="kari")
    login(client, "kari")
    staff.set_password("a-new-password-2")
    db.session.commit()
    assert client.get("/").status_code == 302


def test_a_session_of_an_old_format_or_tampered_id_is_anonymous(app, client, make):
    staff = make.staff(make.branch(), login="kari")
    for user_id in (str(staff.id), f"{staff.id}:", f"{staff.id}:wrong", "x:y", f"{staff.id}:{staff.session_token}x"):
        with client.session_transaction() as session:
            session["_user_id"] = user_id
        assert client.get("/").status_code == 302, user_id


def _cookie_and_hsts(client, **kw):
    response = client.get("/login", **kw)
    cookie = response.headers.get("Set-Cookie", "")
    assert cookie.startswith("session="), cookie  # the CSRF token is kept in the session
    return "; Secure" in cookie, response.headers.get("Strict-Transport-Security")


def test_plain_http_gets_neither_secure_nor_hsts(client):
    assert _cookie_and_hsts(client) == (False, None)
    # without a trusted proxy, anyone can send X-Forwarded-Proto; it changes nothing
    assert _cookie_and_hsts(client, headers={"X-Forwarded-Proto": "https"}) == (False, None)


def test_https_gets_a_secure_cookie_and_hsts(client):
    secure, hsts = _cookie_and_hsts(client, base_url="https://localhost")
    assert secure and hsts == "max-age=31536000"


@pytest.fixture
def make_app(tmp_path):
    """An app built by create_app as deployed: PROXY_FIX_HOPS or PUBLIC_BASE_URL set."""
    apps = []

    def build(**overrides):
        config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
        config.update(_overrides(tmp_path), **overrides)
        app = create_app(config)
        app.test_client_class = FreshRequestClient
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            _db.engine.dispose()


def test_https_through_the_trusted_proxy_gets_a_secure_cookie_and_hsts(make_app):
    app = make_app(PROXY_FIX_HOPS=1)
    with app.app_context():
        client = app.test_client()
        forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "partdesk.example", "X-Forwarded-For": "10.0.0.9"}
        secure, hsts = _cookie_and_hsts(client, headers=forwarded)
        assert secure and hsts == "max-age=31536000"
        assert _cookie_and_hsts(client, headers={"X-Forwarded-Proto": "http"}) == (False, None)


def test_an_https_public_base_url_means_every_request_came_over_https(make_app):
    app = make_app(PUBLIC_BASE_URL="https://partdesk.example")
    with app.app_context():
        secure, hsts = _cookie_and_hsts(app.test_client())
        assert secure and hsts == "max-age=31536000"
    app = make_app(PUBLIC_BASE_URL="http://partdesk.example")
    with app.app_context():
        assert _cookie_and_hsts(app.test_client()) == (False, None)


def test_session_cookie_secure_still_forces_the_flag(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    with app.app_context():
        secure, hsts = _cookie_and_hsts(app.test_client())
        assert secure and hsts is None  # HSTS only over HTTPS, where a browser heeds it
