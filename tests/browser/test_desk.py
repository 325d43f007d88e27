"""In a real Chromium: the menu's search box (a plate typed with spaces finds its order), the tab title's
live count raised by an email order stored through the real intake path without a reload, and the queue
at a phone's width (390 px) without horizontal scrolling, its menu collapsed behind a button.
Screenshots: test-artifacts/desk-search.png, desk-title.png, desk-390.png, desk-390-menu.png."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import console_problems, log_in, screenshot
from tests.web.test_evidence import EMAIL

pytestmark = pytest.mark.browser


def test_slash_focuses_the_search_and_a_plate_typed_with_spaces_finds_its_order(page, live_url, make):
    problems = console_problems(page)
    branch = make.branch("OSL", name="Oslo Alnabru")
    make.staff(branch, login="kari")
    now = datetime.now(UTC)
    wanted = make.order(branch, now=now - timedelta(minutes=30), plate="EL12345")
    others = [make.order(branch, now=now - timedelta(minutes=m), plate=f"AB{m:05d}") for m in (5, 10)]
    log_in(page, live_url, "kari")
    assert page.locator("a.ref").count() == 3
    page.keyboard.press("/")
    expect(page.locator("#q-menu")).to_be_focused()
    page.keyboard.type("el 123 45")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/\?q=el\+123\+45$"))
    expect(page.locator("a.ref")).to_have_text([wanted.reference])
    expect(page.locator(".search-result")).to_contain_text("el 123 45")
    assert page.input_value("#q-menu") == "el 123 45"
    assert all(o.reference not in page.inner_text("table.queue") for o in others)
    screenshot(page, "desk-search")
    assert problems == [] and page.errors == []


def test_a_new_email_order_raises_the_tab_title_count_without_a_reload(app, db, page, live_url, make):
    from app.intake import pipeline
    from app.intake.store import store_raw

    problems = console_problems(page)
    branch = make.branch("OSL", name="Oslo Alnabru")
    make.staff(branch, login="kari", alert_sound=True)
    make.order(branch, now=datetime.now(UTC) - timedelta(minutes=3))
    log_in(page, live_url, "kari")
    page.evaluate("window.__notReloaded = true")
    expect(page).to_have_title("(1) Queue · Partdesk", timeout=10000)
    expect(page.locator("#queue-count")).to_have_text("1")
    assert page.evaluate("document.documentElement.getAttribute('data-last-tone')") is None  # nothing new yet

    now = datetime.now(UTC)
    message_id, _ = store_raw(EMAIL, channel="email", branch_id=branch.id, now=now)
    pipeline.process_one(message_id, now=now)
    db.session.commit()

    # the email asks for it urgently, and the title and the menu say so
    expect(page).to_have_title("(2, 1 urgent) Queue · Partdesk", timeout=10000)
    expect(page.locator("#queue-count")).to_have_text("2")
    expect(page.locator("#queue-count")).to_have_class(re.compile(r"\bhas-urgent\b"))
    assert page.evaluate("window.__notReloaded") is True  # the same page: no reload happened
    # the staff member turned the sound on: the tone was played for the new order
    assert page.evaluate("document.documentElement.getAttribute('data-last-tone')") is not None
    screenshot(page, "desk-title")
    assert problems == [] and page.errors == []


def test_the_queue_at_390px_has_no_horizontal_scroll_and_the_menu_collapses(browser, live_url, make):
    branch = make.branch("OSL", name="Oslo Alnabru")
    make.staff(branch, login="maria", name="Maria Kristine Johannessen-Berg", role="manager")
    workshop = make.workshop(branch, name="Tønsberg Bilservice og Dekkhotell Aksjeselskap Avdeling Nord", number="10077")
    now = datetime.now(UTC)
    for minutes, urgent in ((2, False), (20, True), (45, False)):
        make.order(branch, now=now - timedelta(minutes=minutes), urgent=urgent, workshop_id=workshop.id,
                   plate="EL 12345", notes="Ring før levering, porten er låst etter kl 15",
                   lines=(("0 986 494 123", "Bremseklosser foran, keramiske, med slitasjevarsler", 2),
                          ("HU 719/7 x", "Oljefilter", 1), ("1 987 432 097", "Kupéfilter aktivt kull", 1)))
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(8000)
    try:
        log_in(page, live_url, "maria")
        expect(page.locator("a.ref")).to_have_count(3)

        def widths():
            return page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")

        scroll, client = widths()
        assert client == 390 and scroll <= client, f"the page is {scroll} px wide at {client} px"
        # one card per order: the table's header is not shown and each row is as wide as the screen
        assert page.locator("table.queue thead").is_hidden()
        box = page.locator("table.queue tbody tr").first.bounding_box()
        assert box["width"] <= 390 and box["height"] > 100
        # the menu is behind a button: the header is one line until it is opened
        toggle = page.locator(".menu-toggle")
        expect(toggle).to_be_visible()
        expect(page.locator("#menu nav")).to_be_hidden()
        assert page.locator(".topbar").bounding_box()["height"] < 60
        screenshot(page, "desk-390")
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(page.locator("#menu nav a", has_text="Review inbox")).to_be_visible()
        expect(page.locator("#q-menu")).to_be_visible()
        scroll, client = widths()
        assert scroll <= client, f"with the menu open the page is {scroll} px wide at {client} px"
        screenshot(page, "desk-390-menu")
        # the order page too
        page.locator("a.ref").first.click()
        page.wait_for_url(re.compile(r"/orders/OSL-\d{6}$"))
        scroll, client = widths()
        assert scroll <= client, f"the order page is {scroll} px wide at {client} px"
    finally:
        context.close()
