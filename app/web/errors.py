"""Error pages a person can act on: what was refused, and a way back."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from app.web.redirects import local_path

# webhooks answer machines, not people: they keep Werkzeug's plain 403
PLAIN = {"phone"}


def init_app(app: Flask) -> None:
    app.register_error_handler(Forbidden, forbidden)


def back_link(default: str) -> str:
    """The page the person came from when it is a page of this site (and not this one), else `default`."""
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if parts.netloc != request.host:
        return default
    path = local_path(parts.path + (f"?{parts.query}" if parts.query else ""))
    return path if path and path != request.full_path.rstrip("?") and path != request.path else default


def forbidden(error: Forbidden):
    """The 403 page: the reason given by the code that refused (our own sentence, never the data
    refused) and links back; nothing of what was asked for is looked up or shown."""
    if request.blueprint in PLAIN:
        return error
    home = url_for("queue.index") if current_user.is_authenticated else url_for("auth.login")
    return render_template("errors/403.html", reason=error.description if error.description != Forbidden.description
                           else None, back=back_link(home), home=home), 403
