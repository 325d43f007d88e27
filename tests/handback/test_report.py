"""End-of-outage report: totals by channel and outcome, nearest-rank median and 90th percentile waits."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from app.handback import report
from app.orders import service
from tests.conftest import login

M = timedelta(minutes=1)


def _scene(db, make, now):
    osl = make.branch("OSL", name="Oslo")
    make.branch("GOT", name="Göteborg")
    kari = make.staff(osl, login="kari", hold_limit=10)
    channels = ["email", "email", "sms", "phone", "web"]
    orders = []
    for i, channel in enumerate(channels):
        order = make.order(osl, now=now, channel=channel)
        service.claim(order, kari, now=now + (i + 1) * 10 * M)  # 10, 20, 30, 40, 50 minutes to claim
        orders.append(order)
    for order, minutes in ((orders[0], 60), (orders[1], 120)):
        service.mark_ready(order, kari, now=now + (minutes - 1) * M)
        service.mark_done(order, kari, now=now + minutes * M)
    make.order(osl, now=now, channel="sms")  # never claimed
    service.cancel(orders[4], kari, now=now + 70 * M, reason="Customer called it off")
    db.session.commit()


def test_report_figures(db, make, now):
    _scene(db, make, now)
    got, osl = report.build()
    assert (got.code, got.total, got.to_claim.count, got.to_claim.p50) == ("GOT", 0, 0, None)
    assert osl.total == 6
    assert osl.counts == {"email": {"done": 2}, "sms": {"claimed": 1, "new": 1}, "phone": {"claimed": 1},
                          "web": {"cancelled": 1}}
    assert (osl.to_claim.count, round(osl.to_claim.p50), round(osl.to_claim.p90)) == (5, 30 * 60, 50 * 60)
    assert (osl.to_done.count, round(osl.to_done.p50), round(osl.to_done.p90)) == (2, 60 * 60, 120 * 60)


def test_report_page_and_csv(client, db, make, now):
    _scene(db, make, now)
    make.staff(None, role="manager", login="boss")
    login(client, "boss")
    page = client.get("/manager/report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Göteborg" in html and "30.0" in html and "120.0" in html and "style=" not in html
    response = client.get("/manager/report.csv")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    osl_all = next(r for r in rows if r["branch"] == "OSL" and r["channel"] == "all")
    assert (osl_all["total"], osl_all["done"], osl_all["cancelled"]) == ("6", "2", "1")
    assert (osl_all["receipt_to_claim_median_min"], osl_all["receipt_to_done_p90_min"]) == ("30.0", "120.0")
    sms = next(r for r in rows if r["branch"] == "OSL" and r["channel"] == "sms")
    assert (sms["total"], sms["new"], sms["claimed"]) == ("2", "1", "1")
