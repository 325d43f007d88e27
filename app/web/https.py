"""A request that came over HTTPS gets a Secure session cookie and Strict-Transport-Security.

"Came over HTTPS" means: directly (request.is_secure), through the trusted proxy (PROXY_FIX_HOPS lets
ProxyFix take the scheme from X-Forwarded-Proto; without it that header is not believed), or because
PUBLIC_BASE_URL is an https:// address, which says that is where people reach the desk.
SESSION_COOKIE_SECURE=1 still forces the flag everywhere.
"""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

HSTS = "max-age=31536000"  # a year; not includeSubDomains: other hosts of the chain are not ours to pin


def arrived_over_https() -> bool:
    if not has_request_context():
        return False
    return request.is_secure or (current_app.config.get("PUBLIC_BASE_URL") or "").lower().startswith("https://")


class SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(super().get_cookie_secure(app)) or arrived_over_https()


def _hsts(response):
    if arrived_over_https():
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.after_request(_hsts)
