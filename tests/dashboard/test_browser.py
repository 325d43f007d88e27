"""The dashboard refreshes itself in a real browser (headless Chromium), under the real CSP."""
from __future__ import annotations

import pytest

from tests.browser.conftest import console_problems, log_in


@pytest.mark.browser
def test_panel_updates_without_reload(browser, live_url, make, db, monkeypatch):
    from playwright.sync_api import expect

    from app.web.dashboard import routes

    monkeypatch.setattr(routes, "POLL_SECONDS", 1)
    osl = make.branch("OSL", name="Oslo <i>Alnabru</i>")
    make.staff(osl, role="manager", login="boss")
    make.order(osl, channel="email")
    context = browser.new_context()
    page = context.new_page()
    problems = console_problems(page)
    log_in(page, live_url, "boss")
    page.goto(f"{live_url}/manager/?branch=OSL")
    assert page.inner_text("#open-total") == "1"
    page.evaluate("window.notReloaded = true")
    make.order(osl, channel="sms", urgent=True)  # committed by the factory; the server thread sees it
    expect(page.locator("#open-total")).to_have_text("2", timeout=8000)
    assert page.inner_text("#urgent-waiting") == "1"
    assert page.evaluate("window.notReloaded") is True
    assert "Live" in page.inner_text("#refresh-state")
    assert page.locator("svg.chart rect.intake").count() == 24
    page.select_option("#branch", "")  # changing the scope submits the form
    page.wait_for_url("**/manager/?branch=")
    context.close()
    assert problems == []  # no CSP violations or script errors
