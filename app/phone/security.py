"""Every Twilio webhook is signed; nothing unsigned is ever accepted."""
from __future__ import annotations

import logging
from functools import wraps

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"


def public_url_of_request() -> str:
    """The URL Twilio requested, which is what it signed.

    With PUBLIC_BASE_URL set, that base plus the path and query; otherwise request.url, which is
    right behind a proxy only when ProxyFix trusts PROXY_FIX_HOPS hops (create_app applies it).
    """
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + request.full_path.rstrip("?")
    return request.url


def public_url(path: str) -> str:
    """An absolute URL of ours for Twilio to call back, e.g. public_url('/twilio/voice/status')."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + path
    return request.host_url.rstrip("/") + path


def is_valid_request() -> bool:
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not token or not signature:
        return False
    validator = RequestValidator(token)
    url = public_url_of_request()
    if request.is_json:
        return validator.validate(url, request.get_data(as_text=True), signature)
    return validator.validate(url, request.form, signature)


def twilio_signed(view):
    """Refuse (403) any request without a valid X-Twilio-Signature for our public URL."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_app.config.get("TWILIO_AUTH_TOKEN"):
            log.warning("Twilio webhook %s refused: TWILIO_AUTH_TOKEN is not configured", request.path)
            abort(403)
        if not is_valid_request():
            log.warning("Twilio webhook refused: bad or missing signature for %s from %s (CallSid=%s MessageSid=%s)",
                        public_url_of_request(), request.remote_addr,
                        request.form.get("CallSid"), request.form.get("MessageSid"))
            abort(403)
        return view(*args, **kwargs)

    return wrapper
