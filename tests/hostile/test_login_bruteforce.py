"""Login brute force is slowed, then locked, per account and per address (beyond tests/web/test_auth.py:
the delay grows, the route really waits it, the address limit holds across real accounts and only for
that address, and the account lock holds across addresses)."""
from __future__ import annotations

import re

import pytest

from app.models import Staff
from app.web.auth import routes as auth_routes
from app.web.auth import throttle


def attempt(client, login, password, address="203.0.113.7"):
    env = {"REMOTE_ADDR": address}
    page = client.get("/login", environ_base=env).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"login": login, "password": password, "csrf_token": token},
                       environ_base=env)


def test_the_delay_grows_with_failures_and_is_capped():
    delays = [throttle.delay_for(n) for n in range(1, 30)]
    assert delays[:2] == [0.0, 0.0]  # a typo or two costs nothing
    assert all(b >= a for a, b in zip(delays, delays[1:]))
    assert delays[2] > 0 and delays[5] > delays[2]
    assert max(delays) == delays[-1] <= 2.0  # capped: a slow login must not tie up a worker for long


def test_the_login_route_waits_the_growing_delay(app, client, make, branch, monkeypatch):
    slept = []
    monkeypatch.setattr(auth_routes.time, "sleep", slept.append)
    app.config.update(TESTING=False, LOGIN_MAX_FAILURES=50)
    make.staff(branch, login="kari")
    for _ in range(6):
        assert attempt(client, "kari", "guess").status_code == 401
    assert slept[:2] == [0.0, 0.0] and slept[2] > 0
    assert slept == sorted(slept) and slept[-1] > slept[2]


def test_address_limit_holds_across_real_accounts_and_only_for_that_address(app, client, make, branch,
                                                                            monkeypatch):
    monkeypatch.setattr(throttle, "ADDRESS_MAX", 6)
    app.config["LOGIN_MAX_FAILURES"] = 100  # so no single account locks: only the address limit is tested
    for i in range(6):
        make.staff(branch, login=f"user{i}")
        assert attempt(client, f"user{i}", "guess").status_code == 401  # one guess per account
    make.staff(branch, login="kari")
    refused = attempt(client, "kari", "secret-pass-1")  # even the right password of an untouched account
    assert refused.status_code == 429 and "from this address" in refused.get_data(as_text=True)
    assert attempt(client, "user0", "secret-pass-1").status_code == 429
    assert attempt(client, "kari", "secret-pass-1", address="198.51.100.9").status_code == 302  # elsewhere: fine


def test_account_lock_holds_across_addresses(app, db, client, make, branch):
    app.config["LOGIN_MAX_FAILURES"] = 4
    make.staff(branch, login="kari")
    for i in range(4):  # a distributed guesser: every try from a new address
        assert attempt(client, "kari", "guess", address=f"192.0.2.{i + 1}").status_code == 401
    locked = attempt(client, "kari", "secret-pass-1", address="192.0.2.200")
    assert locked.status_code == 429 and "locked" in locked.get_data(as_text=True)
    db.session.expire_all()
    staff = db.session.query(Staff).filter_by(login="kari").one()
    assert staff.failed_logins == 4 and staff.locked_until is not None


@pytest.mark.parametrize("login", ["kari' OR '1'='1", "kari\x00", "k" * 5000, "KARI"])
def test_odd_login_names_never_log_in_and_never_crash(client, make, branch, login):
    make.staff(branch, login="kari")
    assert attempt(client, login, "secret-pass-1").status_code in (401, 422)
    assert client.get("/").status_code == 302  # not logged in
