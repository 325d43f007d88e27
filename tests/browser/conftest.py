"""Helpers for the browser tests (the browser, live_url and page fixtures are in tests/conftest.py)."""
from __future__ import annotations

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def log_in(page, live_url: str, login: str, password: str = "secret-pass-1") -> None:
    page.goto(f"{live_url}/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.press("#password", "Enter")
    page.wait_for_url(f"{live_url}/")


def wait_for_focus(page, element_id: str, timeout_ms: float = 5000) -> None:
    """Fails unless the element with this id gets the focus. The browser applies `autofocus` at a
    rendering step after the load event, a moment after `goto` returns, so look until it does."""
    page.wait_for_function("(id) => document.activeElement && document.activeElement.id === id",
                           arg=element_id, timeout=timeout_ms)


def console_problems(page) -> list[str]:
    """Collects script errors and console errors (CSP violations show up there) as the page runs."""
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and "favicon" not in msg.location.get("url", "") else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return problems


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
