"""Fixtures: an app on a fresh database per test (a SQLite file, or TEST_DATABASE_URL), factories.

A test runs inside one outer transaction that is rolled back at its end (warehouse's pattern): what the
code commits releases a savepoint inside it, the factories only flush, and nothing reaches the disk. A
test whose proof needs real commits (other threads or processes reading what it wrote, the lock on
SQLite, a crash) is marked `real_commits`; everything under REAL_COMMIT_FOLDERS is.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import current_app, g, has_app_context
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import text

from app import create_app
from app.config import TestConfig
from app.extensions import db as _db


def _overrides(tmp_path) -> dict:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return {"SQLALCHEMY_DATABASE_URI": url}
    # a file, not :memory:, so threads and subprocesses see the same database (WAL like production)
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.db'}"}


class FreshRequestClient(FlaskClient):
    """The tests keep an app context open (for db.session); each request must still start without
    the previous request's logged-in user, CSRF token and locale cached on `g`, as it would in production."""

    def open(self, *args, **kwargs):
        for key in ("_login_user", "csrf_token", "_flask_babel"):  # and the page language chosen
            g.pop(key, None)
        return super().open(*args, **kwargs)


# threads, subprocesses, separate databases, crashes and the SQLite lock: real commits throughout
REAL_COMMIT_FOLDERS = ("faults", "backup", "browser", "hostile")


def pytest_collection_modifyitems(config, items):
    tests = Path(__file__).parent
    for item in items:
        parts = Path(item.path).relative_to(tests).parts
        if ((len(parts) > 1 and parts[0] in REAL_COMMIT_FOLDERS) or "live_url" in getattr(item, "fixturenames", ())
                or item.get_closest_marker("dovecot") is not None):  # the worker's mailbox threads read them
            item.add_marker(pytest.mark.real_commits)


def real_commits(request) -> bool:
    return request.node.get_closest_marker("real_commits") is not None


@pytest.fixture
def app(request, tmp_path):
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(_overrides(tmp_path))
    config["INSTANCE_DIR"] = tmp_path
    app = create_app(config)
    app.test_client_class = FreshRequestClient
    with app.app_context():
        if _db.engine.dialect.name == "postgresql":
            _reset_postgres()
        _db.create_all()
        if real_commits(request):
            yield app
        else:
            with _one_outer_transaction(app):
                yield app
        _db.session.remove()
        _db.engine.dispose()


@contextmanager
def _one_outer_transaction(app):
    """Every session of this app in this thread (the test's, a request's, a CLI command's) works on one
    connection whose transaction is rolled back at the end; their commits release savepoints inside it.
    Other threads get connections of their own, so a test that starts some is marked real_commits."""
    conn = _db.engine.connect()
    outer = conn.begin()
    here = threading.get_ident()
    get_bind = FlaskSession.get_bind

    def bind_here(session, *args, **kwargs):
        ours = threading.get_ident() == here and has_app_context() and current_app._get_current_object() is app
        return conn if ours else get_bind(session, *args, **kwargs)

    _db.session.remove()
    FlaskSession.get_bind = bind_here
    _db.session.session_factory.kw["join_transaction_mode"] = "create_savepoint"
    try:
        yield
    finally:
        _db.session.remove()
        FlaskSession.get_bind = get_bind
        _db.session.session_factory.kw.pop("join_transaction_mode", None)
        outer.rollback()
        conn.close()


def _reset_postgres() -> None:
    with _db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def now():
    return datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Factory:
    """Small makers of branches, staff, workshops and orders. They flush (the test's outer transaction
    holds what they make); in a real_commits test they commit, so other threads and processes see it."""

    def __init__(self, db, *, commit: bool = False):
        self.db = db
        self.commit = commit
        self._n = 0
        self._hashes: dict[str, str] = {}

    def _save(self) -> None:
        if self.commit:
            self.db.session.commit()
        else:
            self.db.session.flush()

    def _next(self) -> int:
        self._n += 1
        return self._n

    def branch(self, code="OSL", **kw):
        from app.models import Branch

        kw.setdefault("name", f"Branch {code}")
        # the pages of a test's branch are in English unless the test names a language (the model's default
        # is Norwegian); the texts to workshops follow the workshop's own language first (app.intake.ack)
        kw.setdefault("language", "en")
        branch = Branch(code=code, **kw)
        self.db.session.add(branch)
        self._save()
        return branch

    def staff(self, branch=None, role="staff", login=None, password="secret-pass-1", **kw):
        from app.models import Staff

        login = login or f"user{self._next()}"
        staff = Staff(login=login, name=kw.pop("name", login.capitalize()), role=role, branch=branch, **kw)
        if password not in self._hashes:  # hashing is slow on purpose; do it once per password
            staff.set_password(password)
            self._hashes[password] = staff.password_hash
        staff.password_hash = self._hashes[password]
        self.db.session.add(staff)
        self._save()
        return staff

    def workshop(self, branch=None, number=None, name="Bilverksted AS", emails=(), phones=()):
        from app.models import Workshop, WorkshopEmail, WorkshopPhone
        from app.orders.workshops import is_mobile, normalise_phone

        w = Workshop(customer_number=number or str(10000 + self._next()), name=name, home_branch=branch)
        w.emails = [WorkshopEmail(address=e.lower()) for e in emails]
        w.phones = [WorkshopPhone(e164=normalise_phone(p), is_mobile=is_mobile(normalise_phone(p))) for p in phones]
        self.db.session.add(w)
        self._save()
        return w

    def order(self, branch, *, now=None, channel="web", lines=(("0 986 494 123", "Bremseklosser", 2),), **kw):
        from app.orders import service
        from app.orders.service import LineInput, OrderInput

        data = OrderInput(channel=channel, lines=[LineInput(p, d, q) for p, d, q in lines], **kw)
        order = service.create_order(branch.id, data, by=None, now=now or datetime.now(UTC))
        self._save()
        return order


@pytest.fixture
def make(request, db):
    return Factory(db, commit=real_commits(request))


def login(client, login, password="secret-pass-1"):
    """Log in through the real form, CSRF token included."""
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"login": login, "password": password, "csrf_token": token})


def csrf_token(client, path="/"):
    import re

    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    return match.group(1) if match else None


# --- a real browser: Debian's headless Chromium driven by Playwright, one per test session ---

def chromium_path() -> str:
    import shutil

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: .ci/install-test-services installs it")
        pytest.skip("no Chromium here; run .ci/install-test-services")
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture
def live_url(app):
    """The app served on a free local port from a thread (same database as the test)."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def page(browser):
    """A fresh browser context; script errors and dialogs are collected in page.errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(8000)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("dialog", lambda dialog: (page.errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    yield page
    context.close()
