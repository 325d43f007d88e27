"""The dashboard's time to clear is the backlog at the rate measured over the stated window, and it is the
figure held orders are given: the last held order's estimate is exactly the time to clear."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.orders import capacity, service
from app.web.dashboard import queries, routes
from tests.conftest import login

M = timedelta(minutes=1)


def _done(make, branch, staff, at):
    order = make.order(branch, now=at - 30 * M)
    service.claim(order, staff, now=at - 20 * M)
    service.mark_ready(order, staff, now=at - 10 * M)
    service.mark_done(order, staff, now=at)
    return order


@pytest.fixture
def scene(db, make, now, monkeypatch):
    """OSL: 5 done in the last 2 h (one more just before), 5 admitted open, 2 held past its open limit of 5.
    GOT: 1 done in the window, 1 open. The clock stands at `now`."""
    monkeypatch.setattr(routes, "clock", lambda: now)
    osl = make.branch("OSL", timezone="Europe/Oslo", open_limit=5, minutes_per_order=6)
    got = make.branch("GOT", timezone="Europe/Oslo")
    kari = make.staff(osl, login="kari", name="Kari")
    make.staff(osl, login="per", name="Per")
    lena = make.staff(got, login="lena", name="Lena")
    make.staff(None, role="manager", login="chief", name="Chief")
    for minutes in (115, 90, 61, 30, 1):
        _done(make, osl, kari, now - minutes * M)
    _done(make, osl, kari, now - 121 * M)  # outside the window
    _done(make, got, lena, now - 50 * M)
    claimed = make.order(osl, now=now - 40 * M)
    service.claim(claimed, kari, now=now - 35 * M)
    for minutes in (30, 20, 10, 5):
        make.order(osl, now=now - minutes * M)
    held = [make.order(osl, now=now), make.order(osl, now=now)]  # open limit reached: held, estimated at now
    make.order(got, now=now - 5 * M)
    db.session.commit()
    return {"osl": osl, "got": got, "held": held}


def test_time_to_clear_is_the_backlog_at_the_measured_rate(db, scene, now):
    assert [o.status for o in scene["held"]] == ["held", "held"]
    stats = queries.collect([scene["osl"]], now, scope="OSL")
    rate = stats.throughput
    assert (rate.done, rate.window, rate.assumed, rate.capped_at) == (5, 2 * timedelta(hours=1), False, None)
    assert rate.per_hour == 2.5  # 5 done in 2 h; the one 121 minutes ago is outside
    assert stats.open_total == 7
    assert stats.clear_minutes == 168 == stats.open_total * 60 / rate.per_hour

    # the same figure: the last held order, 7th in line (5 admitted + 2 held), is told the time to clear
    last = scene["held"][-1]
    assert last.estimate_at == now + timedelta(minutes=stats.clear_minutes)
    assert capacity.estimate_for_position(scene["osl"], stats.open_total, now) == last.estimate_at
    assert scene["held"][0].estimate_at == now + timedelta(minutes=capacity.throughput(scene["osl"], now)
                                                           .minutes_for(6))  # 144 min


def test_the_chain_adds_rates_and_backlogs(db, scene, now):
    stats = queries.collect([scene["got"], scene["osl"]], now)
    assert stats.throughput.per_hour == 3.0 and stats.throughput.done == 6  # 2.5 + 0.5
    assert stats.open_total == 8 and stats.clear_minutes == 160


def test_the_page_says_the_rate_its_window_and_the_time(client, scene, now):
    login(client, "chief")
    html = client.get("/manager/?branch=OSL").get_data(as_text=True)
    tile = re.sub(r"\s+", " ", re.search(r'<div class="tile" id="throughput".*?</div>', html, re.S).group(0))
    assert ">5</span>" in tile and "done in the last 2 h: 2.5 an hour" in tile and "assumed" not in tile
    clear = re.sub(r"\s+", " ", re.search(r'<div class="tile" id="clear">.*?</div>', html, re.S).group(0))
    assert 'data-minutes="168"' in clear and "2 h 48 min" in clear
    assert "to clear the 7 open at 2.5 an hour (measured over the last 2 h), the rate held orders are told" in clear
    data = client.get("/manager/stats.json?branch=OSL").get_json()
    assert data["clear_minutes"] == 168
    assert data["throughput"] == {"per_hour": 2.5, "done": 5, "window_minutes": 120, "assumed": False,
                                  "capped_at": None}


def test_with_nothing_done_the_rate_is_assumed_and_said_so(client, db, make, now, monkeypatch):
    monkeypatch.setattr(routes, "clock", lambda: now)
    osl = make.branch("OSL", minutes_per_order=6)
    make.staff(osl, login="kari")
    make.staff(osl, role="manager", login="boss")
    for _ in range(4):
        make.order(osl, now=now - 10 * M)
    db.session.commit()
    stats = queries.collect([osl], now)
    assert stats.throughput.assumed and stats.throughput.per_hour == 20  # 2 active staff at 6 min an order
    assert stats.clear_minutes == 12
    login(client, "boss")
    html = re.sub(r"\s+", " ", client.get("/manager/").get_data(as_text=True))
    assert "done in the last 2 h: 20.0 an hour assumed, as none were done" in html
    assert "to clear the 4 open at 20.0 an hour (assumed)" in html


def test_a_rate_past_the_hourly_limit_is_capped_for_both(db, make, now):
    osl = make.branch("OSL")
    kari = make.staff(osl, login="kari")
    for minutes in (100, 80, 60, 40, 20, 10):
        _done(make, osl, kari, now - minutes * M)
    osl.hourly_limit = 2  # lowered after the six were admitted
    db.session.commit()
    rate = capacity.throughput(osl, now)
    assert (rate.per_hour, rate.done, rate.capped_at) == (2.0, 6, 2)
    assert queries.collect([osl], now).throughput == rate
    assert capacity.estimate_for_position(osl, 3, now) == now + 90 * M
