"""Every Twilio webhook is signed; nothing unsigned is ever accepted."""
from __future__ import annotations

import logging
from functools import wraps

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import ImmutableMultiDict

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


FORM = "application/x-www-form-urlencoded"


def is_valid_request() -> bool:
    """True only for what Twilio sends our hooks: a non-empty form-encoded body, each parameter (form
    and query) given once, signed with our auth token for our public URL. Anything else (JSON, multipart,
    an empty body, another content type, a repeated parameter) is refused before its body is read as
    parameters: the validator would otherwise check a signature over fields the view never sees, or fail
    on a body that is not a dict."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not token or not signature:
        return False
    if request.mimetype != FORM:
        return False
    form = request.form
    if not form or _repeated(form) or _repeated(request.args):
        return False
    return RequestValidator(token).validate(public_url_of_request(), form, signature)


def _repeated(params) -> bool:
    return any(len(values) > 1 for values in params.listvalues())


def _drop_nuls() -> None:
    """After the signature is checked on what was sent: the view reads the parameters without NUL
    characters (an SMS body can carry one), which PostgreSQL refuses in any text value, so the SMS would
    fail instead of becoming an order. Mail intake drops them the same way."""
    form = request.form
    if any("\x00" in value for value in form.values()):
        log.warning("Twilio webhook %s: NUL characters dropped from %s", request.path,
                    ", ".join(sorted(k for k, v in form.items() if "\x00" in v)))
        request.form = ImmutableMultiDict((k, v.replace("\x00", "")) for k, v in form.items(multi=True))


def twilio_signed(view):
    """Refuse (403) any request without a valid X-Twilio-Signature for our public URL."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_app.config.get("TWILIO_AUTH_TOKEN"):
            log.warning("Twilio webhook %s refused: TWILIO_AUTH_TOKEN is not configured", request.path)
            abort(403)
        if not is_valid_request():
            form = request.form if request.mimetype == FORM else {}
            log.warning("Twilio webhook refused: bad or missing signature for %s from %s (%s; CallSid=%s MessageSid=%s)",
                        public_url_of_request(), request.remote_addr, request.mimetype or "no content type",
                        form.get("CallSid"), form.get("MessageSid"))
            abort(403)
        _drop_nuls()
        return view(*args, **kwargs)

    return wrapper
