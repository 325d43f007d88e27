"""Blueprints: one per surface."""
from __future__ import annotations

import importlib

from flask import Flask

# module path -> url prefix; each module defines `bp`
BLUEPRINTS = [
    ("app.web.auth.routes", None),
    ("app.web.queue.routes", None),
    ("app.web.dashboard.routes", "/manager"),
    ("app.phone.routes", "/twilio"),
    ("app.web.screenpop.routes", None),
    ("app.web.inbox.routes", None),
    ("app.web.queue.picklist", None),
]


def register(app: Flask) -> None:
    from app.models import status
    from app.web import times
    from app.web import errors
    from app.web.forms import refuse_nul_in_url

    app.before_request(refuse_nul_in_url)  # for every blueprint's path parts and query strings
    errors.init_app(app)  # a 403 page with a way back
    # templates compare with OrderStatus.HELD, never "held", and show a status as {{ o.status|status_label }}
    app.jinja_env.globals["OrderStatus"] = status.OrderStatus
    app.add_template_filter(_status_label, "status_label")
    times.register(app)  # {{ moment|when(branch) }}: every time a page shows, in one zone, labelled
    for module_name, prefix in BLUEPRINTS:
        module = importlib.import_module(module_name)
        app.register_blueprint(module.bp, url_prefix=prefix)


def _status_label(value) -> str:
    """A status in the page's words, translated once per request and locale (the queue shows one per row)."""
    from flask import g
    from flask_babel import get_locale, gettext

    from app.models import status

    said = g.setdefault("status_labels", {})
    key = (str(get_locale()), value)
    if key not in said:
        said[key] = gettext(status.label(value))
    return said[key]
