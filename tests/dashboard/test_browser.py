"""The dashboard refreshes itself in a real browser (headless Chromium), under the real CSP."""
from __future__ import annotations

import shutil
import threading

import pytest


def _chromium() -> str:
    pytest.importorskip("playwright.sync_api")
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("no Chromium on this machine")
    return path


@pytest.fixture
def live_url(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.mark.browser
def test_panel_updates_without_reload(live_url, make, db, monkeypatch):
    from playwright.sync_api import expect, sync_playwright

    from app.web.dashboard import routes

    executable = _chromium()
    monkeypatch.setattr(routes, "POLL_SECONDS", 1)
    osl = make.branch("OSL", name="Oslo <i>Alnabru</i>")
    make.staff(osl, role="manager", login="boss")
    make.order(osl, channel="email")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page()
        problems = []
        page.on("console", lambda msg: problems.append(msg.text)
                if msg.type == "error" and "favicon" not in msg.location.get("url", "") else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.goto(f"{live_url}/login")
        page.fill("#login", "boss")
        page.fill("#password", "secret-pass-1")
        page.press("#password", "Enter")
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
        browser.close()
    assert problems == []  # no CSP violations or script errors
