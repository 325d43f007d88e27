"""Role checks, enforced on the server for every view that needs them."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_babel import gettext as _
from flask_babel import gettext as _
from flask_login import current_user, login_required


def manager_required(view):
    """Logged-in managers and admins only; anyone else logged in gets 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_manager:
            abort(403, description=_("This page is for managers."))
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role != "admin":
            abort(403, description=_("This page is for administrators."))
        return view(*args, **kwargs)

    return wrapped
